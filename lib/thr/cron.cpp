// CronMatches and NextFire: the calendar math of lib/thr/cron.h (the grammar is in
// cron_parse.cpp).
#include "thr/cron.h"

#include <date/tz.h>

#include <chrono>
#include <optional>

namespace thr {
namespace {

using std::chrono::seconds;

// The time of day (from `from` on, same day) that matches the second, minute and hour fields.
std::optional<seconds> NextTimeOfDay(const CronExpr& e, seconds from) {
  const int h0 = static_cast<int>(from.count() / 3600);
  const int m0 = static_cast<int>(from.count() / 60 % 60);
  const int s0 = static_cast<int>(from.count() % 60);
  for (int h = h0; h < 24; ++h) {
    if (!e.hours[static_cast<size_t>(h)]) continue;
    for (int m = h == h0 ? m0 : 0; m < 60; ++m) {
      if (!e.minutes[static_cast<size_t>(m)]) continue;
      for (int s = h == h0 && m == m0 ? s0 : 0; s < 60; ++s) {
        if (e.seconds[static_cast<size_t>(s)]) return seconds{h * 3600 + m * 60 + s};
      }
    }
  }
  return std::nullopt;
}

bool DayMatches(const CronExpr& e, const date::year_month_day& ymd, date::weekday wd) {
  const bool dom = e.days_of_month[static_cast<unsigned>(ymd.day())];
  const bool dow = e.days_of_week[wd.c_encoding()];
  return e.dom_star || e.dow_star ? dom && dow : dom || dow;
}

// The first local time >= from that matches, on a day before `limit`.
std::optional<date::local_seconds> NextLocalMatch(const CronExpr& e, date::local_seconds from,
                                                  date::local_days limit) {
  date::local_days day = date::floor<date::days>(from);
  seconds tod = from - day;
  while (day < limit) {
    const date::year_month_day ymd{day};
    if (!e.months[static_cast<unsigned>(ymd.month())]) {
      day = date::local_days{(ymd.year() / ymd.month() + date::months{1}) / 1};
      tod = seconds{0};
      continue;
    }
    if (DayMatches(e, ymd, date::weekday{day})) {
      if (std::optional<seconds> t = NextTimeOfDay(e, tod)) return day + *t;
    }
    day += date::days{1};
    tod = seconds{0};
  }
  return std::nullopt;
}

}  // namespace

bool CronMatches(const CronExpr& e, date::local_seconds t) {
  const date::local_days day = date::floor<date::days>(t);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<seconds> tod{t - day};
  return e.seconds[static_cast<size_t>(tod.seconds().count())] &&
         e.minutes[static_cast<size_t>(tod.minutes().count())] &&
         e.hours[static_cast<size_t>(tod.hours().count())] &&
         e.months[static_cast<unsigned>(ymd.month())] && DayMatches(e, ymd, date::weekday{day});
}

// Walks the matching wall-clock times upward and maps each to real time: f(L) = its first
// instant (or, for a skipped L, the instant of the jump) never decreases as L grows, so the
// walk stops at the first L with f(L) > after. A rhythm job's second pass of a repeated hour,
// L - second offset, lies between instants the walk has seen, so the answer is the least
// candidate found by then. Where the walk starts: no L before local(after) has f(L) > after
// (f(L) <= f(local(after)) <= after), but when `after` lies before a fall back, wall-clock
// times up to the size of the change before local(after) have their second pass after it.
std::optional<date::sys_seconds> NextFire(const CronExpr& e, const date::time_zone* zone,
                                          date::sys_seconds after) {
  const date::sys_info now = zone->get_info(after);
  date::local_seconds local = zone->to_local(after);
  // Only a change within a day can matter (no zone moves its clock back by more), and asking
  // only then keeps clear of the "no more changes" end of a zone such as UTC.
  if (e.keeps_rhythm && now.end - after < date::days{1}) {
    const seconds fall_back = now.offset - zone->get_info(now.end).offset;
    if (fall_back > seconds{0}) local -= fall_back;
  }
  const date::local_days limit = date::floor<date::days>(local) + date::days{50 * 365 + 13};
  std::optional<date::sys_seconds> best;
  auto consider = [&](date::sys_seconds t) {
    if (t > after && (!best || t < *best)) best = t;
  };
  while (std::optional<date::local_seconds> m = NextLocalMatch(e, local, limit)) {
    const date::local_info info = zone->get_info(*m);
    if (info.result == date::local_info::nonexistent) {
      if (e.keeps_rhythm) {
        // Nothing fires in the gap; resume at its end (the first wall-clock time after it).
        local = date::local_seconds{info.second.begin.time_since_epoch() + info.second.offset};
        continue;
      }
      const date::sys_seconds jump = info.second.begin;
      consider(jump);
      if (jump > after) break;
    } else {
      const date::sys_seconds first{m->time_since_epoch() - info.first.offset};
      consider(first);
      if (info.result == date::local_info::ambiguous && e.keeps_rhythm) {
        consider(date::sys_seconds{m->time_since_epoch() - info.second.offset});
      }
      if (first > after) break;
    }
    local = *m + seconds{1};
  }
  return best;
}

}  // namespace thr
