// The service side of Job (a job with no schedule: its command runs continuously and is
// restarted by its `restart` policy) and the verdicts of a job's own thread: the ways into
// `failed`, and the on_failure hook. The periodic loop and the job's lifecycle are in job.cpp.
#include <spdlog/spdlog.h>

#include "thr/job.h"
#include "thr/log.h"
#include "thr/restart_policy.h"

namespace thr {

void Job::FireHook(std::string_view event, const std::string& reason,
                   std::optional<int> exit_status) {
  if (hook_ == nullptr) return;
  hook_->Fire({std::string(event), reason, exit_status});
}

void Job::RunFailedLocked(const RunResult& result) {
  ++failures_;
  ++failure_streak_;
  last_error_ = result.reason;
  FireHook("run_failed", result.reason, result.exit_status);
}

void Job::JudgeLocked(Verdict verdict, const std::string& reason, std::optional<int> exit_status) {
  Transition t = Next(state_, verdict);
  if (t.kind != Transition::Kind::kTo) return;  // stopped or killed meanwhile: the operator wins
  JobState from = state_;
  state_ = t.to;
  AnnounceStateLocked(from);
  if (t.to != JobState::kFailed) {
    Emit("[thrd] " + reason + "; job " + std::string(StateName(t.to)));
    LogJob(spdlog::level::info, spec_.name, "service_end", "job {}: {}; job {}", spec_.name, reason,
           StateName(t.to));
    return;
  }
  last_error_ = reason;
  Emit("[thrd] job failed: " + reason);
  LogJob(spdlog::level::err, spec_.name, "job_failed", "job {}: {}; job failed", spec_.name,
         reason);
  FireHook("job_failed", reason, exit_status);
}

// The command runs; when it exits, `restart` says whether it runs again, after the backoff of
// the restart tracker. Every wait is on cv_, so stop and kill end a backoff at once, and the
// job shows `running` with next_run at the restart while it waits. A pause holds back the
// restart while in backoff; while the command runs, the run freezes it (RunHandle::wants).
void Job::ServiceLoop(std::unique_lock<std::mutex>& lock, Worker* w, const bool& stop) {
  RestartTracker tracker(RestartPolicy::From(spec_));
  restarts_ = 0;
  SteadyTime restart_at = SteadyTime::min();  // the first run starts at once
  while (!stop) {
    if (state_ == JobState::kPaused) {
      next_due_.reset();
      cv_.wait(lock, [&] { return stop || state_ != JobState::kPaused; });
      continue;
    }
    if (state_ != JobState::kRunning) break;
    if (clock_.Now() < restart_at) {
      next_due_ = restart_at;
      cv_.wait_until(lock, restart_at, [&] { return stop || state_ != JobState::kRunning; });
      continue;
    }
    next_due_.reset();
    const SteadyTime began = clock_.Now();
    service_started_ = clock_.WallNow();
    service_started_steady_ = began;
    RunEnd end = RunTask(lock, w, std::nullopt);
    service_started_.reset();
    if (!end.fatal.empty()) {
      JudgeLocked(Verdict::kInternalError, end.fatal, std::nullopt);
      return;
    }
    ++runs_;
    last_run_ = end.started;
    const RunResult& r = end.result;
    if (r.interrupted) continue;  // ended by stop, kill or restart: stop is set
    // How it ended, for the log and the crash-loop reason ("exit status 0" too).
    const std::string how =
        r.reason.empty() ? "exit status " + std::to_string(r.exit_status.value_or(0)) : r.reason;
    if (!r.ok) {
      RunFailedLocked(r);
    } else {
      failure_streak_ = 0;
    }
    // A clean exit is not a failure; whether it ends the service is `restart`'s to say.
    if (r.ok && spec_.restart != RestartMode::kAlways) {
      JudgeLocked(Verdict::kServiceDone, "exited cleanly (" + how + ")", r.exit_status);
      return;
    }
    if (!r.ok && spec_.restart == RestartMode::kNever) {
      JudgeLocked(Verdict::kNoRestart, how + " (restart never)", r.exit_status);
      return;
    }
    RestartTracker::Decision d = tracker.AfterExit(began, clock_.Now(), how);
    if (d.give_up) {
      JudgeLocked(Verdict::kCrashLoop, d.reason, r.exit_status);
      return;
    }
    restarts_ = tracker.restarts();
    restart_at = clock_.Now() + d.delay;
    Emit("[thrd] " + how + "; restarting in " + FormatDuration(d.delay));
    LogJob(spdlog::level::info, spec_.name, "restart_scheduled", "job {}: {}; restart {} in {}",
           spec_.name, how, restarts_, FormatDuration(d.delay));
  }
}

}  // namespace thr
