#include "thr/history_format.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "thr/duration.h"
#include "thr/run_strip.h"

namespace thr {
namespace {

constexpr size_t kLineWidth = 100;
constexpr size_t kMinReasonWidth = 16;

const char* ResultColor(const std::string& result) {
  if (result == "ok") return "\x1b[32m";           // green
  if (result == "failed") return "\x1b[31m";       // red
  if (result == "interrupted") return "\x1b[33m";  // yellow
  return nullptr;
}

// Terminal columns of UTF-8 `text`, one per code point.
size_t Columns(const std::string& text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

int64_t Integer(const nlohmann::json& run, const char* key) {
  const nlohmann::json& v = Member(run, key);
  return v.is_number_integer() ? v.get<int64_t>() : 0;
}

std::string DurationCell(const nlohmann::json& run) {
  const nlohmann::json& v = Member(run, "duration_ms");
  return v.is_number_integer() ? FormatDuration(Duration(v.get<int64_t>())) : "?";
}

std::string DetailCell(const nlohmann::json& run) {
  const nlohmann::json& reason = Member(run, "reason");
  if (reason.is_string() && !reason.get<std::string>().empty()) return reason.get<std::string>();
  const nlohmann::json& exit = Member(run, "exit_status");
  if (exit.is_number_integer()) return "exit status " + exit.dump();
  return "-";
}

}  // namespace

std::string FormatHistory(const nlohmann::json& reply, const FormatOptions& options) {
  const nlohmann::json& runs = Member(reply, "runs");
  if (!runs.is_array() || runs.empty()) {
    std::string line = "no runs recorded for " + Shorten(Text(reply, "job", "?"), SIZE_MAX);
    if (Member(reply, "history") == 0) line += " (its history setting is 0)";
    return line + "\n";
  }
  std::vector<std::vector<std::string>> rows = {
      {"START", "DURATION", "RESULT", "MISSED", "EXIT/REASON"}};
  for (const auto& run : runs) {
    rows.push_back({Shorten(Cell(Member(run, "started")), 30), DurationCell(run),
                    Shorten(Cell(Member(run, "result")), 12),
                    std::to_string(std::max<int64_t>(0, Integer(run, "missed"))), DetailCell(run)});
  }
  const size_t last = rows[0].size() - 1;
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < last; ++i) width[i] = std::max(width[i], Columns(row[i]));
  }
  size_t detail_at = 0;
  for (size_t i = 0; i < last; ++i) detail_at += width[i] + 2;
  const size_t detail_width =
      std::max(kMinReasonWidth, kLineWidth > detail_at ? kLineWidth - detail_at : 0);
  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    std::string line;
    for (size_t i = 0; i < last; ++i) {
      // Padding is counted on the plain text: escape codes take no columns.
      const char* color = options.color && i == 2 && r > 0 ? ResultColor(row[i]) : nullptr;
      line += color ? color + row[i] + "\x1b[0m" : row[i];
      line += std::string(width[i] - Columns(row[i]) + 2, ' ');
    }
    out += line + Shorten(row[last], detail_width) + "\n";
  }
  return out;
}

std::string RecentRunsLine(const nlohmann::json& runs, bool utf8) {
  if (!runs.is_array()) return "-";
  std::vector<StripRun> strip;
  for (const auto& run : runs) {
    StripRun s;
    const std::string result = Text(run, "result", "");
    s.outcome = result == "ok"            ? StripOutcome::kOk
                : result == "interrupted" ? StripOutcome::kInterrupted
                                          : StripOutcome::kFailed;
    s.duration_ms = Integer(run, "duration_ms");
    s.missed = static_cast<uint64_t>(std::max<int64_t>(0, Integer(run, "missed")));
    strip.push_back(s);
  }
  return RunStripLine(strip, utf8);
}

}  // namespace thr
