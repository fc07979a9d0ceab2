// RestartTracker: the backoff sequence, the healthy reset and crash-loop counting, cell by
// cell on made-up times (no clock, no threads).
#include "thr/restart_policy.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "thr/config.h"

namespace thr {
namespace {

using std::chrono::milliseconds;

// A service whose runs each last `up`, restarted after exactly the delay decided: feeds the
// tracker `deaths` exits and returns the delays in ms, then -1 where it gave up.
std::vector<int64_t> Delays(RestartTracker& t, int deaths, milliseconds up, SteadyTime* now,
                            std::string* reason = nullptr) {
  std::vector<int64_t> out;
  for (int i = 0; i < deaths; ++i) {
    SteadyTime began = *now;
    *now += up;
    RestartTracker::Decision d = t.AfterExit(began, *now, "exit status 3");
    if (d.give_up) {
      out.push_back(-1);
      if (reason != nullptr) *reason = d.reason;
      break;
    }
    out.push_back(d.delay.count());
    *now += d.delay;
  }
  return out;
}

TEST_CASE("RestartPolicy: the defaults are the documented ones") {
  JobSpec spec;
  RestartPolicy p = RestartPolicy::From(spec);
  CHECK(p.backoff == milliseconds(1000));
  CHECK(p.backoff_max == milliseconds(60'000));
  CHECK(p.healthy_after == milliseconds(10'000));
  CHECK(p.max_restarts == 5);
  CHECK_FALSE(p.window.has_value());
}

TEST_CASE("RestartTracker: quick deaths back off 1, 2, 4, 8, 16 s, then a crash loop") {
  RestartTracker t(RestartPolicy{});
  SteadyTime now{};
  std::string reason;
  CHECK(Delays(t, 10, milliseconds(50), &now, &reason) ==
        std::vector<int64_t>{1000, 2000, 4000, 8000, 16000, -1});
  CHECK(reason ==
        "crash loop: 5 restarts in a row, each run up less than 10s; last: exit status 3");
  CHECK(t.restarts() == 5);
}

TEST_CASE("RestartTracker: the delay doubles up to backoff_max and stays there") {
  RestartPolicy p;
  p.backoff = milliseconds(100);
  p.backoff_max = milliseconds(500);
  p.max_restarts = 0;  // never give up
  RestartTracker t(p);
  SteadyTime now{};
  CHECK(Delays(t, 7, milliseconds(1), &now) ==
        std::vector<int64_t>{100, 200, 400, 500, 500, 500, 500});
}

TEST_CASE("RestartTracker: max_restarts 0 never gives up, and the delay cannot overflow") {
  RestartPolicy p;
  p.max_restarts = 0;
  RestartTracker t(p);
  SteadyTime now{};
  std::vector<int64_t> d = Delays(t, 200, milliseconds(1), &now);
  REQUIRE(d.size() == 200);
  CHECK(d.back() == 60'000);
  CHECK(t.restarts() == 200);
}

TEST_CASE("RestartTracker: a healthy run resets the backoff and the crash-loop count") {
  RestartTracker t(RestartPolicy{});
  SteadyTime now{};
  CHECK(Delays(t, 4, milliseconds(10), &now) == std::vector<int64_t>{1000, 2000, 4000, 8000});
  CHECK(t.quick_in_row() == 4);
  SUBCASE("exactly healthy_after counts as healthy") {
    CHECK(Delays(t, 1, milliseconds(10'000), &now) == std::vector<int64_t>{1000});
  }
  SUBCASE("well past it") {
    CHECK(Delays(t, 1, milliseconds(60'000), &now) == std::vector<int64_t>{1000});
  }
  CHECK(t.quick_in_row() == 0);
  // The restart after the healthy run is not a quick one: five quick restarts still follow,
  // the backoff going on from the first delay.
  CHECK(Delays(t, 10, milliseconds(10), &now) ==
        std::vector<int64_t>{2000, 4000, 8000, 16000, 32000, -1});
}

TEST_CASE("RestartTracker: just under healthy_after is a quick death") {
  RestartTracker t(RestartPolicy{});
  SteadyTime now{};
  CHECK(Delays(t, 10, milliseconds(9'999), &now) ==
        std::vector<int64_t>{1000, 2000, 4000, 8000, 16000, -1});
}

TEST_CASE("RestartTracker: max_restarts 1 gives up at the second quick death") {
  RestartPolicy p;
  p.max_restarts = 1;
  RestartTracker t(p);
  SteadyTime now{};
  std::string reason;
  CHECK(Delays(t, 5, milliseconds(1), &now, &reason) == std::vector<int64_t>{1000, -1});
  CHECK(reason ==
        "crash loop: 1 restarts in a row, each run up less than 10s; last: exit status 3");
}

TEST_CASE("RestartTracker: with restart_window only restarts inside the window count") {
  RestartPolicy p;
  p.backoff = milliseconds(1000);
  p.backoff_max = milliseconds(1000);  // a steady 1 s between runs
  p.max_restarts = 3;
  SUBCASE("restarts spread wider than the window never add up to a crash loop") {
    p.window = milliseconds(2500);
    RestartTracker t(p);
    SteadyTime now{};
    // Each run is up 0.5 s: a restart every 1.5 s, so at most 2 lie within 2.5 s.
    std::vector<int64_t> d = Delays(t, 50, milliseconds(500), &now);
    CHECK(d.size() == 50);
    CHECK(d.back() == 1000);
  }
  SUBCASE("restarts crowded inside the window do") {
    p.window = milliseconds(60'000);
    RestartTracker t(p);
    SteadyTime now{};
    std::string reason;
    CHECK(Delays(t, 10, milliseconds(500), &now, &reason) ==
          std::vector<int64_t>{1000, 1000, 1000, -1});
    CHECK(reason ==
          "crash loop: 3 restarts within 1m, each run up less than 10s; last: exit status 3");
  }
}

}  // namespace
}  // namespace thr
