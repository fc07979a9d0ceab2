// The show command as thrd answers it: status fields plus settings and recent output lines,
// and per-name errors for unknown jobs.
#include <doctest/doctest.h>

#include <string>

#include "../test_util.h"
#include "thr/server.h"
#include "thr/supervisor.h"

namespace thr {
namespace {

struct Harness {
  Harness() {
    Config config;
    REQUIRE(ParseConfig(R"({"jobs": [
      {"name": "a", "task": "timestamp", "every": "10s"},
      {"name": "b", "task": "exec", "command": ["sh", "-c", "echo hi"], "every": "1h",
       "start": "stopped", "cwd": "/", "timeout": "2m", "umask": "022",
       "success_codes": [0, 3], "stop_signal": "SIGINT"}]})",
                        "t.json", &config)
                .ok());
    sup.Start(config);
  }
  test::QuietLogs quiet;
  Supervisor sup{DefaultClock(), nullptr};
};

TEST_CASE("Show: a job's status fields, settings and last output lines") {
  Harness h;
  REQUIRE(test::WaitUntil([&] { return h.sup.Find("a")->log().total() >= 1; }));
  nlohmann::json reply = Dispatch(h.sup, R"({"cmd":"show","jobs":["a"]})");
  CHECK(reply["ok"] == true);
  REQUIRE(reply["jobs"].size() == 1);
  const nlohmann::json& a = reply["jobs"][0];
  nlohmann::json status = Dispatch(h.sup, R"({"cmd":"status","jobs":["a"]})")["jobs"][0];
  for (const auto& item : status.items()) {
    std::string key = item.key();  // not a structured binding: clang 14 cannot capture those
    CAPTURE(key);
    CHECK(a.contains(key));  // every status field, built by the same code
  }
  CHECK(a["name"] == "a");
  CHECK(a["state"] == "running");
  CHECK(a["settings"]["task"] == "timestamp");
  CHECK(a["settings"]["every"] == "10s");
  CHECK(a["settings"]["command"].is_null());
  REQUIRE(a["log"].is_array());
  CHECK(a["log"].size() >= 1);
}

TEST_CASE("Show: an exec job's settings as the config writes them") {
  Harness h;
  nlohmann::json b = Dispatch(h.sup, R"({"cmd":"show","jobs":["b"]})")["jobs"][0];
  CHECK(b["settings"] == nlohmann::json{{"task", "exec"},
                                        {"every", "1h"},
                                        {"cron", nullptr},
                                        {"tz", nullptr},
                                        {"jitter", "0s"},
                                        {"catch_up", nullptr},
                                        {"format", nullptr},
                                        {"command", {"sh", "-c", "echo hi"}},
                                        {"cwd", "/"},
                                        {"env", nlohmann::json::object()},
                                        {"timeout", "2m"},
                                        {"user", nullptr},
                                        {"group", nullptr},
                                        {"umask", "0022"},
                                        {"success_codes", {0, 3}},
                                        {"stop_signal", "SIGINT"},
                                        {"stop_timeout", "10s"},
                                        {"start", "stopped"},
                                        {"log_lines", 1000},
                                        {"history", 100},
                                        {"max_failures", 0},
                                        {"restart", nullptr},
                                        {"backoff", nullptr},
                                        {"backoff_max", nullptr},
                                        {"healthy_after", nullptr},
                                        {"max_restarts", nullptr},
                                        {"restart_window", nullptr},
                                        {"on_failure", nullptr},
                                        {"hook_timeout", "30s"}});
  CHECK(b["log"] == nlohmann::json::array());
}

TEST_CASE("Show: a service's settings and status fields") {
  test::QuietLogs quiet;
  Supervisor sup{DefaultClock(), nullptr};
  Config config;
  REQUIRE(ParseConfig(R"({"jobs": [
      {"name": "web", "task": "exec", "command": ["sleep", "60"], "start": "stopped",
       "restart": "on-failure", "max_restarts": 3, "restart_window": "5m",
       "on_failure": "echo failed"}]})",
                      "t.json", &config)
              .ok());
  sup.Start(config);
  nlohmann::json web = Dispatch(sup, R"({"cmd":"show","jobs":["web"]})")["jobs"][0];
  CHECK(web["service"] == true);
  CHECK(web["every"].is_null());
  CHECK(web["restarts"] == 0);
  CHECK(web["failure_streak"] == 0);
  CHECK(web["started"].is_null());
  CHECK(web["uptime_ms"].is_null());
  const nlohmann::json& s = web["settings"];
  CHECK(s["every"].is_null());
  CHECK(s["max_failures"].is_null());
  CHECK(s["restart"] == "on-failure");
  CHECK(s["backoff"] == "1s");
  CHECK(s["backoff_max"] == "1m");
  CHECK(s["healthy_after"] == "10s");
  CHECK(s["max_restarts"] == 3);
  CHECK(s["restart_window"] == "5m");
  CHECK(s["on_failure"] == "echo failed");
  CHECK(s["hook_timeout"] == "30s");
}

TEST_CASE("Show: lines bounds the output lines; every job when none is named") {
  Harness h;
  REQUIRE(test::WaitUntil([&] { return h.sup.Find("a")->log().total() >= 1; }));
  CHECK(Dispatch(h.sup, R"({"cmd":"show","jobs":["a"],"lines":0})")["jobs"][0]["log"] ==
        nlohmann::json::array());
  nlohmann::json all = Dispatch(h.sup, R"({"cmd":"show"})");
  REQUIRE(all["jobs"].size() == 2);
  CHECK(all["jobs"][1]["name"] == "b");
  CHECK(Dispatch(h.sup, R"({"cmd":"show","lines":-1})")["error"]["code"] == "bad_request");
  CHECK(Dispatch(h.sup, R"({"cmd":"show","jobs":"a"})")["error"]["code"] == "bad_request");
}

TEST_CASE("Show: unknown names are each reported; the known ones are shown") {
  Harness h;
  nlohmann::json reply = Dispatch(h.sup, R"({"cmd":"show","jobs":["x","a","y"]})");
  CHECK(reply["ok"] == false);
  CHECK(reply["error"]["code"] == "unknown_job");
  CHECK(reply["error"]["message"] == "no job named 'x'; no job named 'y'");
  REQUIRE(reply["jobs"].size() == 1);
  CHECK(reply["jobs"][0]["name"] == "a");
}

}  // namespace
}  // namespace thr
