// The exec task: one child process group per run, watched with poll() on its pidfd, its two
// output pipes and the job's wake eventfd, so a command never waits behind a run.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "thr/line_splitter.h"
#include "thr/notify.h"
#include "thr/process.h"
#include "thr/task.h"

extern char** environ;

namespace thr {
namespace {

class ExecTask final : public Task {
 public:
  explicit ExecTask(const JobSpec& spec) : spec_(spec) {}
  bool needs_control() const override { return true; }
  RunResult Run(RunContext& ctx) override;

 private:
  SpawnRequest MakeRequest() const { return JobSpawnRequest(spec_, spec_.argv, spec_.shell); }

  const JobSpec spec_;
};

// Reads what is available on `fd` into `lines`; false at EOF or on error.
bool Pump(int fd, LineSplitter& lines) {
  char buf[65536];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0) {
      lines.Feed(std::string_view(buf, static_cast<size_t>(n)));
      if (static_cast<size_t>(n) < sizeof(buf)) return true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

int PollTimeout(SteadyTime now, std::optional<SteadyTime> deadline) {
  if (!deadline) return -1;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(*deadline - now).count();
  return static_cast<int>(std::clamp<int64_t>(ms, 0, 1 << 30));
}

RunResult ExecTask::Run(RunContext& ctx) {
  std::unique_ptr<Child> child;
  if (Status s = Spawn(MakeRequest(), &child); !s.ok())
    return {false, false, s.message(), std::nullopt};
  RunControl& control = *ctx.control;
  control.Report(child->pid(), false);
  LineSplitter out(ctx.emit), err(ctx.emit);
  fcntl(child->stdout_fd(), F_SETFL, O_NONBLOCK);
  fcntl(child->stderr_fd(), F_SETFL, O_NONBLOCK);

  const Clock& clock = *ctx.clock;
  SteadyTime now = clock.Now();
  std::optional<SteadyTime> timeout_at;
  if (spec_.timeout) timeout_at = now + *spec_.timeout;
  std::optional<SteadyTime> kill_at;
  SteadyTime frozen_since;
  bool frozen = false, stop_sent = false, kill_sent = false, timed_out = false, interrupted = false;

  auto begin_stop = [&] {
    child->SignalGroup(spec_.stop_signal);
    if (frozen) child->SignalGroup(SIGCONT);  // a frozen run cannot act on its stop signal
    stop_sent = true;
    kill_at = clock.Now() + spec_.stop_timeout;
  };

  while (true) {
    RunWants wants = control.wants();
    if (wants.kill && !kill_sent) {
      child->SignalGroup(SIGKILL);
      kill_sent = interrupted = true;
    }
    if (wants.stop && !stop_sent && !kill_sent) {
      interrupted = true;
      begin_stop();
    }
    if (wants.freeze != frozen && !stop_sent && !kill_sent) {
      child->SignalGroup(wants.freeze ? SIGSTOP : SIGCONT);
      now = clock.Now();
      if (wants.freeze) {
        frozen_since = now;
      } else if (timeout_at) {
        *timeout_at += now - frozen_since;  // frozen time does not count toward `timeout`
      }
      frozen = wants.freeze;
      control.Report(child->pid(), frozen);
    }

    std::optional<SteadyTime> deadline;
    if (timeout_at && !frozen && !stop_sent) deadline = timeout_at;
    if (kill_at && !kill_sent) deadline = deadline ? std::min(*deadline, *kill_at) : *kill_at;
    pollfd fds[4] = {{child->pidfd(), POLLIN, 0},
                     {control.wake_fd(), POLLIN, 0},
                     {child->stdout_fd(), POLLIN, 0},
                     {child->stderr_fd(), POLLIN, 0}};
    int rc = poll(fds, 4, PollTimeout(clock.Now(), deadline));
    if (rc < 0 && errno != EINTR) break;
    if (fds[1].revents != 0) {
      uint64_t count;
      (void)!read(control.wake_fd(), &count, sizeof(count));
    }
    if (fds[2].revents != 0 && !Pump(child->stdout_fd(), out)) child->CloseStdout();
    if (fds[3].revents != 0 && !Pump(child->stderr_fd(), err)) child->CloseStderr();
    if (fds[0].revents != 0) break;  // the leader exited
    now = clock.Now();
    if (timeout_at && !frozen && !stop_sent && now >= *timeout_at) {
      timed_out = true;
      begin_stop();
    }
    if (kill_at && !kill_sent && now >= *kill_at) {
      child->SignalGroup(SIGKILL);
      kill_sent = true;
    }
  }

  int status = child->ReapLeader();
  child->KillAndReapGroup();  // nothing a run starts outlives it
  // Every writer is gone now, so what is left in the pipes is all there is.
  if (child->stdout_fd() >= 0) Pump(child->stdout_fd(), out);
  if (child->stderr_fd() >= 0) Pump(child->stderr_fd(), err);
  out.Finish();
  err.Finish();
  control.Report(std::nullopt, false);

  if (timed_out)
    return {false, false, "timeout after " + FormatDuration(*spec_.timeout), std::nullopt};
  if (interrupted) return {true, true, DescribeWaitStatus(status), std::nullopt};
  RunResult result{false, false, DescribeWaitStatus(status), std::nullopt};
  if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  if (WIFEXITED(status) && std::find(spec_.success_codes.begin(), spec_.success_codes.end(),
                                     WEXITSTATUS(status)) != spec_.success_codes.end()) {
    result.ok = true;
    result.reason.clear();  // a reason is for failures
  }
  return result;
}

}  // namespace

SpawnRequest JobSpawnRequest(const JobSpec& spec, const std::vector<std::string>& argv,
                             const std::string& shell,
                             const std::map<std::string, std::string>& extra_env) {
  SpawnRequest r;
  r.argv = argv.empty() ? std::vector<std::string>{"/bin/sh", "-c", shell} : argv;
  r.cwd = spec.cwd;
  r.user = spec.user;
  r.group = spec.group;
  r.umask = spec.umask;
  // thrd's environment (less what systemd addressed to thrd), then the job's `env` over
  // it, then THRD_JOB.
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view var(*e);
    size_t eq = var.find('=');
    if (eq != std::string_view::npos && !IsServiceManagerVariable(var.substr(0, eq)))
      env[std::string(var.substr(0, eq))] = std::string(var.substr(eq + 1));
  }
  for (const auto& [k, v] : spec.env) {
    env[k] = v;
    r.job_env.insert(k);
  }
  env["THRD_JOB"] = spec.name;
  for (const auto& [k, v] : extra_env) {
    env[k] = v;
    r.job_env.insert(k);
  }
  for (const auto& [k, v] : env) r.env.push_back(k + "=" + v);
  return r;
}

std::unique_ptr<Task> MakeExecTask(const JobSpec& spec) { return std::make_unique<ExecTask>(spec); }

}  // namespace thr
