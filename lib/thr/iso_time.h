// Times on the wire: ISO 8601 in UTC with milliseconds, "2026-11-26T07:30:00.250Z".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace thr {

std::string FormatIsoUtc(std::chrono::system_clock::time_point t);
// nullopt unless `text` is exactly in the format above.
std::optional<std::chrono::system_clock::time_point> ParseIsoUtc(std::string_view text);

}  // namespace thr
