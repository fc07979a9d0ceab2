// The one-line picture of a job's recent runs that `thrctl show` prints: a strip of outcomes
// and a sparkline of durations, in UTF-8 or, when the terminal is not UTF-8, in ASCII.
// Pure functions, so that tests pin the exact strings.
//
//   outcome      UTF-8  ASCII
//   ok           ✓      +
//   failed       ✗      x
//   interrupted  !      !      (ended by stop, kill or restart)
//   missed slot  ·      .      (at most kMaxMissedMarks per gap between two runs)
//
// Sparkline levels, lowest first: ▁▂▃▄▅▆▇█ (UTF-8), _-=# (ASCII); each run's bar is its
// duration's share of the longest one shown.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace thr {

enum class StripOutcome { kOk, kFailed, kInterrupted };

// One run as the strip shows it.
struct StripRun {
  StripOutcome outcome = StripOutcome::kOk;
  int64_t duration_ms = 0;
  uint64_t missed = 0;  // slots skipped just before this run
};

// Marks a strip holds at most: the newest ones.
inline constexpr size_t kStripWidth = 30;
// A long gap (a run that overlapped many slots) shows as this many missed marks.
inline constexpr uint64_t kMaxMissedMarks = 3;

// Whether the terminal takes UTF-8, by the usual rule: the first of LC_ALL, LC_CTYPE and
// LANG that is set and not empty names the locale, UTF-8 when it contains "UTF-8" or "utf8"
// in any case. Unset (the C locale): no. Arguments are the variables' values or nullptr.
bool Utf8Locale(const char* lc_all, const char* lc_ctype, const char* lang);

// The runs (oldest first) as marks, each run's missed slots before its own mark, cut to the
// newest `width` marks.
std::string OutcomeStrip(std::span<const StripRun> runs, bool utf8, size_t width = kStripWidth);

// One bar per duration, scaled to the longest: level = d * levels / max (the longest, at
// `levels`, takes the top bar), so each level is an equal share of [0, max]. Negative
// durations count as 0; all zero: all lowest.
std::string Sparkline(std::span<const int64_t> durations_ms, bool utf8);

// `show`'s line: "✓✗·✓  ▁█▁  max 1s500ms": the strip, then the sparkline of the runs whose
// marks it kept (missed slots have no bar), then the longest of them. "-" when no runs.
std::string RunStripLine(std::span<const StripRun> runs, bool utf8, size_t width = kStripWidth);

}  // namespace thr
