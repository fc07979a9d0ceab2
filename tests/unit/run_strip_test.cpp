// The strip of outcomes and the sparkline of durations that `thrctl show` prints: golden
// strings for fixed inputs, in UTF-8 and in ASCII, and the locale rule that picks one.
#include "thr/run_strip.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace thr {
namespace {

StripRun Ok(int64_t ms, uint64_t missed = 0) { return {StripOutcome::kOk, ms, missed}; }
StripRun Failed(int64_t ms, uint64_t missed = 0) { return {StripOutcome::kFailed, ms, missed}; }
StripRun Interrupted(int64_t ms) { return {StripOutcome::kInterrupted, ms, 0}; }

TEST_CASE("RunStrip: UTF-8 by the first of LC_ALL, LC_CTYPE, LANG that is set and not empty") {
  CHECK(Utf8Locale(nullptr, nullptr, "en_US.UTF-8"));
  CHECK(Utf8Locale(nullptr, nullptr, "de_DE.utf8"));
  CHECK(Utf8Locale("C.UTF-8", nullptr, nullptr));
  CHECK(Utf8Locale(nullptr, "en_GB.Utf-8", "C"));
  CHECK_FALSE(Utf8Locale(nullptr, nullptr, nullptr));    // the C locale
  CHECK_FALSE(Utf8Locale("C", nullptr, "en_US.UTF-8"));  // LC_ALL wins
  CHECK_FALSE(Utf8Locale(nullptr, "POSIX", "en_US.UTF-8"));
  CHECK_FALSE(Utf8Locale(nullptr, nullptr, "en_US.ISO-8859-1"));
  CHECK(Utf8Locale("", "", "en_US.UTF-8"));  // empty counts as unset
  CHECK_FALSE(Utf8Locale("", "", ""));
}

TEST_CASE("RunStrip: outcome marks, golden") {
  const std::vector<StripRun> runs = {Ok(1),          Ok(1),        Failed(1), Ok(1, 1),
                                      Interrupted(1), Failed(1, 2), Ok(1)};
  CHECK(OutcomeStrip(runs, true) == "✓✓✗·✓!··✗✓");
  CHECK(OutcomeStrip(runs, false) == "++x.+!..x+");
  CHECK(OutcomeStrip({}, true).empty());
}

TEST_CASE("RunStrip: a long gap shows as three missed marks; the strip keeps the newest marks") {
  CHECK(OutcomeStrip(std::vector<StripRun>{Ok(1), Ok(1, 500)}, false) == "+...+");
  std::vector<StripRun> many;
  for (int i = 0; i < 40; ++i) many.push_back(i % 2 ? Failed(1) : Ok(1));
  CHECK(OutcomeStrip(many, false) == "+x+x+x+x+x+x+x+x+x+x+x+x+x+x+x");  // the last 30
  CHECK(OutcomeStrip(many, false, 4) == "+x+x");
  CHECK(OutcomeStrip(std::vector<StripRun>{Ok(1), Failed(1, 3)}, true, 3) == "··✗");
}

TEST_CASE("RunStrip: the sparkline scales each duration to the longest, golden") {
  const std::vector<int64_t> ramp = {0, 10, 20, 30, 40, 50, 60, 70};
  CHECK(Sparkline(ramp, true) == "▁▂▃▄▅▆▇█");
  CHECK(Sparkline(ramp, false) == "__--==##");
  CHECK(Sparkline(std::vector<int64_t>{3, 1000, 2, 480, 510}, true) == "▁█▁▄▅");
  CHECK(Sparkline(std::vector<int64_t>{3, 1000, 2, 480, 510}, false) == "_#_-=");
  SUBCASE("all equal, all zero, negative, huge") {
    CHECK(Sparkline(std::vector<int64_t>{5, 5, 5}, true) == "███");
    CHECK(Sparkline(std::vector<int64_t>{0, 0}, true) == "▁▁");
    CHECK(Sparkline(std::vector<int64_t>{-5, 10}, false) == "_#");
    const int64_t big = std::numeric_limits<int64_t>::max();
    CHECK(Sparkline(std::vector<int64_t>{big, 0, big / 2}, true) == "█▁▅");
    CHECK(Sparkline({}, true).empty());
  }
}

TEST_CASE("RunStrip: show's line is the strip, the sparkline of its runs and their longest") {
  const std::vector<StripRun> runs = {Ok(12), Failed(1503, 1), Ok(8), Ok(700), Interrupted(40)};
  CHECK(RunStripLine(runs, true) == "✓·✗✓✓!  ▁█▁▄▁  max 1s503ms");
  CHECK(RunStripLine(runs, false) == "+.x++!  _#_-_  max 1s503ms");
  CHECK(RunStripLine({}, true) == "-");
  SUBCASE("runs cut from the strip leave the sparkline too, and the max with them") {
    CHECK(RunStripLine(runs, false, 3) == "++!  _#_  max 700ms");
    CHECK(RunStripLine(std::vector<StripRun>{Ok(5), Ok(9, 3)}, true, 2) == "·✓  █  max 9ms");
    CHECK(RunStripLine(std::vector<StripRun>{Ok(5), Ok(9, 3)}, true, 0).empty());
  }
}

}  // namespace
}  // namespace thr
