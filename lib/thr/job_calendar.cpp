// The loop of a job with `cron`: slots on the wall clock of the job's zone (cron.h). The wait
// for a slot runs on the monotonic clock but is re-aimed at the wall clock each time the job
// wakes: at least once a minute (NTP slews it slowly), and at once when the wall clock is set
// (WallClockStepped, from the daemon's one ClockWatch).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "thr/cron.h"
#include "thr/iso_time.h"
#include "thr/jitter.h"
#include "thr/job.h"
#include "thr/log.h"
#include "thr/run_stamp.h"
#include "thr/zone.h"

namespace thr {
namespace {

using std::chrono::seconds;
using SysSeconds = date::sys_seconds;

// How long a calendar job sleeps at most before re-reading the wall clock.
constexpr std::chrono::minutes kMaxCalendarWait{1};
// Missed slots counted one by one at most; past this (a `* * * * * *` job stuck for a day) the
// job just moves on.
constexpr int kMaxCountedMisses = 100'000;

SysSeconds FloorSeconds(WallTime t) { return std::chrono::floor<seconds>(t); }

}  // namespace

// Two fsyncs: done without the lock, so that status never waits on the disk.
void Job::SaveStampUnlocked(std::unique_lock<std::mutex>& lock, WallTime t) {
  lock.unlock();
  if (Status s = stamps_->Save(spec_.name, t); !s.ok())
    LogJob(spdlog::level::warn, spec_.name, "catch_up", "job {}: catch_up: {}", spec_.name,
           s.message());
  lock.lock();
}

bool Job::CatchUpLocked(std::unique_lock<std::mutex>& lock, Worker* w, const CronExpr& expr,
                        const date::time_zone* zone) {
  if (stamps_ == nullptr) return true;
  std::optional<WallTime> stamp;
  if (Status s = stamps_->Load(spec_.name, &stamp); !s.ok())
    LogJob(spdlog::level::warn, spec_.name, "catch_up", "job {}: catch_up: {}; no catch-up run",
           spec_.name, s.message());
  const WallTime now = clock_.WallNow();
  if (stamp) {
    std::optional<SysSeconds> passed = NextFire(expr, zone, FloorSeconds(*stamp));
    if (passed && *passed <= now) {
      std::string what = "catch_up: the run due at " + FormatIsoUtc(*passed) +
                         " was missed while thrd was down; running it now";
      Emit("[thrd] " + what);
      LogJob(spdlog::level::info, spec_.name, "catch_up", "job {}: {}", spec_.name, what);
      if (!RunCounted(lock, w, std::nullopt)) return false;
    }
  }
  // Accounted for up to now: a slot passed from here on is caught up at the next start.
  SaveStampUnlocked(lock, now);
  return true;
}

void Job::CalendarLoop(std::unique_lock<std::mutex>& lock, Worker* w) {
  CronExpr expr;
  const date::time_zone* zone = nullptr;
  Status parsed = ParseCron(spec_.cron, &expr);  // both checked at load; kept for safety
  if (parsed.ok()) parsed = spec_.tz.empty() ? Status::Ok() : LocateZone(spec_.tz, &zone);
  if (!parsed.ok()) {
    JudgeLocked(Verdict::kInternalError, "cron: " + parsed.message(), std::nullopt);
    return;
  }
  if (zone == nullptr) zone = LocalZone(nullptr);
  if (!caught_up_) {
    caught_up_ = true;
    if (spec_.catch_up && state_ == JobState::kRunning && !CatchUpLocked(lock, w, expr, zone))
      return;
  }

  std::optional<SysSeconds> last_slot;  // the last slot that ran: never run one again
  auto next_after = [&](SysSeconds after) {
    if (last_slot && *last_slot > after) after = *last_slot;
    return NextFire(expr, zone, after);
  };
  std::optional<SysSeconds> pending = next_after(FloorSeconds(clock_.WallNow()));
  // Moves `pending` past the present. Slots passed over by a run count as missed; those passed
  // while paused or jumped over by a clock step do not.
  auto skip_past = [&](bool count) {
    const SysSeconds now = FloorSeconds(clock_.WallNow());
    for (int n = 0; pending && *pending <= now; ++n) {
      if (!count || n == kMaxCountedMisses) {
        pending = next_after(now);
        break;
      }
      ++missed_;
      pending = NextFire(expr, zone, *pending);
    }
  };
  auto jitter_of = [&](SysSeconds slot) {
    if (spec_.jitter <= Duration::zero()) return Duration::zero();
    std::optional<SysSeconds> following = NextFire(expr, zone, slot);
    Duration gap = following ? std::chrono::duration_cast<Duration>(*following - slot)
                             : spec_.jitter + Duration(1);
    int64_t slot_ms = std::chrono::duration_cast<Duration>(slot.time_since_epoch()).count();
    return JitterFor(spec_.jitter, gap, JitterSeed(ProcessJitterSalt(), spec_.name, slot_ms));
  };
  uint64_t steps_seen = wall_steps_;
  auto wakes = [&](JobState in) { return WakesWait(w, in) || steps_seen != wall_steps_; };
  bool was_paused = false;
  bool stepped_over = false;  // the pending slot is one a clock step jumped over
  while (!w->stop) {
    if (run_now_) {
      if (!RunCounted(lock, w, std::nullopt)) return;
      if (state_ == JobState::kRunning && !was_paused) skip_past(true);
      continue;
    }
    if (state_ == JobState::kPaused) {
      // A paused job has no next run to re-aim: steps are taken in at resume.
      next_wall_.reset();
      was_paused = true;
      steps_seen = wall_steps_;
      cv_.wait(lock, [&] { return WakesWait(w, JobState::kPaused); });
      continue;
    }
    if (state_ != JobState::kRunning) break;
    if (was_paused) {
      // Slots passed while paused are skipped, not missed; and the clock may have been set
      // meanwhile, so the next slot is found afresh from now.
      pending = next_after(FloorSeconds(clock_.WallNow()));
      was_paused = false;
      stepped_over = false;
    }
    if (steps_seen != wall_steps_) {
      steps_seen = wall_steps_;
      // Jumped forward over the pending slot: it runs once, now. Otherwise (a step back) the
      // next slot is the first after the new time that has not run yet.
      const SysSeconds now = FloorSeconds(clock_.WallNow());
      stepped_over = pending && *pending <= now;
      if (!stepped_over) pending = next_after(now);
    }
    if (!pending) {  // the expression never matches again (e.g. 30 February)
      next_wall_.reset();
      cv_.wait(lock, [&] { return wakes(JobState::kRunning); });
      continue;
    }
    const WallTime due = *pending + jitter_of(*pending);
    next_wall_ = due;
    const auto remaining = due - clock_.WallNow();
    if (remaining > WallTime::duration::zero()) {
      const auto wait = std::min<std::chrono::nanoseconds>(remaining, kMaxCalendarWait);
      cv_.wait_until(lock, clock_.Now() + wait, [&] { return wakes(JobState::kRunning); });
      continue;
    }
    const SysSeconds slot = *pending;
    last_slot = slot;
    pending = NextFire(expr, zone, slot);
    next_wall_ = pending ? std::optional<WallTime>(*pending) : std::nullopt;
    const SteadyTime due_steady = clock_.Now() - (clock_.WallNow() - due);
    if (!RunCounted(lock, w, due_steady)) return;
    if (spec_.catch_up && stamps_ != nullptr) SaveStampUnlocked(lock, slot);
    skip_past(!stepped_over);
    stepped_over = false;
  }
}

}  // namespace thr
