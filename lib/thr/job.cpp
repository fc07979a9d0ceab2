#include "thr/job.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>
#include <exception>

#include "thr/events.h"
#include "thr/fd.h"
#include "thr/log.h"
#include "thr/output.h"
#include "thr/state_watch.h"

namespace thr {
namespace {

// Small stacks so 10,000 jobs stay cheap; sanitizers need far more.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t kWorkerStack = 4 << 20;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr size_t kWorkerStack = 4 << 20;
#else
constexpr size_t kWorkerStack = 256 << 10;
#endif
#else
constexpr size_t kWorkerStack = 256 << 10;
#endif

}  // namespace

// The running task's view of its job (RunControl); lives for one run.
class Job::RunHandle final : public RunControl {
 public:
  RunHandle(Job* job, Worker* worker, int wake_fd)
      : job_(job), worker_(worker), wake_fd_(wake_fd) {}
  int wake_fd() const override { return wake_fd_; }
  RunWants wants() const override {
    std::lock_guard<std::mutex> lock(job_->mu_);
    // A service has no next run to hold back, so its pause always freezes.
    bool freeze = (job_->freeze_ || IsService(job_->spec_)) && job_->state_ == JobState::kPaused;
    return {worker_->stop, worker_->kill, freeze};
  }
  void Report(std::optional<pid_t> pid, bool frozen) override {
    std::lock_guard<std::mutex> lock(job_->mu_);
    job_->pid_ = pid;
    job_->frozen_ = frozen;
  }

 private:
  Job* job_;
  Worker* worker_;
  int wake_fd_;
};

Job::Job(JobSpec spec, const Clock& clock, OutputEcho* echo)
    : Job(spec, clock, echo, MakeTask(spec)) {}

Job::Job(JobSpec spec, const Clock& clock, OutputEcho* echo, std::unique_ptr<Task> task)
    : spec_(std::move(spec)),
      clock_(clock),
      echo_(echo),
      task_(std::move(task)),
      log_(spec_.log_lines) {
  if (spec_.has_hook()) {
    hook_ = std::make_unique<HookRunner>(spec_, [this](std::string_view line) { Emit(line); });
  }
}

void Job::Emit(std::string_view line) {
  log_.Append(std::string(line));
  if (echo_ != nullptr) echo_->Write(spec_.name, line);
}

Job::~Job() {
  std::unique_lock<std::mutex> lock(mu_);
  shutting_down_ = true;
  if (WorkerLiveLocked()) {
    worker_->stop = worker_->kill = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return worker_->ended; });
  }
  JoinEndedLocked();
}

bool Job::WorkerLiveLocked() const { return worker_ && !worker_->ended; }

// The worker released mu_ for good when it marked itself ended, so joining under it is safe;
// joining (not just seeing `ended`) is what makes "the thread has ended" true at a reply.
void Job::JoinEndedLocked() {
  if (worker_ && worker_->ended && !worker_->joined) {
    pthread_join(worker_->handle, nullptr);
    worker_->joined = true;
  }
}

void Job::InheritHistory(const Job& older) {
  log_.Inherit(older.log_);
  std::scoped_lock lock(mu_, older.mu_);
  runs_ = older.runs_;
  failures_ = older.failures_;
  missed_ = older.missed_;
  missed_reported_ = older.missed_;  // a fresh grid: nothing missed yet on it
  last_run_ = older.last_run_;
  last_error_ = older.last_error_;
  caught_up_ = true;  // a reload is not a restart of thrd: no catch-up run for it
}

void Job::Begin(JobState initial) {
  std::lock_guard<std::mutex> lock(mu_);
  state_ = initial;
  if (initial == JobState::kRunning || initial == JobState::kPaused) SpawnLocked();
  AnnounceStateLocked(state_);
}

void Job::AnnounceStateLocked(JobState from) {
  if (watch_ != nullptr) watch_->Bump();
  if (events_ != nullptr && from != state_) {
    Event e;
    e.time = clock_.WallNow();
    e.job = spec_.name;
    e.type = Event::Type::kState;
    e.from = from;
    e.to = state_;
    events_->Publish(std::move(e));
  }
}

