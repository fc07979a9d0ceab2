#include "thr/duration.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

namespace thr {
namespace {

struct Unit {
  std::string_view name;
  int64_t ms;
};
// Largest first: parts must appear in this order, each at most once.
constexpr std::array<Unit, 5> kUnits = {{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

// Durations above this are refused: about 290 years still fits int64 nanoseconds, which the
// condition-variable waits below us convert to.
constexpr int64_t kMaxMs = int64_t{100} * 365 * 86'400'000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "1.5", "2", ".25": seconds. Returns false if `text` is not such a number.
bool ParseSeconds(std::string_view text, double* out) {
  if (text.empty()) return false;
  size_t i = 0;
  if (text[0] == '-' || text[0] == '+') i = 1;
  bool digits = false, dot = false;
  for (; i < text.size(); ++i) {
    if (IsDigit(text[i])) {
      digits = true;
    } else if (text[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  if (!digits) return false;
  *out = std::strtod(std::string(text).c_str(), nullptr);
  return true;
}

Status FromSeconds(double seconds, Duration* out) {
  if (!std::isfinite(seconds)) return Status::InvalidConfig("not a finite number");
  if (seconds < 0) return Status::InvalidConfig("negative duration");
  double ms = std::round(seconds * 1000.0);
  if (ms > static_cast<double>(kMaxMs)) return Status::InvalidConfig("duration too large");
  if (ms <= 0) return Status::InvalidConfig("duration must be at least 1ms");
  *out = Duration(static_cast<int64_t>(ms));
  return Status::Ok();
}

}  // namespace

Status ParseDuration(std::string_view text, Duration* out) {
  if (text.empty()) return Status::InvalidConfig("empty duration");
  double seconds = 0;
  if (ParseSeconds(text, &seconds)) return FromSeconds(seconds, out);
  if (text[0] == '-')
    return Status::InvalidConfig("negative duration \"" + std::string(text) + "\"");

  int64_t total = 0;
  size_t next_unit = 0;  // index into kUnits: units must fall
  size_t i = 0;
  while (i < text.size()) {
    if (!IsDigit(text[i])) {
      return Status::InvalidConfig("invalid duration \"" + std::string(text) +
                                   "\": expected a number at \"" + std::string(text.substr(i)) +
                                   "\" (use e.g. 250ms, 1s, 5m, 1h30m, 2d)");
    }
    int64_t value = 0;
    for (; i < text.size() && IsDigit(text[i]); ++i) {
      if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) {
        return Status::InvalidConfig("duration \"" + std::string(text) + "\" overflows");
      }
      value = value * 10 + (text[i] - '0');
    }
    size_t start = i;
    while (i < text.size() && !IsDigit(text[i])) ++i;
    std::string_view unit = text.substr(start, i - start);
    if (unit.empty()) {
      return Status::InvalidConfig("invalid duration \"" + std::string(text) +
                                   "\": a number needs a unit (ms, s, m, h, d)");
    }
    if (unit[0] == '.') {
      return Status::InvalidConfig("invalid duration \"" + std::string(text) +
                                   "\": a fraction is allowed only in plain seconds (\"1.5\"); "
                                   "else use a smaller unit (1s500ms)");
    }
    size_t u = 0;
    while (u < kUnits.size() && kUnits[u].name != unit) ++u;
    if (u == kUnits.size()) {
      return Status::InvalidConfig("invalid duration \"" + std::string(text) +
                                   "\": unknown unit \"" + std::string(unit) +
                                   "\" (use ms, s, m, h, d)");
    }
    if (u < next_unit) {
      return Status::InvalidConfig("invalid duration \"" + std::string(text) +
                                   "\": units must fall in order (d, h, m, s, ms), each once");
    }
    next_unit = u + 1;
    if (value > kMaxMs / kUnits[u].ms || total + value * kUnits[u].ms > kMaxMs) {
      return Status::InvalidConfig("duration \"" + std::string(text) + "\" is too large");
    }
    total += value * kUnits[u].ms;
  }
  if (total == 0) return Status::InvalidConfig("duration \"" + std::string(text) + "\" is zero");
  *out = Duration(total);
  return Status::Ok();
}

Status ParseDurationJson(const nlohmann::json& value, Duration* out) {
  if (value.is_number()) return FromSeconds(value.get<double>(), out);
  if (value.is_string()) return ParseDuration(value.get_ref<const std::string&>(), out);
  return Status::InvalidConfig(
      "expected a duration string such as \"1s\" or a number of seconds, got " +
      std::string(value.type_name()));
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (const Unit& unit : kUnits) {
    if (ms >= unit.ms) {
      out += std::to_string(ms / unit.ms);
      out += unit.name;
      ms %= unit.ms;
    }
  }
  return out;
}

}  // namespace thr
