// Fixed-rate schedule math on the monotonic clock, pure so it tests without sleeping.
// Run k is due at t0 + k * every; late runs never push later ones (no drift).
#pragma once

#include <cstdint>

#include "thr/clock.h"
#include "thr/duration.h"

namespace thr {

struct Grid {
  SteadyTime t0;
  Duration every;

  SteadyTime Due(int64_t slot) const { return t0 + every * slot; }
  // The first slot due at or after `t`.
  int64_t FirstSlotAtOrAfter(SteadyTime t) const;
};

struct NextSlot {
  int64_t slot;
  int64_t missed;  // slots passed over because the run overlapped them
};

// After the run of `ran` ended at `now`: the next slot due at or after `now`, and the
// slots between that were missed. A run that ends before slot ran+1 misses nothing.
NextSlot AfterRun(const Grid& grid, int64_t ran, SteadyTime now);

// On resume at `now` with `pending` the slot that was next when the pause began: slots that
// passed while paused are skipped (not missed), so the job goes on at the next slot on the
// same grid, with no burst.
int64_t AfterPause(const Grid& grid, int64_t pending, SteadyTime now);

}  // namespace thr
