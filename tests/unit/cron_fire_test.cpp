// NextFire (lib/thr/cron.h) against a brute-force evaluator that walks real time step by step,
// reads the wall clock through date's zone and applies the daylight-saving rules on its own:
// month ends, Feb 29, Dec 31, the day rule, and the 2026 changes in America/New_York
// (Mar 8 02:00 EST -> 03:00 EDT, Nov 1 02:00 EDT -> 01:00 EST) and Europe/Berlin
// (Mar 29 02:00 CET -> 03:00 CEST, Oct 25 03:00 CEST -> 02:00 CET).
#include <date/tz.h>
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "thr/cron.h"
#include "thr/zone.h"

namespace thr {
namespace {

using date::sys_seconds;
using std::chrono::hours;
using std::chrono::seconds;

const date::time_zone* Zone(const char* name) {
  const date::time_zone* z = nullptr;
  REQUIRE(LocateZone(name, &z).ok());
  return z;
}

// "2026-03-08 01:30:00" read as wall-clock time in `zone` (the earlier instant if repeated).
sys_seconds At(const date::time_zone* zone, const char* text) {
  int y = 0, h = 0, mi = 0, s = 0;
  unsigned mo = 0, d = 0;
  REQUIRE(std::sscanf(text, "%d-%u-%u %d:%d:%d", &y, &mo, &d, &h, &mi, &s) == 6);
  const date::local_seconds local =
      date::local_days{date::year{y} / mo / d} + hours{h} + std::chrono::minutes{mi} + seconds{s};
  return zone->to_sys(local, date::choose::earliest);
}

// The brute force. Fine enough for the expression: whole hours when only second 0 and
// minute 0 match, whole minutes when only second 0 does, else seconds. The zones used have
// whole-hour offsets and changes on the hour, so every fire time lies on that grid.
class Brute {
 public:
  Brute(const CronExpr& e, const date::time_zone* z) : e_(e), z_(z) {
    const bool only_second0 = e.seconds.count() == 1 && e.seconds[0];
    const bool only_minute0 = e.minutes.count() == 1 && e.minutes[0];
    step_ = !only_second0 ? seconds{1} : !only_minute0 ? seconds{60} : seconds{3600};
  }

  std::optional<sys_seconds> Next(sys_seconds after, hours horizon) const {
    sys_seconds t = date::floor<seconds>(after) - (after.time_since_epoch() % step_) + step_;
    for (; t <= after + horizon; t += step_) {
      if (Fires(t)) return t;
    }
    return std::nullopt;
  }

 private:
  bool Fires(sys_seconds t) const {
    const date::local_seconds now = z_->to_local(t);
    if (e_.keeps_rhythm) return CronMatches(e_, now);  // every instant whose wall clock matches
    if (CronMatches(e_, now)) {
      // A fixed time fires at its first occurrence only: not if the same wall-clock time was
      // already seen in the last 3 hours of real time.
      for (sys_seconds back = t - step_; back >= t - hours{3}; back -= step_) {
        if (z_->to_local(back) == now) return false;
      }
      return true;
    }
    // The clock jumped ahead since the previous step: a fixed time that was skipped fires now.
    const date::local_seconds before = z_->to_local(t - step_);
    for (date::local_seconds l = before + step_; l < now; l += step_) {
      if (CronMatches(e_, l)) return true;
    }
    return false;
  }

