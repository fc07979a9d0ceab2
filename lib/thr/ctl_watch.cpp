#include "thr/ctl_watch.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <sstream>

#include "thr/client.h"
#include "thr/exit_codes.h"
#include "thr/fd.h"
#include "thr/socket_path.h"
#include "thr/terminal.h"

namespace thr {
namespace {

using Steady = std::chrono::steady_clock;

// A burst of events (`pause --all` on many jobs, many runs ending together) makes one redraw.
constexpr Duration kCoalesce{100};

// Signals arrive on a signalfd, so the loop takes them between draws and the terminal is
// restored by ordinary code, never from a handler. Blocked for the object's lifetime.
class SignalFd {
 public:
  SignalFd() {
    sigemptyset(&set_);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP, SIGCONT}) sigaddset(&set_, sig);
    ::sigprocmask(SIG_BLOCK, &set_, &old_);
    fd_ = UniqueFd(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
  }
  ~SignalFd() {
    fd_.Reset();
    ::sigprocmask(SIG_SETMASK, &old_, nullptr);
  }
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  int fd() const { return fd_.get(); }
  // The next pending signal, or 0 when none is.
  int Take() {
    signalfd_siginfo info{};
    ssize_t n = ::read(fd_.get(), &info, sizeof(info));
    return n == static_cast<ssize_t>(sizeof(info)) ? static_cast<int>(info.ssi_signo) : 0;
  }

 private:
  sigset_t set_{}, old_{};
  UniqueFd fd_;
};

std::string LocalTime() {
  std::time_t t = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&t, &local);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &local);
  return buf;
}

class Watch {
 public:
  Watch(const CtlOptions& options, std::string path)
      : options_(options),
        path_(std::move(path)),
        timeout_(options.timeout.value_or(kDefaultCtlTimeout)),
        interval_(options.watch_interval.value_or(kDefaultWatchInterval)),
        color_(ColorWanted(true, std::getenv("NO_COLOR"))) {}

  int Run();

 private:
  enum class Step { kGoOn, kQuit };

  int Subscribe();
  Status FetchStatus(nlohmann::json* reply);
  // Fetches the status and draws it; false (with *exit_code set) when thrd is gone.
  bool Redraw(int* exit_code);
  Step OnSignal(int* exit_code);
  Step OnKeys();
  // Reads what the events stream has; kQuit (with *exit_code set) when it ended.
  Step OnEvents(int* exit_code);
  int Gone(const std::string& why);

  const CtlOptions& options_;
  const std::string path_;
  const Duration timeout_;
  const Duration interval_;
  const bool color_;
  std::unique_ptr<Client> events_;
  std::unique_ptr<Client> status_;
  std::unique_ptr<SignalFd> signals_;  // before term_: the terminal is restored first
  std::unique_ptr<TerminalSession> term_;
  bool keys_ = false;   // stdin is a terminal we read q from
  bool dirty_ = false;  // an event came since the last draw
  Steady::time_point last_draw_;
};

// Subscribes before the first status, so no change falls between the two.
int Watch::Subscribe() {
  if (Status s = Client::Connect(path_, timeout_, &events_); !s.ok()) return Gone(s.message());
  nlohmann::json request = {{"cmd", "events"}};
  if (!options_.jobs.empty()) request["jobs"] = options_.jobs;
  nlohmann::json first;
  if (Status s = events_->Call(request, timeout_, &first); !s.ok()) return Gone(s.message());
  if (!first.contains("ok")) return kExitOk;  // {"subscribed": true}
  Status refused = ReplyStatus(first);
  std::fprintf(stderr, "thrctl: %s\n",
               refused.ok() ? Text(first, "end", "thrd ended the stream").c_str()
                            : refused.message().c_str());
  return refused.ok() ? kExitUnreachable : kExitFailed;
}

// A transport failure only: a refusal in the reply (a job a reload removed) is shown instead.
Status Watch::FetchStatus(nlohmann::json* reply) {
  nlohmann::json request = {{"cmd", "status"}};
  if (!options_.jobs.empty()) request["jobs"] = options_.jobs;
  Status s;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!status_) {
      if (s = Client::Connect(path_, timeout_, &status_); !s.ok()) return s;
    }
    s = status_->Call(request, timeout_, reply);
    // thrd closes a connection idle for its idle_timeout (a long --interval) with the error
    // "timeout": that connection is done, a new one answers.
    bool cut = s.code() == Status::Code::kUnavailable ||
               (s.ok() && Text(Member(*reply, "error"), "code", "") == "timeout");
    if (!cut) return s;
    status_.reset();
  }
  if (s.ok()) s = Status::Unavailable("thrd at " + path_ + " keeps closing the connection");
  return s;
}

bool Watch::Redraw(int* exit_code) {
  nlohmann::json reply;
  if (Status s = FetchStatus(&reply); !s.ok()) {
    *exit_code = Gone(s.message());
    return false;
  }
  std::vector<std::string> lines = {"thrd at " + path_ + "   " + LocalTime() + "   every " +
                                        FormatDuration(interval_) + " and on changes; q to quit",
                                    ""};
  Status result = ReplyStatus(reply);
  if (!result.ok()) lines.push_back("thrctl: " + result.message());  // e.g. a job reloaded away
  std::istringstream table(FormatStatus(reply, FormatOptions{WallClock::now(), color_}));
  for (std::string line; std::getline(table, line);) lines.push_back(line);
  int rows = 0, cols = 0;
  term_->Size(&rows, &cols);
  term_->Draw(ComposeFrame(lines, rows, cols));
  last_draw_ = Steady::now();
  dirty_ = false;
  return true;
}

