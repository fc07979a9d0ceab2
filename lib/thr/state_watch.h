// A counter bumped at every job state change, so that `wait` sleeps until something changed
// rather than polling the jobs. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace thr {

class StateWatch {
 public:
  uint64_t version() const;
  // May be called with a job's lock held: StateWatch never takes one.
  void Bump();
  // Returns false once Close() has been called; else true when the version differs from
  // `seen` or the deadline has passed.
  bool WaitChange(uint64_t seen, std::chrono::steady_clock::time_point deadline);
  // Shutdown: every waiter returns false, now and later.
  void Close();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t version_ = 0;  // guarded by mu_
  bool closed_ = false;   // guarded by mu_
};

}  // namespace thr
