// Calendar schedules: the cron expression grammar (Vixie cron / cronie, plus an optional leading
// seconds field) and the next fire time in an IANA zone, daylight-saving changes included.
// Pure: no clock, no threads; the job wiring lives elsewhere.
#pragma once

#include <date/date.h>

#include <bitset>
#include <optional>
#include <string_view>

#include "thr/status.h"

namespace date {
class time_zone;
}

namespace thr {

// A parsed expression: which values of each field match. Plain data; compare with ==.
struct CronExpr {
  std::bitset<60> seconds;        // 0-59; only bit 0 for a five-field expression
  std::bitset<60> minutes;        // 0-59
  std::bitset<24> hours;          // 0-23
  std::bitset<32> days_of_month;  // 1-31 (bit 0 unused)
  std::bitset<13> months;         // 1-12 (bit 0 unused)
  std::bitset<7> days_of_week;    // 0-6, Sunday = 0 (a 7 in the text lands on 0)
  // Whether the field's text began with '*' (Vixie's DOM_STAR / DOW_STAR): decides how the two
  // day fields combine (CronMatches).
  bool dom_star = false;
  bool dow_star = false;
  // Whether the second (six-field form only), minute or hour field began with '*': such a job
  // "keeps its rhythm" across daylight-saving changes instead of being a fixed time of day
  // (cronie's MIN_STAR | HR_STAR; see NextFire).
  bool keeps_rhythm = false;

  bool operator==(const CronExpr&) const = default;
};

// Parses five fields (minute hour day-of-month month day-of-week; seconds = 0) or six (a
// leading seconds field), separated by blanks, or one of @yearly @annually @monthly @weekly
// @daily @midnight @hourly. A field is a comma list of `*`, `N`, `N-M`, each optionally with
// `/STEP`, where `N/STEP` means N to the field's end. Months take JAN-DEC, weekdays SUN-SAT
// (any case); weekday 0 and 7 are both Sunday. On error returns InvalidConfig naming the field
// by its place in the text, e.g. `field 3 (hour): "25" is out of range 0-23`, without naming
// the job or key (the caller adds those); *out is then unchanged.
Status ParseCron(std::string_view text, CronExpr* out);

// Whether a local (wall-clock) time matches, to the second. The day rule is Vixie cron's:
// when neither day field began with '*', a day matches if either field matches; otherwise both
// must (so `0 0 13 * 5` runs on every 13th and every Friday, `0 0 */2 * 5` on odd-numbered
// Fridays).
bool CronMatches(const CronExpr& expr, date::local_seconds t);

// The first fire time strictly after `after`, in real time, with the expression read in
// `zone`'s wall clock; nullopt when nothing matches within about 50 years (e.g. `0 0 30 2 *`).
// Daylight-saving changes, as cronie:
//  - a fixed time of day (no '*' at the start of the second, minute or hour field) that falls
//    in a skipped hour (spring forward) fires once, at the instant of the jump; one that falls
//    in a repeated hour (fall back) fires once, at its first occurrence;
//  - a job that keeps its rhythm (CronExpr::keeps_rhythm) fires at every instant of real time
//    whose wall-clock time matches: none in a skipped hour, both passes of a repeated hour
//    (`*/15 * * * *` fires at 01:30 EDT and again at 01:30 EST).
std::optional<date::sys_seconds> NextFire(const CronExpr& expr, const date::time_zone* zone,
                                          date::sys_seconds after);

}  // namespace thr
