#include "thr/log_ring.h"

namespace thr {

void LogRing::Append(std::string line) {
  std::lock_guard<std::mutex> lock(mu_);
  if (capacity_ == 0) return;
  if (lines_.size() == capacity_) lines_.pop_front();
  lines_.push_back(std::move(line));
  ++total_;
  cv_.notify_all();
}

LogRing::Follow LogRing::Wait(uint64_t from, std::chrono::steady_clock::time_point deadline,
                              std::vector<std::string>* lines, uint64_t* next,
                              uint64_t* dropped) const {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return total_ > from || closed_; });
  lines->clear();
  *next = from;
  *dropped = 0;
  if (total_ <= from) return closed_ ? Follow::kClosed : Follow::kTimeout;
  uint64_t oldest = total_ - lines_.size();  // position of lines_.front()
  if (from < oldest) {
    *dropped = oldest - from;
    from = oldest;
  }
  lines->assign(lines_.begin() + static_cast<std::ptrdiff_t>(from - oldest), lines_.end());
  *next = total_;
  return Follow::kLines;
}

void LogRing::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
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
