#include "thr/clock.h"

namespace thr {

const Clock& DefaultClock() {
  static const RealClock clock;
  return clock;
}

WallTime ToWall(const Clock& clock, SteadyTime t) {
  return clock.WallNow() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(t - clock.Now());
}

}  // namespace thr