  const CronExpr& e_;
  const date::time_zone* z_;
  seconds step_;
};

struct Row {
  const char* expr;
  const char* zone;
  const char* start;  // wall-clock time in `zone`
  int fires = 5;      // successive fire times checked, each from the previous one
};

// Starting points.
constexpr const char* kJan = "2026-01-30 12:00:00";  // Jan and Feb month ends
constexpr const char* kDec = "2026-12-30 22:00:00";  // Dec 31 into the new year
constexpr const char* kNySpring = "2026-03-07 23:00:00";
constexpr const char* kNyFall = "2026-10-31 23:00:00";
constexpr const char* kBeSpring = "2026-03-28 23:00:00";
constexpr const char* kBeFall = "2026-10-24 23:00:00";
constexpr const char* kNy = "America/New_York";
constexpr const char* kBe = "Europe/Berlin";

const Row kRows[] = {
    // Month ends, Dec 31, Feb 29.
    {"* * * * *", "UTC", "2026-01-31 23:58:00"},
    {"*/7 * * * *", "UTC", kJan},
    {"0 * * * *", "UTC", kJan},
    {"15,45 */3 * * *", "UTC", kJan},
    {"0 0 * * *", "UTC", kJan},
    {"0 0 31 * *", "UTC", kJan},
    {"0 12 30,31 * *", kBe, kJan},
    {"0 0 1 * *", kNy, kDec},
    {"59 23 31 12 *", "UTC", kDec, 2},
    {"0 0 31 12 *", kBe, kDec, 3},
    {"0 0 29 2 *", "UTC", "2025-01-01 00:00:00", 3},
    {"0 0 28-29 2 *", kNy, "2027-02-01 00:00:00", 4},
    {"0 0 0 29 2 *", "UTC", "2027-06-01 00:00:00", 2},
    {"30 59 23 31 12 *", "UTC", kDec, 1},
    {"*/2 * * * * *", "UTC", "2026-12-31 23:59:55", 6},
    {"1/10 * * * *", "UTC", kJan},
    {"0 0 1-3 * *", "UTC", kJan},
    // The day rule: OR when neither day field begins with '*', AND otherwise.
    {"0 9 * * 1-5", "UTC", kJan},
    {"0 9 * * MON-FRI", kBe, kJan},
    {"30 8 1,15 * MON", "UTC", kJan},
    {"0 0 13 * 5", "UTC", kJan},
    {"0 0 */2 * 5", "UTC", kJan},
    {"0 0 * 2 sun", "UTC", kJan},
    {"0 0 1-7 * 1", kNy, kJan},
    {"0 6 * jan-mar 0,7", "UTC", kJan},
    {"0 0 31 * 2", kBe, kJan},
    {"0 22 * * 1-5/2", "UTC", kJan},
    {"0 12 * * 7", "UTC", kJan},
    {"0 0 29 * 0", "UTC", kJan},
    // The @ forms.
    {"@yearly", "UTC", kDec, 2},
    {"@annually", kNy, kJan, 2},
    {"@monthly", kNy, kJan},
    {"@weekly", kBe, kJan},
    {"@daily", kNy, kNySpring},
    {"@hourly", kNy, kNySpring},
    {"@midnight", kBe, kBeFall},
    // New York, spring forward.
    {"30 2 * * *", kNy, kNySpring},
    {"0 2 * * *", kNy, kNySpring},
    {"0,30 2 * * *", kNy, kNySpring},
    {"59 1 * * *", kNy, kNySpring},
    {"0 3 * * *", kNy, kNySpring},
    {"15 2,3 * * *", kNy, kNySpring},
    {"0 30 2 * * *", kNy, kNySpring},
    {"*/15 * * * *", kNy, "2026-03-08 01:20:00", 6},
    {"30 * * * *", kNy, "2026-03-08 00:10:00"},
    {"* 2 * * *", kNy, kNySpring, 3},
    {"*/20 * * * * *", kNy, "2026-03-08 01:59:00", 8},
    {"5-10/5 * * * * *", kNy, "2026-03-08 01:59:00", 4},
    // New York, fall back.
    {"30 1 * * *", kNy, kNyFall},
    {"0 1 * * *", kNy, kNyFall},
    {"0 0-3 * * *", kNy, kNyFall, 8},
    {"10 1 1 11 *", kNy, kNyFall, 2},
    {"*/15 * * * *", kNy, "2026-11-01 01:20:00", 8},
    {"30 * * * *", kNy, "2026-11-01 00:10:00"},
    {"* 1 * * *", kNy, "2026-11-01 01:58:00", 4},
    {"0 */2 * * *", kNy, kNyFall},
    {"15 1 * * * ", kNy, kNyFall, 2},
    // Berlin, spring forward.
    {"30 2 * * *", kBe, kBeSpring},
    {"0 2 * * 0", kBe, kBeSpring, 3},
    {"*/10 * * * *", kBe, "2026-03-29 01:45:00", 6},
    {"0 3 * * *", kBe, kBeSpring},
    {"45 1,2 * * *", kBe, kBeSpring},
    {"10 20 2 29 3 *", kBe, kBeSpring, 1},
    {"10 20 2 * * *", kBe, kBeSpring, 3},
    // Berlin, fall back.
    {"30 2 * * *", kBe, kBeFall},
    {"0 2 * * *", kBe, kBeFall},
    {"*/30 * * * *", kBe, "2026-10-25 01:50:00", 6},
    {"0 * * * *", kBe, "2026-10-25 00:30:00"},
    {"30 2 25 10 *", kBe, kBeFall, 2},
    {"*/5 2 * * *", kBe, "2026-10-25 02:50:00", 4},
    {"0 0 25 10 SUN", kBe, kBeFall, 3},
    {"0 30 2 * * *", kBe, kBeFall, 2},
};

TEST_CASE("Cron: NextFire agrees with a brute-force walk through real time") {
  int checks = 0;
  for (const Row& row : kRows) {
    CronExpr e;
    REQUIRE(ParseCron(row.expr, &e).ok());
    const date::time_zone* zone = Zone(row.zone);
    const Brute brute(e, zone);
    sys_seconds after = At(zone, row.start);
    for (int i = 0; i < row.fires; ++i) {
      std::optional<sys_seconds> got = NextFire(e, zone, after);
      std::optional<sys_seconds> want = brute.Next(after, hours{24 * 366 * 5});
      INFO(row.expr, " in ", row.zone, " after ", date::format("%FT%TZ", after), ": got ",
           got ? date::format("%FT%TZ", *got) : "none", ", brute force ",
           want ? date::format("%FT%TZ", *want) : "none");
      REQUIRE(got.has_value());
      REQUIRE(got == want);
      ++checks;
      after = *got;
    }
  }
  const size_t rows = sizeof(kRows) / sizeof(kRows[0]);
  MESSAGE(rows, " rows, ", checks, " fire times checked");
}

TEST_CASE("Cron: a date that never comes gives no fire time") {
  for (const char* expr : {"0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 0 31 2 *"}) {
    CronExpr e;
    REQUIRE(ParseCron(expr, &e).ok());
    const date::time_zone* zone = Zone(kBe);
    const sys_seconds after = At(zone, kJan);
    INFO(expr);
    CHECK_FALSE(NextFire(e, zone, after).has_value());
    CHECK_FALSE(Brute(e, zone).Next(after, hours{24 * 366 * 8}).has_value());
  }
}

// The rules spelled out, independent of the brute force.
TEST_CASE("Cron: daylight-saving changes, example by example") {
  const date::time_zone* ny = Zone(kNy);
  const date::time_zone* be = Zone(kBe);
  const date::time_zone* utc = Zone("UTC");
  auto next = [](const char* expr, const date::time_zone* z, sys_seconds after) {
    CronExpr e;
    REQUIRE(ParseCron(expr, &e).ok());
    std::optional<sys_seconds> t = NextFire(e, z, after);
    REQUIRE(t.has_value());
    return date::format("%FT%TZ", *t);
  };
  SUBCASE("a fixed time in the skipped hour runs once, at the jump") {
    // 02:30 does not exist on 2026-03-08 in New York: 03:00 EDT = 07:00Z.
    CHECK(next("30 2 * * *", ny, At(ny, kNySpring)) == "2026-03-08T07:00:00Z");
    CHECK(next("0,30 2 * * *", ny, At(utc, "2026-03-08 06:59:59")) == "2026-03-08T07:00:00Z");
    CHECK(next("0,30 2 * * *", ny, At(utc, "2026-03-08 07:00:00")) == "2026-03-09T06:00:00Z");
    CHECK(next("30 2 * * *", be, At(be, kBeSpring)) == "2026-03-29T01:00:00Z");
  }
  SUBCASE("a fixed time in the repeated hour runs once, the first time") {
    // 01:30 EDT = 05:30Z; 01:30 EST (06:30Z) is skipped; the next is on Nov 2, 01:30 EST.
    CHECK(next("30 1 * * *", ny, At(ny, kNyFall)) == "2026-11-01T05:30:00Z");
    CHECK(next("30 1 * * *", ny, At(utc, "2026-11-01 05:30:00")) == "2026-11-02T06:30:00Z");
    // Berlin repeats 02:00-02:59: 02:30 CEST = 00:30Z, not 02:30 CET = 01:30Z.
    CHECK(next("30 2 * * *", be, At(be, kBeFall)) == "2026-10-25T00:30:00Z");
    CHECK(next("30 2 * * *", be, At(utc, "2026-10-25 00:30:00")) == "2026-10-26T01:30:00Z");
  }
  SUBCASE("a job with a wildcard keeps its rhythm across both changes") {
    CHECK(next("*/15 * * * *", ny, At(utc, "2026-03-08 06:45:00")) == "2026-03-08T07:00:00Z");
    // 01:45 EDT, then 01:00 EST: real time goes on in steps of 15 minutes.
    CHECK(next("*/15 * * * *", ny, At(utc, "2026-11-01 05:45:00")) == "2026-11-01T06:00:00Z");
    CHECK(next("*/15 * * * *", ny, At(utc, "2026-11-01 05:30:00")) == "2026-11-01T05:45:00Z");
    // 01:30 EST, the second 01:30 of the day, fires too.
    CHECK(next("*/15 * * * *", ny, At(utc, "2026-11-01 06:15:00")) == "2026-11-01T06:30:00Z");
    // Hour '*': 02:30 CET after 02:30 CEST.
    CHECK(next("30 * * * *", be, At(utc, "2026-10-25 00:30:00")) == "2026-10-25T01:30:00Z");
    // In the skipped hour nothing: 01:30 EST, then 03:30 EDT.
    CHECK(next("30 * * * *", ny, At(utc, "2026-03-08 06:30:00")) == "2026-03-08T07:30:00Z");
  }
  SUBCASE("Feb 29 and Dec 31") {
    CHECK(next("0 0 29 2 *", utc, At(utc, "2025-01-01 00:00:00")) == "2028-02-29T00:00:00Z");
    CHECK(next("59 23 31 12 *", be, At(be, kDec)) == "2026-12-31T22:59:00Z");
  }
}

}  // namespace
}  // namespace thr
