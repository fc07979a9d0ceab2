#include "thr/ctl_format.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "thr/duration.h"
#include "thr/history_format.h"
#include "thr/iso_time.h"

namespace thr {
namespace {

// The status table aims to fit a 100-column terminal.
constexpr size_t kLineWidth = 100;
constexpr size_t kNameWidth = 20;
// An error is never cut shorter than this, even if the line then runs past kLineWidth.
constexpr size_t kMinErrorWidth = 16;

const char* StateColor(const std::string& state) {
  if (state == "running") return "\x1b[32m";                      // green
  if (state == "paused") return "\x1b[33m";                       // yellow
  if (state == "failed" || state == "killed") return "\x1b[31m";  // red
  if (state == "stopped") return "\x1b[2m";                       // dim
  return nullptr;
}

std::string Colored(const std::string& state, bool color) {
  const char* code = color ? StateColor(state) : nullptr;
  return code ? code + state + "\x1b[0m" : state;
}

// Terminal columns of UTF-8 `text`, one per code point: good enough for names and messages.
size_t Columns(const std::string& text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string Pad(const std::string& text, size_t width) {
  size_t columns = Columns(text);
  return columns >= width ? text : text + std::string(width - columns, ' ');
}

// A word for the shell: as is when safe, else single-quoted.
std::string ShellWord(const std::string& word) {
  bool plain = !word.empty() && word.find_first_not_of(
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789_./=:@%+,-") == std::string::npos;
  if (plain) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// A command setting as a shell line: argv words quoted, a shell string as sh -c runs it.
std::string CommandLine(const nlohmann::json& command) {
  if (command.is_string()) return "/bin/sh -c " + ShellWord(command.get<std::string>());
  std::string line;
  if (!command.is_array()) return Cell(command);
  for (const auto& word : command) line += (line.empty() ? "" : " ") + ShellWord(Cell(word));
  return line;
}

std::string Joined(const nlohmann::json& v) {
  if (v.is_object()) {
    std::string text;
    for (const auto& [key, value] : v.items()) {
      text += (text.empty() ? "" : " ") + ShellWord(key + "=" + Cell(value));
    }
    return text;
  }
  if (!v.is_array()) return Cell(v);
  std::string text;
  for (const auto& item : v) text += (text.empty() ? "" : " ") + Cell(item);
  return text;
}

// "2026-11-26T07:29:59.000Z (1s ago)", or "-".
std::string When(const nlohmann::json& iso, WallClock::time_point now) {
  if (!iso.is_string()) return "-";
  return Shorten(iso.get<std::string>(), 40) + " (" + Relative(iso, now) + ")";
}

void Field(std::string* out, const char* label, const std::string& value) {
  *out += "  " + Pad(label, 14) + " " + value + "\n";
}

void ShowJob(const nlohmann::json& job, const FormatOptions& options, std::string* out) {
  std::string state = Shorten(Text(job, "state", "?"), 20);
  *out += Shorten(Text(job, "name", "?"), SIZE_MAX) + ": " + Colored(state, options.color) + "\n";
  // Settings under their config key names, each only when it applies to the job.
  const nlohmann::json& settings = Member(job, "settings");
  for (const char* key :
       {"task",         "every",          "cron",       "tz",          "jitter",
        "catch_up",     "format",         "command",    "cwd",         "env",
        "user",         "group",          "umask",      "timeout",     "success_codes",
        "stop_signal",  "stop_timeout",   "start",      "log_lines",   "history",
        "max_failures", "restart",        "backoff",    "backoff_max", "healthy_after",
        "max_restarts", "restart_window", "on_failure", "hook_timeout"}) {
    const nlohmann::json& v = Member(settings, key);
    if (v.is_null()) continue;
    // Defaults that say nothing: no failure limit, the time limit of a hook there is not.
    if (std::string(key) == "max_failures" && v == 0) continue;
    if (std::string(key) == "jitter" && v == "0s") continue;
    if (std::string(key) == "catch_up" && v == false) continue;
    if (std::string(key) == "hook_timeout" && Member(settings, "on_failure").is_null()) continue;
    std::string text = std::string(key) == "command" || std::string(key) == "on_failure"
                           ? CommandLine(v)
                           : Joined(v);
    if (text.empty()) continue;  // no env
    Field(out, key, Shorten(text, SIZE_MAX));
  }
  Field(out, "last run", When(Member(job, "last_run"), options.now));
  Field(out, "next run", When(Member(job, "next_run"), options.now));
  Field(out, "runs",
        Cell(Member(job, "runs")) + " (" + Cell(Member(job, "failures")) + " failed, " +
            Cell(Member(job, "missed")) + " missed)");
  // Outcomes and durations of the last runs (a thrd without run history sends none).
  if (Member(job, "recent_runs").is_array())
    Field(out, "recent runs", RecentRunsLine(Member(job, "recent_runs"), options.utf8));
  Field(out, "last error", Shorten(Cell(Member(job, "last_error")), SIZE_MAX));
  const nlohmann::json& streak = Member(job, "failure_streak");
  if (streak.is_number_integer() && streak.get<int64_t>() > 0)
    Field(out, "failure streak", Cell(streak));
  if (Flag(job, "service")) {
    Field(out, "restarts", Cell(Member(job, "restarts")));
    Field(out, "started", When(Member(job, "started"), options.now));
    const nlohmann::json& up = Member(job, "uptime_ms");
    Field(out, "uptime",
          up.is_number_integer() ? FormatDuration(Duration(up.get<int64_t>() / 1000 * 1000)) : "-");
  }
  Field(out, "pid", Cell(Member(job, "pid")));
  Field(out, "thread id", Cell(Member(job, "thread_id")));
  Field(out, "frozen", Flag(job, "frozen") ? "yes" : "no");
  const nlohmann::json& log = Member(job, "log");
  if (!log.is_array() || log.empty()) {
    *out += "  log: no lines\n";
    return;
  }
  *out +=
      "  log (last " + std::to_string(log.size()) + (log.size() == 1 ? " line):\n" : " lines):\n");
  for (const auto& line : log) *out += "    " + Shorten(Cell(line), SIZE_MAX) + "\n";
}

}  // namespace

bool ColorWanted(bool is_tty, const char* no_color) {
  return is_tty && (no_color == nullptr || *no_color == '\0');
}

std::string Relative(const nlohmann::json& iso, WallClock::time_point now) {
  if (!iso.is_string()) return "-";
  auto t = ParseIsoUtc(iso.get<std::string>());
  if (!t) return "?";
  int64_t delta = std::chrono::duration_cast<std::chrono::milliseconds>(*t - now).count();
  bool future = delta > 0;
  int64_t ms = future ? delta : -delta;
  constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute;
  int64_t unit = ms < kSecond ? 1 : ms < kHour ? kSecond : ms < 24 * kHour ? kMinute : kHour;
  ms = ms / unit * unit;
  if (ms == 0) return "now";
  std::string text = FormatDuration(Duration(ms));
  return future ? "in " + text : text + " ago";
}

std::string Shorten(const std::string& text, size_t width) {
  if (Columns(text) > width) {
    if (width == 0) return "";
    // Keep width - 1 characters (whole code points) and mark the cut.
    size_t keep = 0;
    for (size_t kept = 0; keep < text.size(); ++keep) {
      if ((text[keep] & 0xC0) != 0x80 && kept++ == width - 1) break;
    }
    return Shorten(text.substr(0, keep), width - 1) + "\u2026";
  }
  std::string out = text;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string FormatStatus(const nlohmann::json& reply, const FormatOptions& options) {
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "TASK", "STATE", "RUNS", "FAILED", "MISSED", "LAST", "NEXT", "ERROR"}};
  for (const auto& job : Jobs(reply)) {
    // A service shows as such: its NEXT is a restart after a backoff, not a slot.
    std::string task = Flag(job, "service") ? "service" : Cell(Member(job, "task"));
    rows.push_back({Shorten(Cell(Member(job, "name")), kNameWidth), Shorten(task, 12),
                    Shorten(Cell(Member(job, "state")), 12), Cell(Member(job, "runs")),
                    Cell(Member(job, "failures")), Cell(Member(job, "missed")),
                    Relative(Member(job, "last_run"), options.now),
                    Relative(Member(job, "next_run"), options.now),
                    Cell(Member(job, "last_error"))});
  }
  const size_t last = rows[0].size() - 1;
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < last; ++i) width[i] = std::max(width[i], Columns(row[i]));
  }
  size_t error_at = 0;
  for (size_t i = 0; i < last; ++i) error_at += width[i] + 2;
  size_t error_width = std::max(kMinErrorWidth, kLineWidth > error_at ? kLineWidth - error_at : 0);

  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    std::string line;
    for (size_t i = 0; i < last; ++i) {
      // Padding is counted on the plain text: escape codes take no columns.
      std::string cell = i == 2 && r > 0 ? Colored(row[i], options.color) : row[i];
      line += cell + std::string(width[i] - Columns(row[i]) + 2, ' ');
    }
    line += Shorten(row[last], error_width);
    out += line + "\n";
  }
  return out;
}

std::string FormatShow(const nlohmann::json& reply, const FormatOptions& options) {
  std::string out;
  for (const auto& job : Jobs(reply)) {
    if (!out.empty()) out += "\n";
    ShowJob(job, options, &out);
  }
  return out;
}

const nlohmann::json& Member(const nlohmann::json& object, const char* key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Text(const nlohmann::json& object, const char* key, const char* fallback) {
  const nlohmann::json& v = Member(object, key);
  return v.is_string() ? v.get<std::string>() : fallback;
}

bool Flag(const nlohmann::json& object, const char* key) {
  const nlohmann::json& v = Member(object, key);
  return v.is_boolean() && v.get<bool>();
}

const nlohmann::json& Jobs(const nlohmann::json& reply) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const nlohmann::json& jobs = Member(reply, "jobs");
  return jobs.is_array() ? jobs : kEmpty;
}

std::string Cell(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

}  // namespace thr
