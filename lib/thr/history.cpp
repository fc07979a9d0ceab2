#include "thr/history.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>

#include "thr/events.h"

namespace thr {

std::string_view RunOutcomeName(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kOk:
      return "ok";
    case RunOutcome::kFailed:
      return "failed";
    case RunOutcome::kInterrupted:
      return "interrupted";
  }
  return "?";
}

void RunHistory::Ring::Push(Stored run) {
  if (capacity_ == 0) return;
  if (runs_.size() < capacity_) {
    // Grow by doubling up to the capacity, never past it: a job with history 100 holds at most
    // 100 entries, not the 128 that push_back's growth would reserve.
    if (runs_.size() == runs_.capacity()) {
      runs_.reserve(std::min<size_t>(capacity_, std::max<size_t>(4, runs_.size() * 2)));
    }
    runs_.push_back(std::move(run));
    return;
  }
  runs_[head_] = std::move(run);
  head_ = (head_ + 1) % capacity_;
}

void RunHistory::Ring::Resize(uint32_t capacity) {
  if (capacity == capacity_) return;
  // Oldest first again, then drop the oldest that no longer fit.
  std::rotate(runs_.begin(), runs_.begin() + head_, runs_.end());
  head_ = 0;
  if (runs_.size() > capacity) runs_.erase(runs_.begin(), runs_.end() - capacity);
  if (runs_.capacity() > capacity) runs_.shrink_to_fit();
  capacity_ = capacity;
}

RunHistory::Stripe& RunHistory::StripeOf(std::string_view name) {
  return stripes_[std::hash<std::string_view>{}(name) % kStripes];
}

const RunHistory::Stripe& RunHistory::StripeOf(std::string_view name) const {
  return stripes_[std::hash<std::string_view>{}(name) % kStripes];
}

void RunHistory::Configure(const std::string& name, uint32_t capacity) {
  Stripe& stripe = StripeOf(name);
  std::lock_guard<std::mutex> lock(stripe.mu);
  auto [it, inserted] = stripe.rings.try_emplace(name, capacity);
  if (!inserted) it->second.Resize(capacity);
}

void RunHistory::Drop(const std::string& name) {
  Stripe& stripe = StripeOf(name);
  std::lock_guard<std::mutex> lock(stripe.mu);
  stripe.rings.erase(name);
}

void RunHistory::Record(const Event& event) {
  if (event.type != Event::Type::kRun) return;
  Stored run;
  run.start_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(event.started.time_since_epoch())
          .count();
  run.duration_ms = std::max<int64_t>(0, event.duration_ms);
  run.outcome = !event.ok           ? RunOutcome::kFailed
                : event.interrupted ? RunOutcome::kInterrupted
                                    : RunOutcome::kOk;
  if (event.exit_status && *event.exit_status >= 0 &&
      *event.exit_status <= std::numeric_limits<int16_t>::max()) {
    run.exit_status = static_cast<int16_t>(*event.exit_status);
  }
  run.missed =
      static_cast<uint32_t>(std::min<uint64_t>(event.missed, std::numeric_limits<uint32_t>::max()));
  // Allocated before the lock, and only for the runs that have a reason.
  if (run.outcome != RunOutcome::kOk && !event.error.empty()) {
    run.reason = std::make_unique<const std::string>(event.error);
  }
  Stripe& stripe = StripeOf(event.job);
  std::lock_guard<std::mutex> lock(stripe.mu);
  auto it = stripe.rings.find(event.job);
  if (it != stripe.rings.end()) it->second.Push(std::move(run));
}

bool RunHistory::Recent(const std::string& name, size_t n, std::vector<RunEntry>* out) const {
  out->clear();
  const Stripe& stripe = StripeOf(name);
  std::lock_guard<std::mutex> lock(stripe.mu);
  auto it = stripe.rings.find(name);
  if (it == stripe.rings.end()) return false;
  const Ring& ring = it->second;
  const size_t count = std::min(n, ring.size());
  out->reserve(count);
  for (size_t i = ring.size() - count; i < ring.size(); ++i) {
    const Stored& s = ring.at(i);
    RunEntry e;
    e.started = WallTime(std::chrono::milliseconds(s.start_ms));
    e.duration_ms = s.duration_ms;
    e.outcome = s.outcome;
    if (s.exit_status != Stored::kNoExit) e.exit_status = s.exit_status;
    if (s.reason) e.reason = *s.reason;
    e.missed = s.missed;
    out->push_back(std::move(e));
  }
  return true;
}

}  // namespace thr
