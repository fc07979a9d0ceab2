#include "thr/events.h"

#include <algorithm>

namespace thr {

std::shared_ptr<EventBus::Subscription> EventBus::Subscribe(std::set<std::string> jobs,
                                                            size_t capacity) {
  auto sub = std::make_shared<Subscription>();
  sub->jobs_ = std::move(jobs);
  sub->capacity_ = std::max<size_t>(capacity, 1);
  sub->bus_ = this;
  std::lock_guard<std::mutex> lock(mu_);
  subs_.push_back(sub);
  sub_count_ = subs_.size();
  return sub;
}

void EventBus::Unsubscribe(const std::shared_ptr<Subscription>& sub) {
  std::lock_guard<std::mutex> lock(mu_);
  subs_.remove(sub);
  sub_count_ = subs_.size();
}

void EventBus::Publish(Event event) {
  for (const Observer& observe : observers_) observe(event);
  // A subscriber that arrives while this event is published may miss it: it had not asked yet.
  if (sub_count_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  event.seq = next_seq_++;
  bool delivered = false;
  for (auto it = subs_.begin(); it != subs_.end();) {
    Subscription& sub = **it;
    if (!sub.jobs_.empty() && sub.jobs_.count(event.job) == 0) {
      ++it;
      continue;
    }
    if (sub.queue_.size() >= sub.capacity_) {
      // Cut off: it keeps what it has and learns it missed the rest.
      sub.overflowed_ = true;
      it = subs_.erase(it);
      sub_count_ = subs_.size();
    } else {
      sub.queue_.push_back(event);
      ++it;
    }
    delivered = true;
  }
  if (delivered) cv_.notify_all();
}

void EventBus::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

EventBus::Subscription::Result EventBus::Subscription::Next(
    std::chrono::steady_clock::time_point deadline, Event* out) {
  std::unique_lock<std::mutex> lock(bus_->mu_);
  bus_->cv_.wait_until(lock, deadline,
                       [&] { return !queue_.empty() || overflowed_ || bus_->closed_; });
  if (!queue_.empty()) {
    *out = std::move(queue_.front());
    queue_.pop_front();
    return Result::kEvent;
  }
  if (overflowed_) return Result::kOverflow;
  if (bus_->closed_) return Result::kClosed;
  return Result::kTimeout;
}

}  // namespace thr
