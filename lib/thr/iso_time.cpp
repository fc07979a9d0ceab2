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
  if (text.size() != 24) return std::nullopt;
  std::tm utc{};
  int ms = 0;
  char z = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &utc.tm_year, &utc.tm_mon,
                  &utc.tm_mday, &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &ms, &z) != 8 ||
      z != 'Z') {
    return std::nullopt;
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  std::time_t secs = ::timegm(&utc);
  return std::chrono::system_clock::from_time_t(secs) + std::chrono::milliseconds(ms);
}

}  // namespace thr
