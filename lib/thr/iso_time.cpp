#include "thr/iso_time.h"

#include <cstdio>
#include <ctime>

namespace thr {

std::string FormatIsoUtc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int frac = static_cast<int>(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  std::tm utc{};
  ::gmtime_r(&secs, &utc);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, frac);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> ParseIsoUtc(std::string_view text) {
  // Exactly "YYYY-MM-DDTHH:MM:SS.mmmZ": check every character, then every field's range.
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != kShape.size()) return std::nullopt;
  for (size_t i = 0; i < kShape.size(); ++i) {
    bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return std::nullopt;
  }
  auto field = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  std::tm utc{};
  utc.tm_year = field(0, 4) - 1900;
  utc.tm_mon = field(5, 2) - 1;
  utc.tm_mday = field(8, 2);
  utc.tm_hour = field(11, 2);
  utc.tm_min = field(14, 2);
  utc.tm_sec = field(17, 2);
  int ms = field(20, 3);
  if (utc.tm_mon > 11 || utc.tm_mday < 1 || utc.tm_hour > 23 || utc.tm_min > 59 ||
      utc.tm_sec > 59) {
    return std::nullopt;
  }
  std::tm check = utc;
  std::time_t secs = ::timegm(&check);
  // timegm normalizes out-of-range days (Feb 30 -> Mar 2); such a date is not valid.
  if (check.tm_mday != utc.tm_mday || check.tm_mon != utc.tm_mon) return std::nullopt;
  return std::chrono::system_clock::from_time_t(secs) + std::chrono::milliseconds(ms);
}

}  // namespace thr
