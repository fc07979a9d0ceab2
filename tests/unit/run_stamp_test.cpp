#include "thr/run_stamp.h"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>

#include "test_util.h"

namespace thr {
namespace {

TEST_CASE("run stamps: saved and loaded per job, to the millisecond") {
  test::TempDir dir;
  RunStamps stamps(dir.path());
  std::optional<WallTime> got;
  REQUIRE(stamps.Load("backup", &got).ok());
  CHECK_FALSE(got.has_value());  // none yet

  const WallTime t = std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} +
                     std::chrono::hours(2) + std::chrono::milliseconds(250);
  REQUIRE(stamps.Save("backup", t).ok());
  REQUIRE(stamps.Load("backup", &got).ok());
  CHECK(got == t);
  CHECK(stamps.PathOf("backup") == dir.path() + "/runs/backup.last");
  REQUIRE(stamps.Load("other", &got).ok());
  CHECK_FALSE(got.has_value());
}

TEST_CASE("run stamps: the names . and .. stay files in runs/") {
  test::TempDir dir;
  RunStamps stamps(dir.path());
  REQUIRE(stamps.Save("..", WallTime{}).ok());
  CHECK(std::filesystem::is_regular_file(dir.path() + "/runs/...last"));
}

TEST_CASE("run stamps: a damaged stamp is an error naming the file") {
  test::TempDir dir;
  RunStamps stamps(dir.path());
  std::filesystem::create_directories(dir.path() + "/runs");
  std::ofstream(dir.path() + "/runs/backup.last") << "yesterday\n";
  std::optional<WallTime> got;
  Status s = stamps.Load("backup", &got);
  CHECK_FALSE(s.ok());
  CHECK(s.message() == dir.path() + "/runs/backup.last: not an ISO 8601 UTC time");
  CHECK_FALSE(got.has_value());
}

TEST_CASE("run stamps: no state dir keeps nothing") {
  RunStamps stamps("");
  CHECK(stamps.Save("backup", WallTime{}).ok());
  std::optional<WallTime> got;
  CHECK(stamps.Load("backup", &got).ok());
  CHECK_FALSE(got.has_value());
  CHECK(stamps.PathOf("backup").empty());
}

}  // namespace
}  // namespace thr
