// Times on the wire: ISO 8601 in UTC with milliseconds.
#include "thr/iso_time.h"

#include <doctest/doctest.h>

#include <string>

namespace thr {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

// 2026-11-26T07:30:00Z (date -u -d 2026-11-26T07:30:00Z +%s).
const system_clock::time_point kInstant = system_clock::time_point(seconds(1'795'678'200));

TEST_CASE("IsoTime: FormatIsoUtc writes UTC with milliseconds") {
  CHECK(FormatIsoUtc(kInstant + milliseconds(250)) == "2026-11-26T07:30:00.250Z");
  CHECK(FormatIsoUtc(kInstant) == "2026-11-26T07:30:00.000Z");
  CHECK(FormatIsoUtc(kInstant + milliseconds(7)) == "2026-11-26T07:30:00.007Z");
  CHECK(FormatIsoUtc(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("IsoTime: FormatIsoUtc truncates below a millisecond") {
  CHECK(FormatIsoUtc(kInstant + std::chrono::microseconds(250'999)) == "2026-11-26T07:30:00.250Z");
}

TEST_CASE("IsoTime: FormatIsoUtc handles instants before the epoch") {
  CHECK(FormatIsoUtc(system_clock::time_point{} - milliseconds(1)) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("IsoTime: ParseIsoUtc reads back what FormatIsoUtc writes") {
  for (auto t : {kInstant, kInstant + milliseconds(250), kInstant + milliseconds(999),
                 system_clock::time_point{}, system_clock::time_point(seconds(4'102'444'799))}) {
    std::string text = FormatIsoUtc(t);
    CAPTURE(text);
    std::optional<system_clock::time_point> back = ParseIsoUtc(text);
    REQUIRE(back.has_value());
    CHECK(*back == t);
  }
  std::optional<system_clock::time_point> parsed = ParseIsoUtc("2026-11-26T07:30:00.250Z");
  REQUIRE(parsed.has_value());
  CHECK(*parsed == kInstant + milliseconds(250));
}

TEST_CASE("IsoTime: ParseIsoUtc rejects text not in the exact format") {
  for (const std::string text : {
           "",
           "2026-11-26T07:30:00.250",    // no Z
           "2026-11-26T07:30:00.250z",   // lower-case z
           "2026-11-26T07:30:00.250+",   // offset instead of Z
           "2026-11-26 07:30:00.250Z",   // space instead of T
           "2026-11-26T07:30:00Z",       // no milliseconds
           "2026-11-26T07:30:00.2500Z",  // too many digits
           "2026/11/26T07:30:00.250Z",   // wrong separators
           "2026-11-26T07:30:00.250ZZ",  // trailing garbage
           "x026-11-26T07:30:00.250Z",
           "not a time at all, really",
       }) {
    CAPTURE(text);
    CHECK_FALSE(ParseIsoUtc(text).has_value());
  }
}

TEST_CASE("IsoTime: ParseIsoUtc rejects signed, blank-padded and out-of-range fields") {
  for (const std::string text : {
           "2026-13-26T07:30:00.250Z",  // month 13
           "2026-02-30T07:30:00.250Z",  // 30 February
           "2026-11-26T24:30:00.250Z",  // hour 24
           "2026-11-26T07:30:00.-25Z",  // negative milliseconds
           "2026-11-26T 7:30:00.250Z",  // blank-padded hour
           "+026-11-26T07:30:00.250Z",  // signed year
       }) {
    CAPTURE(text);
    CHECK_FALSE(ParseIsoUtc(text).has_value());
  }
}

}  // namespace
}  // namespace thr
