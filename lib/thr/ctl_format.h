// What thrctl prints for people from the daemon's replies: the status table and `show`.
// Pure functions of the reply, a "now" and a colour flag, so tests can pin the clock.
// Replies come from another process: everything here reads them without ever throwing.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace thr {

using WallClock = std::chrono::system_clock;

// How a reply is printed for people.
struct FormatOptions {
  WallClock::time_point now;  // what relative times ("3s ago") are relative to
  bool color = false;         // ANSI colours for states
  bool utf8 = false;          // the terminal takes UTF-8 (run_strip.h): else ASCII marks
};

// True when output should be coloured: `is_tty` and `no_color` (the value of $NO_COLOR, or
// nullptr when unset) is unset or empty (no-color.org).
bool ColorWanted(bool is_tty, const char* no_color);

// The status table: NAME TASK STATE RUNS FAILED MISSED LAST NEXT ERROR, one line per job.
// Names longer than 20 characters and errors longer than the room left of 100 columns are
// cut with a trailing "…".
std::string FormatStatus(const nlohmann::json& reply, const FormatOptions& options);

// `show`: each job in detail, separated by blank lines.
std::string FormatShow(const nlohmann::json& reply, const FormatOptions& options);

// "3s ago", "in 2s", "now"; "-" for null and "?" for a malformed time. Whole seconds under an
// hour, whole minutes under a day, whole hours beyond: a table needs no more precision.
std::string Relative(const nlohmann::json& iso, WallClock::time_point now);

// `text` cut to at most `width` characters (UTF-8 code points), the last one "…" when cut;
// control characters become spaces so that one value stays on one line.
std::string Shorten(const std::string& text, size_t width);

// Reading replies without throwing on a wrong type.
const nlohmann::json& Member(const nlohmann::json& object, const char* key);
std::string Text(const nlohmann::json& object, const char* key, const char* fallback);
bool Flag(const nlohmann::json& object, const char* key);
const nlohmann::json& Jobs(const nlohmann::json& reply);  // the "jobs" array, or an empty one
std::string Cell(const nlohmann::json& v);                // a string as is, null as "-"

}  // namespace thr
