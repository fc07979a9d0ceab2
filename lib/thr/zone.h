// IANA time zones for calendar schedules, from the system's tzdata through Howard Hinnant's
// date library (Debian's libhowardhinnant-date-dev, built with USE_OS_TZDB: it reads
// /usr/share/zoneinfo and never downloads). g++ 12 has no std::chrono time zones.
#pragma once

#include <string>
#include <string_view>

#include "thr/status.h"

namespace date {
class time_zone;
}

namespace thr {

// Finds a zone by its IANA name ("Europe/Berlin", "UTC"). Returns InvalidConfig
// (`unknown time zone "Mars/Olympus"`, without the job or key) for a name the system's tzdata
// does not have; *out is then unchanged. The zone lives as long as the process.
Status LocateZone(std::string_view name, const date::time_zone** out);

// thrd's local zone: $TZ if set (an IANA name, optionally with a leading ':' or as a path
// under a zoneinfo directory), else /etc/localtime. When that cannot be made out (a POSIX rule
// string such as "CET-1CEST", a missing /etc/localtime), returns UTC and, if why_utc is not
// null, sets *why_utc to the reason so the caller can log it; otherwise clears *why_utc.
const date::time_zone* LocalZone(std::string* why_utc);

}  // namespace thr
