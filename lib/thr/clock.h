// The clocks a job reads, behind an interface so tests and later calendar work can inject
// their own (ninja's DiskInterface, leveldb's Env).
#pragma once

#include <chrono>

namespace thr {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic: schedules and waits.
  virtual SteadyTime Now() const = 0;
  // Wall clock: only for showing times to people.
  virtual WallTime WallNow() const = 0;
};

class RealClock final : public Clock {
 public:
  SteadyTime Now() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
};

// The process-wide real clock.
const Clock& DefaultClock();

// Converts a steady time to wall time as seen from `clock` now (for next_run).
WallTime ToWall(const Clock& clock, SteadyTime t);

}  // namespace thr
