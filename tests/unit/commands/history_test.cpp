// The history command as thrd answers it, the recent runs in `show`, and what a reload does
// to a job's runs: real jobs on a real Supervisor, driven through Dispatch.
#include <doctest/doctest.h>

#include <string>

#include "../supervisor_harness.h"
#include "thr/dispatch.h"
#include "thr/iso_time.h"

namespace thr {
namespace {

constexpr const char* kJobs = R"({"jobs": [
  {"name": "fast", "task": "timestamp", "every": "20ms", "history": 3},
  {"name": "bad", "task": "exec", "command": ["sh", "-c", "exit 3"], "every": "20ms"},
  {"name": "off", "task": "timestamp", "every": "20ms", "history": 0},
  {"name": "idle", "task": "timestamp", "every": "1h", "start": "stopped"}]})";

nlohmann::json History(Supervisor& sup, const std::string& request) {
  return Dispatch(sup, request);
}

size_t RunCount(Supervisor& sup, const std::string& job) {
  return History(sup, R"({"cmd":"history","job":")" + job + R"("})")["runs"].size();
}

TEST_CASE("History: the last runs of a job, oldest first, at most its history setting") {
  test::RunningSupervisor h(kJobs);
  REQUIRE(test::WaitUntil([&] { return h.sup.Find("fast")->Info().runs >= 5; }));
  nlohmann::json reply = History(h.sup, R"({"cmd":"history","job":"fast"})");
  CHECK(reply["ok"] == true);
  CHECK(reply["job"] == "fast");
  CHECK(reply["history"] == 3);
  const nlohmann::json& runs = reply["runs"];
  REQUIRE(runs.size() == 3);
  for (size_t i = 0; i < runs.size(); ++i) {
    CAPTURE(i);
    const nlohmann::json& run = runs[i];
    REQUIRE(ParseIsoUtc(run["started"].get<std::string>()).has_value());
    CHECK(run["result"] == "ok");
    CHECK(run["exit_status"].is_null());  // a timestamp run has no exit status
    CHECK(run["reason"].is_null());
    CHECK(run["duration_ms"].is_number_integer());
    CHECK(run["missed"].is_number_unsigned());
    if (i > 0) CHECK(run["started"].get<std::string>() > runs[i - 1]["started"].get<std::string>());
  }
  SUBCASE("lines: the last N") {
    nlohmann::json two = History(h.sup, R"({"cmd":"history","job":"fast","lines":2})");
    REQUIRE(two["runs"].size() == 2);
    CHECK(two["runs"][0]["started"] > runs[0]["started"]);
    CHECK(History(h.sup, R"({"cmd":"history","job":"fast","lines":0})")["runs"] ==
          nlohmann::json::array());
  }
}

TEST_CASE("History: a failed exec run has its exit status and reason") {
  test::RunningSupervisor h(kJobs);
  REQUIRE(test::WaitUntil([&] { return RunCount(h.sup, "bad") >= 2; }));
  nlohmann::json run = History(h.sup, R"({"cmd":"history","job":"bad","lines":1})")["runs"][0];
  CHECK(run["result"] == "failed");
  CHECK(run["exit_status"] == 3);
  CHECK(run["reason"] == "exit status 3");
}

TEST_CASE("History: history 0 keeps nothing; a job that never ran has none yet") {
  test::RunningSupervisor h(kJobs);
  REQUIRE(test::WaitUntil([&] { return h.sup.Find("off")->Info().runs >= 3; }));
  nlohmann::json off = History(h.sup, R"({"cmd":"history","job":"off"})");
  CHECK(off["ok"] == true);
  CHECK(off["history"] == 0);
  CHECK(off["runs"] == nlohmann::json::array());
  CHECK(History(h.sup, R"({"cmd":"history","job":"idle"})")["runs"] == nlohmann::json::array());
}

TEST_CASE("History: unknown jobs and bad requests") {
  test::RunningSupervisor h(kJobs);
  nlohmann::json nope = History(h.sup, R"({"cmd":"history","job":"nope"})");
  CHECK(nope["ok"] == false);
  CHECK(nope["error"]["code"] == "unknown_job");
  CHECK(nope["error"]["message"] == "no job named 'nope'");
  CHECK_FALSE(nope.contains("runs"));
  CHECK(History(h.sup, R"({"cmd":"history"})")["error"]["code"] == "bad_request");
  CHECK(History(h.sup, R"({"cmd":"history","job":["fast"]})")["error"]["code"] == "bad_request");
  CHECK(History(h.sup, R"({"cmd":"history","job":"fast","lines":-1})")["error"]["code"] ==
        "bad_request");
}

TEST_CASE("History: show carries the last 30 runs as recent_runs") {
  test::RunningSupervisor h(kJobs);
  REQUIRE(test::WaitUntil([&] { return RunCount(h.sup, "bad") >= 2; }));
  nlohmann::json bad = Dispatch(h.sup, R"({"cmd":"show","jobs":["bad"]})")["jobs"][0];
  REQUIRE(bad["recent_runs"].is_array());
  CHECK(bad["recent_runs"].size() >= 2);
  CHECK(bad["recent_runs"].size() <= 30);
  CHECK(bad["recent_runs"].back()["result"] == "failed");
  CHECK(bad["settings"]["history"] == 100);
  nlohmann::json idle = Dispatch(h.sup, R"({"cmd":"show","jobs":["idle"]})")["jobs"][0];
  CHECK(idle["recent_runs"] == nlohmann::json::array());
}

TEST_CASE(
    "History: a reload keeps a changed job's runs (to its new capacity), drops a removed "
    "job's") {
  test::RunningSupervisor h(kJobs);
  REQUIRE(test::WaitUntil([&] { return RunCount(h.sup, "fast") == 3; }));
  REQUIRE(test::WaitUntil([&] { return RunCount(h.sup, "bad") >= 2; }));
  h.sup.Apply(Control::kStop, {"fast"}, false);
  const std::string before = History(h.sup, R"({"cmd":"history","job":"fast"})")["runs"].dump();
  // fast: history 3 -> 2 and stopped, so no new run comes; bad: removed.
  ReloadReport report = h.sup.Reload(test::ConfigFromJson(R"({"jobs": [
    {"name": "fast", "task": "timestamp", "every": "20ms", "history": 2, "start": "stopped"},
    {"name": "idle", "task": "timestamp", "every": "1h", "start": "stopped"}]})")
                                         .jobs);
  CHECK(report.changed == std::vector<std::string>{"fast"});
  nlohmann::json fast = History(h.sup, R"({"cmd":"history","job":"fast"})");
  CHECK(fast["history"] == 2);
  nlohmann::json kept = nlohmann::json::parse(before);
  kept.erase(kept.begin());  // the oldest no longer fits
  CHECK(fast["runs"] == kept);
  CHECK(History(h.sup, R"({"cmd":"history","job":"bad"})")["error"]["code"] == "unknown_job");
  SUBCASE("a job added again under a removed name starts with no runs") {
    h.sup.Reload(test::ConfigFromJson(R"({"jobs": [
      {"name": "bad", "task": "exec", "command": ["sh", "-c", "exit 3"], "every": "1h",
       "start": "stopped"}]})")
                     .jobs);
    CHECK(RunCount(h.sup, "bad") == 0);
  }
}

}  // namespace
}  // namespace thr
