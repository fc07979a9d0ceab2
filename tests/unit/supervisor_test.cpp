// Supervisor: jobs from a parsed config, control commands on one, several or all of them,
// and snapshots for status.
#include "thr/supervisor.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace thr {
namespace {

using Names = std::vector<std::string>;

// a runs, b is paused, c is stopped (config order a, b, c); a long period keeps it quiet.
Config ThreeJobs() {
  Config config;
  REQUIRE(ParseConfig(R"({"jobs": [
    {"name": "a", "task": "timestamp", "every": "10s"},
    {"name": "b", "task": "timestamp", "every": "10s", "start": "paused"},
    {"name": "c", "task": "timestamp", "every": "10s", "start": "stopped"}]})",
                      "t.json", &config)
              .ok());
  return config;
}

Names NamesOf(const std::vector<JobInfo>& infos) {
  Names names;
  for (const JobInfo& info : infos) names.push_back(info.name);
  return names;
}

std::string StateOf(const Supervisor& sup, const std::string& name) {
  std::vector<JobInfo> infos;
  REQUIRE(sup.Snapshot({name}, &infos).ok());
  REQUIRE(infos.size() == 1);
  return std::string(StateName(infos[0].state));
}

// Supervisor with its jobs started; logging silenced, no echo.
struct SupervisorHarness {
  SupervisorHarness() { sup.Start(ThreeJobs()); }
  test::QuietLogs quiet;
  Supervisor sup{DefaultClock(), nullptr};
};

TEST_CASE("Supervisor: Start creates each job in its configured start state") {
  SupervisorHarness h;
  CHECK(StateOf(h.sup, "a") == "running");
  CHECK(StateOf(h.sup, "b") == "paused");
  CHECK(StateOf(h.sup, "c") == "stopped");
  REQUIRE(h.sup.Find("a") != nullptr);
  CHECK(h.sup.Find("a")->name() == "a");
  CHECK(h.sup.Find("nope") == nullptr);
  CHECK(test::WaitUntil([&] { return h.sup.Find("a")->Info().runs >= 1; }));
}

TEST_CASE("Supervisor: Snapshot lists every job in config order") {
  SupervisorHarness h;
  std::vector<JobInfo> infos;
  REQUIRE(h.sup.Snapshot({}, &infos).ok());
  CHECK(NamesOf(infos) == Names{"a", "b", "c"});

  SUBCASE("or only those named") {
    REQUIRE(h.sup.Snapshot({"c"}, &infos).ok());
    CHECK(NamesOf(infos) == Names{"c"});
  }
  SUBCASE("an unknown name is unknown_job, and the known ones are still listed") {
    Status s = h.sup.Snapshot({"a", "nope", "c"}, &infos);
    CHECK(s.code() == Status::Code::kUnknownJob);
    CHECK(s.message().find("nope") != std::string::npos);
    CHECK(NamesOf(infos) == Names{"a", "c"});
  }
}

TEST_CASE("Supervisor: Apply acts on the known names and reports unknown ones per job") {
  SupervisorHarness h;
  std::vector<ControlResult> results = h.sup.Apply(Control::kPause, {"a", "nope", "b"}, false);
  REQUIRE(results.size() == 3);

  CHECK(results[0].name == "a");
  CHECK(results[0].status.ok());
  CHECK(results[0].changed);
  CHECK(results[0].before == JobState::kRunning);
  CHECK(results[0].after == JobState::kPaused);

  CHECK(results[1].name == "nope");
  CHECK(results[1].status.code() == Status::Code::kUnknownJob);
  CHECK_FALSE(results[1].changed);

  CHECK(results[2].name == "b");
  CHECK(results[2].status.ok());  // a no-op is not a failure
  CHECK_FALSE(results[2].changed);
  CHECK(results[2].after == JobState::kPaused);

  CHECK(StateOf(h.sup, "a") == "paused");
}

TEST_CASE("Supervisor: Apply reports a refused transition with the reason") {
  SupervisorHarness h;
  std::vector<ControlResult> results = h.sup.Apply(Control::kResume, {"c"}, false);
  REQUIRE(results.size() == 1);
  CHECK(results[0].status.code() == Status::Code::kRefused);
  CHECK(results[0].status.message() == "job c is stopped; use start");
  CHECK_FALSE(results[0].changed);
  CHECK(StateOf(h.sup, "c") == "stopped");
}

TEST_CASE("Supervisor: Apply with all skips the jobs that refuse the command") {
  SupervisorHarness h;
  SUBCASE("pause --all: c is stopped and skipped") {
    std::vector<ControlResult> results = h.sup.Apply(Control::kPause, {}, true);
    REQUIRE(results.size() == 2);
    CHECK(results[0].name == "a");
    CHECK(results[0].changed);
    CHECK(results[1].name == "b");
    CHECK_FALSE(results[1].changed);
    for (const ControlResult& r : results) CHECK(r.status.ok());
    CHECK(StateOf(h.sup, "a") == "paused");
    CHECK(StateOf(h.sup, "c") == "stopped");
  }
  SUBCASE("stop --all: nothing refuses, every thread has ended on return") {
    std::vector<ControlResult> results = h.sup.Apply(Control::kStop, {}, true);
    REQUIRE(results.size() == 3);
    std::vector<JobInfo> infos;
    REQUIRE(h.sup.Snapshot({}, &infos).ok());
    for (const JobInfo& info : infos) {
      CAPTURE(info.name);
      CHECK(info.state == JobState::kStopped);
      CHECK_FALSE(info.thread_id.has_value());
    }
  }
  SUBCASE("start --all starts the stopped one on a thread") {
    std::vector<ControlResult> results = h.sup.Apply(Control::kStart, {}, true);
    REQUIRE(results.size() == 3);
    CHECK(results[2].name == "c");
    CHECK(results[2].changed);
    CHECK(StateOf(h.sup, "c") == "running");
    CHECK(test::WaitUntil([&] { return h.sup.Find("c")->Info().runs >= 1; }));
  }
}

TEST_CASE("Supervisor: Shutdown ends every worker without changing the states shown") {
  SupervisorHarness h;
  h.sup.Shutdown();
  std::vector<JobInfo> infos;
  REQUIRE(h.sup.Snapshot({}, &infos).ok());
  REQUIRE(infos.size() == 3);
  for (const JobInfo& info : infos) {
    CAPTURE(info.name);
    CHECK_FALSE(info.thread_id.has_value());
  }
  CHECK(infos[0].state == JobState::kRunning);
  CHECK(infos[1].state == JobState::kPaused);
}

}  // namespace
}  // namespace thr
