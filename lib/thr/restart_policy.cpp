#include "thr/restart_policy.h"

#include <algorithm>

#include "thr/config.h"

namespace thr {

RestartPolicy RestartPolicy::From(const JobSpec& spec) {
  return {spec.backoff, spec.backoff_max, spec.healthy_after, spec.max_restarts,
          spec.restart_window};
}

// backoff x 2^(n-1) for the n-th quick death in a row, capped; computed by doubling so that a
// long loop with no limit (max_restarts 0) cannot overflow.
Duration RestartTracker::DelayFor(uint32_t quick_in_row) const {
  Duration delay = policy_.backoff;
  for (uint32_t i = 1; i < quick_in_row && delay < policy_.backoff_max; ++i) delay *= 2;
  return std::min(delay, policy_.backoff_max);
}

RestartTracker::Decision RestartTracker::AfterExit(SteadyTime started, SteadyTime ended,
                                                   const std::string& last) {
  Decision d;
  if (ended - started >= policy_.healthy_after) {
    // A healthy run: what came before it was no crash loop, and its death gets the first
    // delay again. Its own restart is not a quick one.
    in_row_ = 0;
    quick_in_row_ = 0;
    recent_.clear();
  } else {
    uint32_t counted = quick_in_row_;
    if (policy_.window) {
      while (!recent_.empty() && ended - recent_.front() > *policy_.window) recent_.pop_front();
      counted = static_cast<uint32_t>(recent_.size());
    }
    if (policy_.max_restarts != 0 && counted >= policy_.max_restarts) {
      d.give_up = true;
      d.reason = "crash loop: " + std::to_string(counted) + " restarts" +
                 (policy_.window ? " within " + FormatDuration(*policy_.window)
                                 : std::string(" in a row")) +
                 ", each run up less than " + FormatDuration(policy_.healthy_after) +
                 "; last: " + last;
      return d;
    }
    ++quick_in_row_;
    if (policy_.window) recent_.push_back(ended);
  }
  ++in_row_;
  ++restarts_;
  d.delay = DelayFor(in_row_);
  return d;
}

}  // namespace thr