Watch::Step Watch::OnSignal(int* exit_code) {
  for (int sig; (sig = signals_->Take()) != 0;) {
    switch (sig) {
      case SIGTSTP:
        // Ctrl-Z: give the terminal back while stopped, take it again on fg.
        term_->Leave();
        ::kill(::getpid(), SIGSTOP);
        term_->Enter();
        dirty_ = true;
        last_draw_ = {};
        break;
      case SIGWINCH:
      case SIGCONT:
        dirty_ = true;
        last_draw_ = {};  // at once: the old frame no longer fits
        break;
      default:  // SIGINT, SIGTERM, SIGHUP
        *exit_code = kExitOk;
        return Step::kQuit;
    }
  }
  return Step::kGoOn;
}

Watch::Step Watch::OnKeys() {
  char buf[64];
  ssize_t n = ::read(STDIN_FILENO, buf, sizeof(buf));
  // The keyboard is gone (EOF, or a hung-up terminal, which would stay readable for ever):
  // stop polling it; signals still end the watch.
  if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) keys_ = false;
  for (ssize_t i = 0; i < n; ++i) {
    if (buf[i] == 'q' || buf[i] == 'Q') return Step::kQuit;
  }
  return Step::kGoOn;
}

Watch::Step Watch::OnEvents(int* exit_code) {
  while (true) {
    nlohmann::json item;
    Status s = events_->Receive(Duration(0), &item);
    if (s.code() == Status::Code::kTimeout) return Step::kGoOn;  // all read
    if (!s.ok()) {
      *exit_code = Gone(s.message());
      return Step::kQuit;
    }
    if (item.contains("ok")) {  // the stream's final reply: thrd shuts down, or too_slow
      Status end = ReplyStatus(item);
      *exit_code = Gone(end.ok() ? Text(item, "end", "thrd ended the stream") : end.message());
      return Step::kQuit;
    }
    if (item.contains("event")) dirty_ = true;
  }
}

// Leaves the screen first, so that the message stays readable on the main screen.
int Watch::Gone(const std::string& why) {
  if (term_) term_->Leave();
  std::fprintf(stderr, "thrctl: %s\n", why.c_str());
  return kExitUnreachable;
}

int Watch::Run() {
  if (int code = Subscribe(); code != kExitOk) return code;
  // Signals are blocked before the terminal changes: from here on none can kill thrctl with
  // the terminal in raw mode.
  signals_ = std::make_unique<SignalFd>();
  if (signals_->fd() < 0) {
    std::fprintf(stderr, "thrctl: signalfd: %s\n", std::strerror(errno));
    return kExitFailed;
  }
  keys_ = isatty(STDIN_FILENO) == 1;
  term_ = std::make_unique<TerminalSession>(STDOUT_FILENO, keys_ ? STDIN_FILENO : -1);
  if (!term_->Enter()) {
    std::fprintf(stderr, "thrctl: cannot set up the terminal for --watch\n");
    return kExitFailed;
  }
  int code = kExitOk;
  if (!Redraw(&code)) return code;
  Steady::time_point next_tick = Steady::now() + interval_;
  while (true) {
    Steady::time_point wake = next_tick;
    if (dirty_) wake = std::min(wake, last_draw_ + kCoalesce);
    auto wait = std::chrono::duration_cast<Duration>(wake - Steady::now()).count();
    pollfd fds[3] = {{signals_->fd(), POLLIN, 0},
                     {events_->fd(), POLLIN, 0},
                     {keys_ ? STDIN_FILENO : -1, POLLIN, 0}};
    if (::poll(fds, 3, static_cast<int>(std::clamp<int64_t>(wait, 0, 1 << 30))) < 0 &&
        errno != EINTR) {
      return Gone(std::string("poll: ") + std::strerror(errno));
    }
    if (fds[0].revents != 0 && OnSignal(&code) == Step::kQuit) return code;
    if (fds[2].revents != 0 && OnKeys() == Step::kQuit) return kExitOk;
    if (fds[1].revents != 0 && OnEvents(&code) == Step::kQuit) return code;
    Steady::time_point now = Steady::now();
    if (now >= next_tick) {
      // The same grid: a slow redraw makes ticks pass, never drift.
      while (next_tick <= now) next_tick += interval_;
      dirty_ = true;
      last_draw_ = {};
    }
    if (dirty_ && now >= last_draw_ + kCoalesce && !Redraw(&code)) return code;
  }
}

}  // namespace

int RunWatch(const CtlOptions& options) {
  if (options.json) {
    std::fprintf(stderr,
                 "thrctl: status --watch is for people; scripts can follow thrctl --json events\n");
    return kExitUsage;
  }
  if (isatty(STDOUT_FILENO) != 1) {
    std::fprintf(stderr,
                 "thrctl: status --watch needs a terminal on stdout; for a stream of changes use "
                 "thrctl events, for one table thrctl status\n");
    return kExitUsage;
  }
  Watch watch(options, ResolveClientSocket(options.socket));
  return watch.Run();
}

}  // namespace thr
