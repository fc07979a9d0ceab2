#include "thr/hook.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>

#include "thr/clock.h"
#include "thr/config.h"
#include "thr/fd.h"
#include "thr/line_splitter.h"
#include "thr/log.h"
#include "thr/process.h"
#include "thr/task.h"

namespace thr {
namespace {

// Reads one bufferful from `fd` into `lines`; false at EOF or on error. One read per call, so
// a hook that writes without pause cannot keep the loop from its deadline.
bool DrainSome(int fd, LineSplitter& lines) {
  char buf[16384];
  ssize_t n = ::read(fd, buf, sizeof(buf));
  if (n > 0) {
    lines.Feed(std::string_view(buf, static_cast<size_t>(n)));
    return true;
  }
  return n < 0 && (errno == EAGAIN || errno == EINTR);
}

// Reads `fd` to its end (every writer is gone).
void DrainAll(int fd, LineSplitter& lines) {
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      lines.Feed(std::string_view(buf, static_cast<size_t>(n)));
    } else if (!(n < 0 && errno == EINTR)) {
      return;
    }
  }
}

}  // namespace

HookRunner::HookRunner(const JobSpec& spec, Emit emit) : spec_(spec), emit_(std::move(emit)) {}

HookRunner::~HookRunner() {
  std::unique_lock<std::mutex> lock(mu_);
  closing_ = true;
  pending_.reset();
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
  }
  std::thread last = std::move(thread_);
  lock.unlock();
  if (last.joinable()) last.join();
}

void HookRunner::Fire(HookEvent e) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closing_) return;
  if (busy_) {
    if (pending_) {
      LogJob(spdlog::level::info, spec_.name, "hook",
             "job {}: on_failure hook busy; {} replaces the waiting {}", spec_.name, e.event,
             pending_->event);
    } else {
      LogJob(spdlog::level::info, spec_.name, "hook",
             "job {}: on_failure hook busy; {} waits for it", spec_.name, e.event);
    }
    pending_ = std::move(e);
    return;
  }
  // The previous thread marked itself idle as its last act under mu_, so this join is short.
  if (thread_.joinable()) thread_.join();
  pending_ = std::move(e);
  busy_ = true;
  thread_ = std::thread(&HookRunner::Main, this);
}

void HookRunner::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !busy_; });
}

uint64_t HookRunner::finished() const {
  std::lock_guard<std::mutex> lock(mu_);
  return finished_;
}

void HookRunner::Main() {
  pthread_setname_np(pthread_self(), ("hook-" + spec_.name).substr(0, 15).c_str());
  std::unique_lock<std::mutex> lock(mu_);
  while (pending_ && !closing_) {
    HookEvent e = std::move(*pending_);
    pending_.reset();
    lock.unlock();
    RunOne(e);
    lock.lock();
    ++finished_;
  }
  busy_ = false;
  cv_.notify_all();
}

void HookRunner::RunOne(const HookEvent& e) {
  auto emit = [this](std::string_view line) { emit_("[on_failure] " + std::string(line)); };
  std::map<std::string, std::string> extra = {
      {"THRD_EVENT", e.event},
      {"THRD_REASON", e.reason},
      {"THRD_EXIT_STATUS", e.exit_status ? std::to_string(*e.exit_status) : ""}};
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) {
    emit(std::string("[thrd] hook not run: cannot create an eventfd: ") + std::strerror(errno));
    return;
  }
  std::unique_ptr<Child> child;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return;
    wake_fd_ = wake.get();
  }
  Status spawned =
      Spawn(JobSpawnRequest(spec_, spec_.on_failure_argv, spec_.on_failure_shell, extra), &child);
  if (!spawned.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    wake_fd_ = -1;
    emit_("[thrd] on_failure hook failed: " + spawned.message());
    LogJob(spdlog::level::warn, spec_.name, "hook", "job {}: on_failure hook failed: {}",
           spec_.name, spawned.message());
    return;
  }
  LineSplitter out(emit), err(emit);
  fcntl(child->stdout_fd(), F_SETFL, O_NONBLOCK);
  fcntl(child->stderr_fd(), F_SETFL, O_NONBLOCK);
  const SteadyTime deadline = DefaultClock().Now() + spec_.hook_timeout;
  bool timed_out = false, closed = false;
  while (true) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - DefaultClock().Now());
    int timeout_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1 << 30));
    pollfd fds[4] = {{child->pidfd(), POLLIN, 0},
                     {wake.get(), POLLIN, 0},
                     {child->stdout_fd(), POLLIN, 0},
                     {child->stderr_fd(), POLLIN, 0}};
    int rc = ::poll(fds, 4, timeout_ms);
    if (rc < 0 && errno != EINTR) break;
    if (fds[2].revents != 0 && !DrainSome(child->stdout_fd(), out)) child->CloseStdout();
    if (fds[3].revents != 0 && !DrainSome(child->stderr_fd(), err)) child->CloseStderr();
    if (fds[0].revents != 0) break;  // the hook's leader exited
    if (fds[1].revents != 0) {       // the job is going away: so does its hook
      closed = true;
      break;
    }
    if (DefaultClock().Now() >= deadline) {
      timed_out = true;
      break;
    }
  }
  if (timed_out || closed) child->SignalGroup(SIGKILL);
  int status = child->ReapLeader();
  child->KillAndReapGroup();  // nothing a hook starts outlives it
  if (child->stdout_fd() >= 0) DrainAll(child->stdout_fd(), out);
  if (child->stderr_fd() >= 0) DrainAll(child->stderr_fd(), err);
  out.Finish();
  err.Finish();
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_fd_ = -1;
  }
  std::string outcome;
  if (timed_out) {
    outcome = "killed after " + FormatDuration(spec_.hook_timeout) + " (hook_timeout)";
  } else if (closed) {
    outcome = "killed: its job ended";
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    outcome = DescribeWaitStatus(status);
  }
  if (outcome.empty()) {
    LogJob(spdlog::level::info, spec_.name, "hook", "job {}: on_failure hook for {} done",
           spec_.name, e.event);
    return;
  }
  emit_("[thrd] on_failure hook failed: " + outcome);
  LogJob(spdlog::level::warn, spec_.name, "hook", "job {}: on_failure hook for {} failed: {}",
         spec_.name, e.event, outcome);
}

}  // namespace thr
