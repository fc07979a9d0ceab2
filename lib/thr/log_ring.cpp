#include "thr/log_ring.h"

namespace thr {

void LogRing::Append(std::string line) {
  std::lock_guard<std::mutex> lock(mu_);
  if (capacity_ == 0) return;
  if (lines_.size() == capacity_) lines_.pop_front();
  lines_.push_back(std::move(line));
  ++total_;
}

void LogRing::Inherit(const LogRing& older) {
  std::vector<std::string> lines = older.Tail(capacity_);
  uint64_t total = older.total();
  std::lock_guard<std::mutex> lock(mu_);
  lines_.assign(lines.begin(), lines.end());
  total_ = total;
}

std::vector<std::string> LogRing::Tail(size_t n) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t take = std::min(n, lines_.size());
  return std::vector<std::string>(lines_.end() - static_cast<std::ptrdiff_t>(take), lines_.end());
}

uint64_t LogRing::total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

}  // namespace thr
