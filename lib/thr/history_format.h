// What thrctl prints for people from run history: the `history` table and the strip line of
// `show`. Pure functions of the reply, like ctl_format.h; they never throw on a bad reply.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "thr/ctl_format.h"

namespace thr {

// The history table, oldest run first:
//   START                     DURATION  RESULT  MISSED  EXIT/REASON
//   2026-11-27T11:40:00.004Z  1s503ms   failed  1       exit status 3
// START is the run's start (UTC, as on the wire), MISSED the slots skipped just before it,
// EXIT/REASON the exit status of a run that succeeded ("exit status 0") or why one failed or
// was interrupted; "-" when there is neither. The last column is cut to fit 100 columns. No
// runs: one line saying so.
std::string FormatHistory(const nlohmann::json& reply, const FormatOptions& options);

// `show`'s "recent runs" value from its `recent_runs` array (run_strip.h): "-" when empty.
std::string RecentRunsLine(const nlohmann::json& runs, bool utf8);

}  // namespace thr
