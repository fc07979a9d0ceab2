// One job: one named worker thread running its task on the fixed-rate grid.
// What the operator asked for (state_) is kept apart from what the worker observes; commands
// change the former and wake the worker, which reconciles. Every wait is on the job's
// condition variable, so pause, stop and kill take effect at once.
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "thr/clock.h"
#include "thr/config.h"
#include "thr/hook.h"
#include "thr/job_state.h"
#include "thr/log_ring.h"
#include "thr/schedule.h"
#include "thr/status.h"
#include "thr/task.h"

namespace date {
class time_zone;
}

namespace thr {

struct CronExpr;
class OutputEcho;
class StateWatch;
class EventBus;
class RunStamps;

// A copy of a job's observable state, taken under its mutex (status never waits on a run).
struct JobInfo {
  std::string name;
  TaskKind task;
  std::optional<Duration> every;  // none for a service or a calendar job
  std::string cron;               // a calendar job's expression, else empty
  bool service = false;
  JobState state;
  uint64_t runs = 0;
  uint64_t failures = 0;
  uint64_t missed = 0;
  std::optional<WallTime> last_run;
  std::optional<WallTime> next_run;
  std::optional<pid_t> pid;
  std::optional<pid_t> thread_id;
  bool frozen = false;
  std::string last_error;
  uint64_t failure_streak = 0;       // failed runs in a row since the last success (or start)
  uint64_t restarts = 0;             // a service's restarts since its thread began (start, restart)
  std::optional<WallTime> started;   // a service: when its command's run in progress began
  std::optional<int64_t> uptime_ms;  // a service: how long that run has been up
};

// All public methods are safe to call from any thread.
class Job {
 public:
  Job(JobSpec spec, const Clock& clock, OutputEcho* echo);
  // With a given task instead of MakeTask(spec) (tests).
  Job(JobSpec spec, const Clock& clock, OutputEcho* echo, std::unique_ptr<Task> task);
  ~Job();  // stops the worker (as `kill` would) and joins it
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  const JobSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }

  // Where state changes (`wait`, `events`) and run ends (`events`) are announced; before
  // Begin() only. Either may be null (tests).
  void Observe(StateWatch* watch, EventBus* events) {
    watch_ = watch;
    events_ = events;
  }
  // Where a calendar job with catch_up keeps its last run; before Begin() only. Null: nowhere.
  void UseStamps(const RunStamps* stamps) { stamps_ = stamps; }
  // Takes over the counters, last run and output lines of the job this one replaces (reload).
  // Before Begin() only.
  void InheritHistory(const Job& older);
  // Puts the job in `initial` (running, paused or stopped) and starts its worker if needed.
  void Begin(JobState initial);

  struct Outcome {
    Transition::Kind kind;
    JobState before;
    JobState after;
  };
  // Applies `control` by the transition table and wakes the worker; never blocks on it.
  // `freeze` (pause only) also freezes a run in progress until resume.
  Outcome Request(Control control, bool freeze = false);
  // `thrctl run`: starts one run now, also while paused (the job stays paused), without moving
  // the schedule. Returns once the run has begun; Refused for a service, a job that is not
  // running or paused, or while a run is in progress.
  Status RunNow();
  // The wall clock was set (ClockWatch): a calendar job re-computes its next run at once.
  void WallClockStepped();
  // Blocks until the worker matches the requested state: a stopped or killed worker has ended,
  // a started or restarted one is running on a fresh thread.
  void Settle();
  // Shutdown: ends the worker as `stop` does without changing the state shown or saved, and
  // refuses to start it again. WaitEnded() then blocks until the worker is gone.
  void RequestShutdown();
  void WaitEnded();

  JobInfo Info() const;
  const LogRing& log() const { return log_; }
  // This job object is done for good (replaced or removed by reload, or shutdown): log
  // followers stop waiting on it.
  void CloseLog() { log_.Close(); }