void Job::SpawnLocked() {
  if (shutting_down_) return;
  JoinEndedLocked();  // the previous worker has ended; reap it
  worker_ = std::make_unique<Worker>();
  worker_->job = this;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kWorkerStack);
  int err = pthread_create(&worker_->handle, &attr, &Job::ThreadMain, worker_.get());
  pthread_attr_destroy(&attr);
  if (err != 0) {
    worker_.reset();
    JudgeLocked(Verdict::kInternalError, std::string("cannot create thread: ") + std::strerror(err),
                std::nullopt);
  }
}

void* Job::ThreadMain(void* arg) {
  auto* w = static_cast<Worker*>(arg);
  w->job->Loop(w);
  return nullptr;
}

void Job::WakeLocked() {
  cv_.notify_all();
  if (run_wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!::write(run_wake_fd_, &one, sizeof(one));
  }
}

Job::Outcome Job::Request(Control control, bool freeze) {
  std::lock_guard<std::mutex> lock(mu_);
  JobState before = state_;
  Transition t = Next(state_, control);
  bool live = WorkerLiveLocked();
  if (t.kind == Transition::Kind::kTo) {
    state_ = t.to;
    AnnounceStateLocked(before);
    if (live &&
        (control == Control::kStop || control == Control::kKill || control == Control::kRestart)) {
      worker_->stop = true;
    }
  }
  // A kill also escalates a stop still in progress (a no-op in the table's terms).
  if (control == Control::kKill && live) worker_->kill = worker_->stop = true;
  if (control == Control::kPause && state_ == JobState::kPaused && freeze) freeze_ = true;
  if (control == Control::kResume || control == Control::kStart || control == Control::kRestart)
    freeze_ = false;
  WakeLocked();
  return {t.kind, before, state_};
}

void Job::Settle() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    bool wants_thread = state_ == JobState::kRunning || state_ == JobState::kPaused;
    if (WorkerLiveLocked()) {
      if (wants_thread && !worker_->stop) return;
      cv_.wait(lock);  // the old thread is ending
      continue;
    }
    JoinEndedLocked();
    if (!wants_thread) return;
    SpawnLocked();
    // Reply only once the new thread runs (has its id), so status right after shows it.
    cv_.wait(lock, [&] { return !worker_ || worker_->tid != 0 || worker_->ended; });
    return;
  }
}

void Job::RequestShutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  if (WorkerLiveLocked()) worker_->stop = true;
  WakeLocked();
}

void Job::WaitEnded() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !WorkerLiveLocked(); });
  JoinEndedLocked();
}

void Job::Loop(Worker* w) {
  // ps -T shows at most 15 characters.
  pthread_setname_np(pthread_self(), spec_.name.substr(0, 15).c_str());
  std::unique_lock<std::mutex> lock(mu_);
  w->tid = ::gettid();
  cv_.notify_all();     // Settle() waits for this
  failure_streak_ = 0;  // a fresh thread (start, restart) begins a fresh streak
  if (IsService(spec_)) {
    ServiceLoop(lock, w, w->stop);
  } else if (IsCalendar(spec_)) {
    CalendarLoop(lock, w);
  } else {
    PeriodicLoop(lock, w);
  }
  next_due_.reset();
  next_wall_.reset();
  w->ended = true;
  cv_.notify_all();
}

bool Job::WakesWait(const Worker* w, JobState in) const {
  return w->stop || state_ != in || run_now_;
}

Status Job::RunNow() {
  std::unique_lock<std::mutex> lock(mu_);
  const std::string who = "job " + spec_.name;
  if (IsService(spec_))
    return Status::Refused(who + ": a service runs continuously; `restart` runs it afresh");
  if (state_ != JobState::kRunning && state_ != JobState::kPaused) {
    return Status::Refused(who + " is " + std::string(StateName(state_)) + "; `start` it first");
  }
  if (in_run_ || run_now_) return Status::Refused(who + ": a run is in progress");
  if (!WorkerLiveLocked() || worker_->stop) return Status::Refused(who + " is ending");
  run_now_ = true;
  WakeLocked();
  cv_.wait(lock, [&] { return !run_now_ || !WorkerLiveLocked() || worker_->stop; });
  if (run_now_) {
    run_now_ = false;
    return Status::Refused(who + " ended before the run began");
  }
  return Status::Ok();
}

void Job::WallClockStepped() {
  std::lock_guard<std::mutex> lock(mu_);
  ++wall_steps_;
  cv_.notify_all();
}

