// The run objects of `history` and `show` replies (docs/json.md, `history`), built in one
// place so that the two cannot drift apart. Defined in history.cpp.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "thr/history.h"

namespace thr {

// [{"started", "duration_ms", "result", "exit_status", "reason", "missed"}, ...] in the order
// given (oldest first).
nlohmann::json RunsJson(const std::vector<RunEntry>& runs);

}  // namespace thr
