#include "thr/zone.h"

#include <date/tz.h>

#include <cstdlib>
#include <exception>
#include <string>

namespace thr {
namespace {

const date::time_zone* Utc() { return date::locate_zone("Etc/UTC"); }

// "Europe/Berlin", ":Europe/Berlin", "/usr/share/zoneinfo/Europe/Berlin" -> "Europe/Berlin".
std::string_view ZoneNameFromTz(std::string_view tz) {
  if (!tz.empty() && tz.front() == ':') tz.remove_prefix(1);
  constexpr std::string_view kDir = "zoneinfo/";
  if (!tz.empty() && tz.front() == '/') {
    const size_t at = tz.rfind(kDir);
    if (at != std::string_view::npos) tz.remove_prefix(at + kDir.size());
  }
  return tz;
}

}  // namespace

Status LocateZone(std::string_view name, const date::time_zone** out) {
  try {
    // locate_zone throws std::runtime_error for an unknown name.
    *out = date::locate_zone(name);
    return Status::Ok();
  } catch (const std::exception&) {
    std::string shown(name.substr(0, 64));
    return Status::InvalidConfig("unknown time zone \"" + shown +
                                 "\" (an IANA name such as \"Europe/Berlin\" or \"UTC\")");
  }
}

const date::time_zone* LocalZone(std::string* why_utc) {
  std::string why;
  const date::time_zone* zone = nullptr;
  if (const char* tz = std::getenv("TZ"); tz != nullptr) {
    // An empty TZ is UTC for glibc too.
    if (*tz == '\0') {
      zone = Utc();
    } else if (Status s = LocateZone(ZoneNameFromTz(tz), &zone); !s.ok()) {
      why = "TZ=\"" + std::string(tz) + "\" is not an IANA zone name, using UTC";
    }
  } else {
    try {
      // Reads the /etc/localtime symlink (or /etc/timezone).
      zone = date::current_zone();
    } catch (const std::exception& e) {
      why = std::string("cannot tell the local time zone (") + e.what() + "), using UTC";
    }
  }
  if (zone == nullptr) zone = Utc();
  if (why_utc != nullptr) *why_utc = why;
  return zone;
}

}  // namespace thr
