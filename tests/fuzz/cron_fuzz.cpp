// Fuzzes the cron grammar (lib/thr/cron.h): ParseCron on the raw bytes; an expression that
// parses must have at least one value in every field, and its next fire time (in UTC and in a
// zone with daylight saving) must lie after the start, on a wall-clock time that matches, or
// (a fixed time in a skipped hour) on the instant of a daylight-saving jump.
#include <date/tz.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "thr/cron.h"
#include "thr/zone.h"

namespace {

void Check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "cron_fuzz: %s for input \"%.*s\"\n", what, static_cast<int>(input.size()),
               input.data());
  std::abort();
}

const date::time_zone* Zone(const char* name) {
  const date::time_zone* z = nullptr;
  if (!thr::LocateZone(name, &z).ok()) std::abort();
  return z;
}

void CheckNext(const thr::CronExpr& e, const date::time_zone* zone, date::sys_seconds after,
               std::string_view input) {
  std::optional<date::sys_seconds> t = thr::NextFire(e, zone, after);
  if (!t) return;  // e.g. Feb 30: nothing in 50 years
  Check(*t > after, "NextFire is not after its start", input);
  const bool matches = thr::CronMatches(e, zone->to_local(*t));
  const bool at_jump = zone->get_info(*t).begin == *t;
  Check(matches || (at_jump && !e.keeps_rhythm), "NextFire lands on a time that does not match",
        input);
  std::optional<date::sys_seconds> again = thr::NextFire(e, zone, *t);
  if (again) Check(*again > *t, "the fire after NextFire is not later", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const date::time_zone* const kUtc = Zone("UTC");
  static const date::time_zone* const kNewYork = Zone("America/New_York");
  std::string_view text(reinterpret_cast<const char*>(data), size);
  thr::CronExpr e;
  if (!thr::ParseCron(text, &e).ok()) return 0;
  Check(e.seconds.any() && e.minutes.any() && e.hours.any() && e.days_of_month.any() &&
            e.months.any() && e.days_of_week.any(),
        "a field with no value", text);
  Check(!e.days_of_month[0] && !e.months[0], "day 0 or month 0 set", text);
  // 2026-11-01 05:20Z is 01:20 EDT, just before New York falls back; the UTC start is 2028-02-28
  // 23:59:58 (a leap year's end of February).
  CheckNext(e, kNewYork, date::sys_days{date::year{2026} / 11 / 1} + std::chrono::minutes{320},
            text);
  CheckNext(e, kUtc, date::sys_days{date::year{2028} / 2 / 29} - std::chrono::seconds{2}, text);
  return 0;
}
