// The jitter delay (lib/thr/jitter.h): its bounds, and that it is a function of the slot.
#include "thr/jitter.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <set>

namespace thr {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("Jitter: the delay lies in [0, jitter] and reaches both ends") {
  const Duration jitter = seconds{30};
  const Duration gap = minutes{5};
  CHECK(JitterFor(jitter, gap, 0) == Duration::zero());
  CHECK(JitterFor(jitter, gap, 30'000) == jitter);  // random % 30001
  CHECK(JitterFor(jitter, gap, std::numeric_limits<std::uint64_t>::max()) <= jitter);
  Duration low = jitter, high = Duration::zero();
  for (std::int64_t slot = 0; slot < 20'000; ++slot) {
    const Duration d = JitterFor(jitter, gap, JitterSeed(42, "sync", slot * 300'000));
    REQUIRE(d >= Duration::zero());
    REQUIRE(d <= jitter);
    low = std::min(low, d);
    high = std::max(high, d);
  }
  CHECK(low < seconds{1});  // spread over the whole range
  CHECK(high > seconds{29});
}

TEST_CASE("Jitter: the delay stays strictly below the gap to the next slot") {
  // A jitter as long as, or longer than, the slot would start a run at or past the next slot.
  for (const Duration gap :
       {Duration{2}, Duration{milliseconds{1000}}, Duration{seconds{60}}, Duration{hours{1}}}) {
    for (std::uint64_t r :
         {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{999}, std::uint64_t{59'999},
          std::uint64_t{123'456'789}, std::numeric_limits<std::uint64_t>::max()}) {
      for (const Duration jitter : {gap - Duration{1}, gap, gap * 2, Duration{hours{24}}}) {
        const Duration d = JitterFor(jitter, gap, r);
        INFO("gap ", gap.count(), " jitter ", jitter.count(), " random ", r);
        CHECK(d >= Duration::zero());
        CHECK(d < gap);
        CHECK(d <= jitter);
      }
    }
  }
  CHECK(JitterFor(seconds{10}, seconds{60}, 59'999) == Duration{59'999 % 10'001});
  CHECK(JitterFor(minutes{5}, seconds{60}, 59'999) == Duration{59'999});  // capped at gap - 1
}

TEST_CASE("Jitter: no jitter, or no room, means no delay") {
  CHECK(JitterFor(Duration::zero(), seconds{60}, 12345) == Duration::zero());
  CHECK(JitterFor(Duration{-5}, seconds{60}, 12345) == Duration::zero());
  CHECK(JitterFor(seconds{5}, Duration{1}, 12345) == Duration::zero());
  CHECK(JitterFor(seconds{5}, Duration::zero(), 12345) == Duration::zero());
  CHECK(JitterFor(seconds{5}, Duration{-1}, 12345) == Duration::zero());
}

TEST_CASE("Jitter: each slot's delay is drawn afresh from the slot, so delays never add up") {
  // Slot k runs at k * every + delay(k); the delay depends only on (salt, job, slot), so run
  // k is never more than `jitter` after its own slot, however many slots went before.
  const Duration every = minutes{1};
  const Duration jitter = seconds{20};
  for (std::int64_t k = 0; k < 1000; ++k) {
    const std::int64_t slot_ms = 1'790'000'000'000 + k * every.count();
    const Duration d = JitterFor(jitter, every, JitterSeed(7, "backup", slot_ms));
    const std::int64_t run_ms = slot_ms + d.count();
    REQUIRE(run_ms - slot_ms <= jitter.count());
    REQUIRE(run_ms < slot_ms + every.count());
  }
  // Same inputs, same delay (a re-computation does not re-draw); other inputs, others.
  CHECK(JitterSeed(1, "a", 1000) == JitterSeed(1, "a", 1000));
  std::set<std::uint64_t> seeds = {JitterSeed(1, "a", 1000),  JitterSeed(2, "a", 1000),
                                   JitterSeed(1, "b", 1000),  JitterSeed(1, "a", 1001),
                                   JitterSeed(1, "ab", 1000), JitterSeed(1, "", 1000)};
  CHECK(seeds.size() == 6);
}

}  // namespace
}  // namespace thr
