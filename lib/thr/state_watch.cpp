#include "thr/state_watch.h"

namespace thr {

uint64_t StateWatch::version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return version_;
}

void StateWatch::Bump() {
  std::lock_guard<std::mutex> lock(mu_);
  ++version_;
  cv_.notify_all();
}

bool StateWatch::WaitChange(uint64_t seen, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return closed_ || version_ != seen; });
  return !closed_;
}

void StateWatch::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

}  // namespace thr
