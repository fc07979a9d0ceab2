// Time zone lookup (lib/thr/zone.h) on the system tzdata.
#include "thr/zone.h"

#include <date/tz.h>
#include <doctest/doctest.h>
#include <stdlib.h>

#include <optional>
#include <string>

namespace thr {
namespace {

// Sets or unsets TZ for one test and puts it back.
class TzGuard {
 public:
  explicit TzGuard(const char* value) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    if (value != nullptr) {
      setenv("TZ", value, 1);
    } else {
      unsetenv("TZ");
    }
  }
  ~TzGuard() {
    if (old_) {
      setenv("TZ", old_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
  }
  TzGuard(const TzGuard&) = delete;
  TzGuard& operator=(const TzGuard&) = delete;

 private:
  std::optional<std::string> old_;
};

TEST_CASE("Zone: IANA names are found in the system tzdata") {
  for (const char* name : {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"}) {
    const date::time_zone* z = nullptr;
    INFO(name);
    REQUIRE(LocateZone(name, &z).ok());
    REQUIRE(z != nullptr);
    CHECK(z->name() == name);
  }
  const date::time_zone* berlin = nullptr;
  REQUIRE(LocateZone("Europe/Berlin", &berlin).ok());
  // 2026-07-01 12:00Z is 14:00 CEST.
  const date::sys_seconds noon = date::sys_days{date::year{2026} / 7 / 1} + std::chrono::hours{12};
  CHECK(berlin->get_info(noon).offset == std::chrono::hours{2});
  CHECK(berlin->get_info(noon).abbrev == "CEST");
}

TEST_CASE("Zone: an unknown name is a config error that names it") {
  const date::time_zone* z = nullptr;
  Status s = LocateZone("Mars/Olympus_Mons", &z);
  CHECK(s.code() == Status::Code::kInvalidConfig);
  CHECK(s.message().find("unknown time zone \"Mars/Olympus_Mons\"") == 0);
  CHECK(z == nullptr);
  CHECK_FALSE(LocateZone("", &z).ok());
  CHECK_FALSE(LocateZone("europe/berlin", &z).ok());  // names are case-sensitive
}

TEST_CASE("Zone: the local zone comes from TZ, in its three spellings") {
  std::string why = "stale";
  for (const char* tz : {"Europe/Berlin", ":Europe/Berlin", "/usr/share/zoneinfo/Europe/Berlin"}) {
    TzGuard guard(tz);
    INFO(tz);
    CHECK(LocalZone(&why)->name() == "Europe/Berlin");
    CHECK(why.empty());
  }
  TzGuard guard("");
  CHECK(LocalZone(&why)->name() == "Etc/UTC");
  CHECK(why.empty());
}

TEST_CASE("Zone: a TZ that is not a zone name falls back to UTC, saying why") {
  TzGuard guard("CET-1CEST,M3.5.0,M10.5.0/3");
  std::string why;
  CHECK(LocalZone(&why)->name() == "Etc/UTC");
  CHECK(why.find("TZ=\"CET-1CEST,M3.5.0,M10.5.0/3\" is not an IANA zone name") == 0);
  CHECK(LocalZone(nullptr)->name() == "Etc/UTC");
}

TEST_CASE("Zone: without TZ the local zone is /etc/localtime's, or UTC with a reason") {
  TzGuard guard(nullptr);
  std::string why;
  const date::time_zone* z = LocalZone(&why);
  REQUIRE(z != nullptr);
  if (!why.empty()) {
    CHECK(z->name() == "Etc/UTC");
  }
}

}  // namespace
}  // namespace thr