Job::RunEnd Job::RunTask(std::unique_lock<std::mutex>& lock, Worker* w,
                         std::optional<SteadyTime> due) {
  RunEnd end;
  end.started = clock_.WallNow();
  const SteadyTime began = clock_.Now();
  // Whatever started this run, it answers an operator's `run` waiting in RunNow().
  if (run_now_) {
    run_now_ = false;
    cv_.notify_all();
  }
  in_run_ = true;
  // Only a run that can block gets a wake fd, and only while it runs: idle jobs hold no fd.
  UniqueFd wake;
  RunResult& result = end.result;
  if (task_->needs_control()) {
    wake = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake.valid()) {
      result = {false, false, std::string("cannot create an eventfd: ") + std::strerror(errno),
                std::nullopt};
    }
    run_wake_fd_ = wake.get();
  }
  lock.unlock();
  RunHandle control(this, w, wake.get());
  auto emit = [this](std::string_view line) { Emit(line); };
  try {
    RunContext ctx{spec_.name, &clock_, emit, &control};
    if (result.ok) result = task_->Run(ctx);  // unless it could not even be set up
  } catch (const std::exception& e) {
    end.fatal = e.what();
  } catch (...) {
    end.fatal = "unknown exception";
  }
  if (!result.ok && end.fatal.empty()) {
    emit("[thrd] run failed: " + result.reason);
    LogJob(spdlog::level::warn, spec_.name, "run_failed", "job {}: run failed: {}", spec_.name,
           result.reason);
  }
  lock.lock();
  in_run_ = false;
  run_wake_fd_ = -1;
  pid_.reset();
  frozen_ = false;
  if (events_ != nullptr) {
    Event e;
    e.time = clock_.WallNow();
    e.job = spec_.name;
    e.type = Event::Type::kRun;
    e.ok = result.ok && end.fatal.empty();
    e.interrupted = e.ok && result.interrupted;
    e.error = end.fatal.empty() ? (result.ok && !e.interrupted ? "" : result.reason) : end.fatal;
    // Slots missed since the previous run: those its overlap (or a `run`'s) passed over.
    e.missed = missed_ - missed_reported_;
    missed_reported_ = missed_;
    e.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(e.time - end.started).count();
    e.started = end.started;
    e.exit_status = result.exit_status;
    if (due)
      e.lateness_us = std::chrono::duration_cast<std::chrono::microseconds>(began - *due).count();
    events_->Publish(std::move(e));
  }
  return end;
}

bool Job::CountRunLocked(const RunEnd& end) {
  if (!end.fatal.empty()) {
    JudgeLocked(Verdict::kInternalError, end.fatal, std::nullopt);
    return false;
  }
  ++runs_;
  last_run_ = end.started;
  if (!end.result.ok) {
    RunFailedLocked(end.result);
    if (spec_.max_failures != 0 && failure_streak_ >= spec_.max_failures) {
      JudgeLocked(Verdict::kMaxFailures,
                  "max_failures: " + std::to_string(failure_streak_) +
                      " failed runs in a row; last: " + end.result.reason,
                  end.result.exit_status);
      return false;
    }
  } else if (!end.result.interrupted) {
    failure_streak_ = 0;
  }
  return true;
}

bool Job::RunCounted(std::unique_lock<std::mutex>& lock, Worker* w, std::optional<SteadyTime> due) {
  return CountRunLocked(RunTask(lock, w, due));
}

JobInfo Job::Info() const {
  std::lock_guard<std::mutex> lock(mu_);
  JobInfo info;
  info.name = spec_.name;
  info.task = spec_.task;
  info.every = spec_.every;
  info.cron = spec_.cron;
  info.service = IsService(spec_);
  info.failure_streak = failure_streak_;
  info.restarts = restarts_;
  if (service_started_) {
    info.started = service_started_;
    info.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() -
                                                                           service_started_steady_)
                         .count();
  }
  info.state = state_;
  info.runs = runs_;
  info.failures = failures_;
  info.missed = missed_;
  info.last_run = last_run_;
  if (state_ == JobState::kRunning) {
    if (next_wall_) {
      info.next_run = next_wall_;
    } else if (next_due_) {
      info.next_run = ToWall(clock_, *next_due_);
    }
  }
  if (WorkerLiveLocked() && worker_->tid != 0) info.thread_id = worker_->tid;
  info.pid = pid_;
  info.frozen = frozen_;
  info.last_error = last_error_;
  return info;
}

}  // namespace thr
