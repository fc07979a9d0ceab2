// When a service is restarted and when it is given up as a crash loop: pure arithmetic on
// run start and end times, kept apart from the job thread so every case is a unit test.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "thr/clock.h"
#include "thr/duration.h"

namespace thr {

struct JobSpec;

struct RestartPolicy {
  Duration backoff{1000};          // the delay after the first quick death
  Duration backoff_max{60'000};    // the delay doubles up to this
  Duration healthy_after{10'000};  // a run up this long resets the backoff and the loop count
  uint32_t max_restarts = 5;       // quick restarts that make a crash loop; 0 = never give up
  std::optional<Duration> window;  // when set, only quick restarts this recent count

  static RestartPolicy From(const JobSpec& spec);
};

// The restart history of one service thread. Not thread-safe: owned by the job's thread.
class RestartTracker {
 public:
  explicit RestartTracker(RestartPolicy policy) : policy_(policy) {}

  struct Decision {
    bool give_up = false;
    Duration delay{0};   // when !give_up: how long to wait before the next run
    std::string reason;  // when give_up: "crash loop: 5 restarts in a row, each run up ..."
  };
  // A run that began at `started` ended at `ended`, for `last` ("exit status 3"): restart after
  // Decision::delay, or give up. The n-th restart since the last healthy run waits
  // backoff x 2^(n-1), at most backoff_max. A run up healthy_after or longer resets both
  // counts, so its death is restarted after `backoff` again and is never a crash loop; after
  // a quick death, max_restarts quick restarts already counted (in a row, or within the
  // window) give up.
  Decision AfterExit(SteadyTime started, SteadyTime ended, const std::string& last);

  // Restarts decided since this tracker began (what status shows as `restarts`).
  uint64_t restarts() const { return restarts_; }
  // Restarts after quick deaths in a row since the last healthy run (the crash-loop count
  // when no window is set).
  uint32_t quick_in_row() const { return quick_in_row_; }

 private:
  Duration DelayFor(uint32_t quick_in_row) const;

  const RestartPolicy policy_;
  uint64_t restarts_ = 0;
  uint32_t in_row_ = 0;            // restarts since the last healthy run: the backoff exponent
  uint32_t quick_in_row_ = 0;      // of those, the ones after quick deaths
  std::deque<SteadyTime> recent_;  // quick restarts inside the window (window only)
};

}  // namespace thr
