// thrctl's work after argument parsing: build the request, talk to thrd, print, pick the
// exit status (exit_codes.h). Kept out of main.cpp so it stays thin and this stays testable.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "thr/ctl_format.h"
#include "thr/duration.h"

namespace thr {

inline constexpr Duration kDefaultCtlTimeout{10'000};

struct CtlOptions {
  std::string socket;               // -s; empty: resolved as CONTRACT.md says
  bool json = false;                // --json
  std::optional<Duration> timeout;  // --timeout, when given explicitly
  std::string command;              // status, pause, ..., logs, ping
  std::vector<std::string> jobs;
  bool all = false;
  bool freeze = false;
  std::optional<size_t> lines;             // logs -n, show -n, history -n
  bool follow = false;                     // logs -f
  std::string wait_state;                  // wait --state
  std::optional<Duration> wait_for;        // wait --for
  bool watch = false;                      // status --watch (ctl_watch.h)
  std::optional<Duration> watch_interval;  // status --interval
};

// True for commands whose reply waits for threads to end (stop, kill, restart): without an
// explicit --timeout, thrctl waits as long as the daemon answers pings.
bool WaitsForJobs(const std::string& command);

// "2026-11-26T13:30:00.123Z  sync  running -> paused" / "...  sync  run failed in 2s: ...".
std::string FormatEvent(const nlohmann::json& event);

// The request line's object for `options`.
nlohmann::json BuildRequest(const CtlOptions& options);

// For people: writes the reply of `command` to `out`, and failures to `err`. Without
// `options`: relative to the current time, no colour.
void PrintReply(const std::string& command, const nlohmann::json& reply,
                const FormatOptions& options, std::FILE* out, std::FILE* err);
void PrintReply(const std::string& command, const nlohmann::json& reply, std::FILE* out,
                std::FILE* err);

// Runs one command; returns thrctl's exit status.
int RunCtl(const CtlOptions& options);

}  // namespace thr
