#include "thr/schedule.h"

#include <algorithm>

namespace thr {

int64_t Grid::FirstSlotAtOrAfter(SteadyTime t) const {
  if (t <= t0) return 0;
  auto elapsed = t - t0;
  auto period = std::chrono::duration_cast<SteadyTime::duration>(every);
  int64_t k = elapsed / period;
  return elapsed % period == SteadyTime::duration::zero() ? k : k + 1;
}

NextSlot AfterRun(const Grid& grid, int64_t ran, SteadyTime now) {
  int64_t next = std::max(ran + 1, grid.FirstSlotAtOrAfter(now));
  return {next, next - (ran + 1)};
}

int64_t AfterPause(const Grid& grid, int64_t pending, SteadyTime now) {
  return std::max(pending, grid.FirstSlotAtOrAfter(now));
}

}  // namespace thr
