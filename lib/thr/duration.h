// The duration grammar of the config and of thrctl --timeout: "250ms", "1h30m", "2", "0.25".
#pragma once

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "thr/status.h"

namespace thr {

using Duration = std::chrono::milliseconds;

// Parses integer-and-unit parts in strictly falling unit order (ms, s, m, h, d), or a bare
// number of seconds that may have a fraction. Zero, negative, out-of-order, overflowing and
// unknown-unit values are errors; the message says which, without naming the key.
Status ParseDuration(std::string_view text, Duration* out);

// The same for a JSON value: a number (seconds) or a string.
Status ParseDurationJson(const nlohmann::json& value, Duration* out);

// The shortest canonical text: 90000ms -> "1m30s", 250ms -> "250ms", 0 -> "0s".
std::string FormatDuration(Duration d);

}  // namespace thr