 private:
  // One thread's life. The Job keeps it until the thread is joined.
  struct Worker {
    pthread_t handle{};
    Job* job = nullptr;
    bool stop = false;    // guarded by job->mu_: end the thread
    bool kill = false;    // guarded by job->mu_: end the run in progress now
    bool ended = false;   // guarded by job->mu_
    bool joined = false;  // guarded by job->mu_
    pid_t tid = 0;        // guarded by job->mu_
  };
  class RunHandle;
  static void* ThreadMain(void* arg);
  void WakeLocked();
  // After state_ changed from `from` (Begin: `from` == state_, only `wait` hears of it).
  void AnnounceStateLocked(JobState from);
  void Loop(Worker* w);
  // Runs the task once with the lock released; `fatal` set when it threw. `due`: when the
  // schedule wanted it (for the run event's lateness); none for a service or `thrctl run`.
  struct RunEnd {
    RunResult result;
    std::string fatal;
    WallTime started;
  };
  RunEnd RunTask(std::unique_lock<std::mutex>& lock, Worker* w, std::optional<SteadyTime> due);
  // Counts a scheduled run's end (runs, failures, max_failures); false when the job ended.
  bool CountRunLocked(const RunEnd& end);
  // Runs the task and counts it; false when the job ended.
  bool RunCounted(std::unique_lock<std::mutex>& lock, Worker* w, std::optional<SteadyTime> due);
  // Whether a wait of the loops should end early: stop, a state change away from `in`, or an
  // operator's `run`.
  bool WakesWait(const Worker* w, JobState in) const;
  // The loops of the schedule kinds: `every` on the monotonic grid (job_periodic.cpp), `cron`
  // on the wall clock (job_calendar.cpp).
  void PeriodicLoop(std::unique_lock<std::mutex>& lock, Worker* w);
  void CalendarLoop(std::unique_lock<std::mutex>& lock, Worker* w);
  // The catch-up run of a calendar job at its first start; false when the job ended.
  bool CatchUpLocked(std::unique_lock<std::mutex>& lock, Worker* w, const CronExpr& expr,
                     const date::time_zone* zone);
  void SaveStampUnlocked(std::unique_lock<std::mutex>& lock, WallTime t);
  // The service loop (job_service.cpp): runs the command, restarts it by `restart` and the
  // backoff, gives up on a crash loop.
  // `stop` is w->stop (Worker is private to job.cpp).
  void ServiceLoop(std::unique_lock<std::mutex>& lock, Worker* w, const bool& stop);
  // Applies `verdict` by the table (job_state.h); on the way into `failed`, records `reason`
  // and fires the hook with job_failed.
  void JudgeLocked(Verdict verdict, const std::string& reason, std::optional<int> exit_status);
  // Counts a failed run (failures, streak, last error) and fires the hook with run_failed.
  void RunFailedLocked(const RunResult& result);
  void FireHook(std::string_view event, const std::string& reason, std::optional<int> exit_status);
  void Emit(std::string_view line);
  void SpawnLocked();
  bool WorkerLiveLocked() const;
  void JoinEndedLocked();

  const JobSpec spec_;
  const Clock& clock_;
  OutputEcho* const echo_;
  const std::unique_ptr<Task> task_;
  LogRing log_;
  StateWatch* watch_ = nullptr;  // set before the first thread; then read only
  EventBus* events_ = nullptr;   // likewise

  mutable std::mutex mu_;
  std::condition_variable cv_;               // wakes the worker and those waiting in Settle()
  JobState state_ = JobState::kStopped;      // guarded by mu_: the operator's view
  std::unique_ptr<Worker> worker_;           // guarded by mu_: the current (or last) thread
  uint64_t runs_ = 0;                        // guarded by mu_
  uint64_t failures_ = 0;                    // guarded by mu_
  uint64_t missed_ = 0;                      // guarded by mu_
  uint64_t missed_reported_ = 0;             // guarded by mu_: missed_ at the last run event
  std::optional<WallTime> last_run_;         // guarded by mu_
  std::optional<SteadyTime> next_due_;       // guarded by mu_; set while waiting for a slot
  std::optional<WallTime> next_wall_;        // guarded by mu_: a calendar job's next_due_
  bool run_now_ = false;                     // guarded by mu_: a `run` request not yet taken
  bool in_run_ = false;                      // guarded by mu_: a run is in progress
  uint64_t wall_steps_ = 0;                  // guarded by mu_: WallClockStepped() calls
  bool caught_up_ = false;                   // guarded by mu_: catch_up was considered
  const RunStamps* stamps_ = nullptr;        // set before the first thread; then read only
  std::string last_error_;                   // guarded by mu_
  bool shutting_down_ = false;               // guarded by mu_
  bool freeze_ = false;                      // guarded by mu_: pause --freeze until resume
  int run_wake_fd_ = -1;                     // guarded by mu_: the eventfd of the run in progress
  std::optional<pid_t> pid_;                 // guarded by mu_: the run's child
  bool frozen_ = false;                      // guarded by mu_
  uint64_t failure_streak_ = 0;              // guarded by mu_
  uint64_t restarts_ = 0;                    // guarded by mu_
  std::optional<WallTime> service_started_;  // guarded by mu_: a service's run in progress
  SteadyTime service_started_steady_{};      // guarded by mu_; with service_started_
  // The on_failure hook, when the spec has one. Declared last: destroyed (its hook killed)
  // first, while what it writes to still exists.
  std::unique_ptr<HookRunner> hook_;
};

}  // namespace thr
