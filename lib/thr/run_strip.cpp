#include "thr/run_strip.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string_view>
#include <vector>

#include "thr/duration.h"

namespace thr {
namespace {

enum class Mark { kOk, kFailed, kInterrupted, kMissed };

std::string_view MarkText(Mark mark, bool utf8) {
  switch (mark) {
    case Mark::kOk:
      return utf8 ? "\u2713" : "+";  // ✓
    case Mark::kFailed:
      return utf8 ? "\u2717" : "x";  // ✗
    case Mark::kInterrupted:
      return "!";
    case Mark::kMissed:
      return utf8 ? "\u00b7" : ".";  // ·
  }
  return "?";
}

Mark MarkOf(StripOutcome outcome) {
  switch (outcome) {
    case StripOutcome::kOk:
      return Mark::kOk;
    case StripOutcome::kFailed:
      return Mark::kFailed;
    case StripOutcome::kInterrupted:
      return Mark::kInterrupted;
  }
  return Mark::kOk;
}

constexpr std::string_view kUtf8Levels[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                            "\u2585", "\u2586", "\u2587", "\u2588"};  // ▁..█
constexpr std::string_view kAsciiLevels[] = {"_", "-", "=", "#"};

// The marks of `runs`, oldest first, with the index of the run each outcome mark belongs to
// (missed marks: -1); cut to the newest `width`.
struct Marks {
  std::vector<Mark> marks;
  std::vector<ptrdiff_t> run_of;
};

Marks BuildMarks(std::span<const StripRun> runs, size_t width) {
  Marks m;
  for (size_t i = 0; i < runs.size(); ++i) {
    for (uint64_t k = 0; k < std::min(runs[i].missed, kMaxMissedMarks); ++k) {
      m.marks.push_back(Mark::kMissed);
      m.run_of.push_back(-1);
    }
    m.marks.push_back(MarkOf(runs[i].outcome));
    m.run_of.push_back(static_cast<ptrdiff_t>(i));
  }
  if (m.marks.size() > width) {
    const auto cut = static_cast<ptrdiff_t>(m.marks.size() - width);
    m.marks.erase(m.marks.begin(), m.marks.begin() + cut);
    m.run_of.erase(m.run_of.begin(), m.run_of.begin() + cut);
  }
  return m;
}

bool ContainsUtf8(std::string_view locale) {
  std::string lower(locale);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("utf-8") != std::string::npos || lower.find("utf8") != std::string::npos;
}

}  // namespace

bool Utf8Locale(const char* lc_all, const char* lc_ctype, const char* lang) {
  for (const char* value : {lc_all, lc_ctype, lang}) {
    if (value != nullptr && *value != '\0') return ContainsUtf8(value);
  }
  return false;
}

std::string OutcomeStrip(std::span<const StripRun> runs, bool utf8, size_t width) {
  std::string out;
  for (Mark mark : BuildMarks(runs, width).marks) out += MarkText(mark, utf8);
  return out;
}

std::string Sparkline(std::span<const int64_t> durations_ms, bool utf8) {
  const std::span<const std::string_view> levels =
      utf8 ? std::span<const std::string_view>(kUtf8Levels)
           : std::span<const std::string_view>(kAsciiLevels);
  int64_t max = 0;
  for (int64_t d : durations_ms) max = std::max(max, d);
  std::string out;
  for (int64_t d : durations_ms) {
    d = std::max<int64_t>(d, 0);
    // In floating point: d * levels never overflows, whatever a reply claims. The longest
    // lands on `levels` itself and takes the top bar.
    const size_t level =
        max == 0 ? 0
                 : static_cast<size_t>(static_cast<double>(d) * static_cast<double>(levels.size()) /
                                       static_cast<double>(max));
    out += levels[std::min(level, levels.size() - 1)];
  }
  return out;
}

std::string RunStripLine(std::span<const StripRun> runs, bool utf8, size_t width) {
  if (runs.empty()) return "-";
  Marks m = BuildMarks(runs, width);
  std::vector<int64_t> durations;
  for (ptrdiff_t i : m.run_of) {
    if (i >= 0) durations.push_back(runs[static_cast<size_t>(i)].duration_ms);
  }
  std::string line;
  for (Mark mark : m.marks) line += MarkText(mark, utf8);
  if (durations.empty()) return line;  // only missed marks fit (width below the gap)
  const int64_t max = std::max<int64_t>(0, *std::max_element(durations.begin(), durations.end()));
  return line + "  " + Sparkline(durations, utf8) + "  max " + FormatDuration(Duration(max));
}

}  // namespace thr
