// The loop of a job with `every`: fixed-rate slots on the monotonic grid (schedule.h), so the
// wall clock being set never moves it.
#include <spdlog/spdlog.h>

#include "thr/jitter.h"
#include "thr/job.h"

namespace thr {

void Job::PeriodicLoop(std::unique_lock<std::mutex>& lock, Worker* w) {
  const Grid grid{clock_.Now(), *spec_.every};
  // The slot's own random delay, drawn afresh per slot so that delays never add up, and
  // always short of the next slot.
  auto jitter_of = [&](int64_t slot) {
    if (spec_.jitter <= Duration::zero()) return Duration::zero();
    return JitterFor(spec_.jitter, grid.every,
                     JitterSeed(ProcessJitterSalt(), spec_.name, slot * grid.every.count()));
  };
  int64_t slot = 0;  // run 0 at once
  bool was_paused = false;
  while (!w->stop) {
    if (run_now_) {
      // An operator's `run` leaves the grid alone; a slot it overlapped is missed, as with any
      // run that overlaps the next slot.
      if (!RunCounted(lock, w, std::nullopt)) return;
      if (state_ == JobState::kRunning && !was_paused) {
        NextSlot next = AfterRun(grid, slot - 1, clock_.Now());
        slot = next.slot;
        missed_ += static_cast<uint64_t>(next.missed);
      }
      continue;
    }
    if (state_ == JobState::kPaused) {
      next_due_.reset();
      was_paused = true;
      cv_.wait(lock, [&] { return WakesWait(w, JobState::kPaused); });
      continue;
    }
    if (state_ != JobState::kRunning) break;
    if (was_paused) {
      slot = AfterPause(grid, slot, clock_.Now());
      was_paused = false;
    }
    const SteadyTime due = grid.Due(slot) + jitter_of(slot);
    next_due_ = due;
    if (clock_.Now() < due) {
      cv_.wait_until(lock, due, [&] { return WakesWait(w, JobState::kRunning); });
      continue;
    }
    // While running, the next run is due no earlier than the next slot.
    next_due_ = grid.Due(slot + 1);
    if (!RunCounted(lock, w, due)) return;
    NextSlot next = AfterRun(grid, slot, clock_.Now());
    slot = next.slot;
    missed_ += static_cast<uint64_t>(next.missed);
  }
}

}  // namespace thr
