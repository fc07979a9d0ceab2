// The wait command through Dispatch: satisfied at once, woken by another client's command,
// timed out with the laggards named, bad requests, and ended by shutdown.
#include <doctest/doctest.h>

#include <thread>

#include "../supervisor_harness.h"
#include "../test_util.h"
#include "thr/server.h"
#include "thr/supervisor.h"

namespace thr {
namespace {

// A supervisor running jobs "a" (running) and "b" (paused), quietly.
struct Harness : test::RunningSupervisor {
  Harness() : RunningSupervisor(test::TwoJobsJson("paused")) {}
};

TEST_CASE("wait: already in the state replies ok with each job's state") {
  Harness h;
  nlohmann::json reply = Dispatch(h.sup, R"({"cmd":"wait","jobs":["b"],"state":"paused"})");
  CHECK(reply["ok"] == true);
  CHECK(reply["jobs"] == nlohmann::json::parse(R"([{"name":"b","state":"paused"}])"));
}

TEST_CASE("wait: woken by a command from another thread") {
  Harness h;
  nlohmann::json reply;
  std::thread waiter(
      [&] { reply = Dispatch(h.sup, R"({"cmd":"wait","jobs":["a","b"],"state":"stopped"})"); });
  h.sup.Apply(Control::kStop, {"a"}, false);
  h.sup.Apply(Control::kStop, {"b"}, false);
  waiter.join();
  CHECK(reply["ok"] == true);
  CHECK(reply["jobs"][0]["state"] == "stopped");
  CHECK(reply["jobs"][1]["state"] == "stopped");
}

TEST_CASE("wait: a timeout names the jobs not in the state") {
  Harness h;
  nlohmann::json reply =
      Dispatch(h.sup, R"({"cmd":"wait","jobs":["a","b"],"state":"paused","timeout_ms":20})");
  CHECK(reply["ok"] == false);
  CHECK(reply["error"]["code"] == "timeout");
  CHECK(reply["error"]["message"].get<std::string>().find("a is running") != std::string::npos);
  CHECK(reply["error"]["message"].get<std::string>().find("b is") == std::string::npos);
}

TEST_CASE("wait: bad requests and unknown jobs") {
  Harness h;
  CHECK(Dispatch(h.sup, R"({"cmd":"wait","state":"paused"})")["error"]["code"] == "bad_request");
  CHECK(Dispatch(h.sup, R"({"cmd":"wait","jobs":["a"],"state":"asleep"})")["error"]["code"] ==
        "bad_request");
  CHECK(Dispatch(
            h.sup,
            R"({"cmd":"wait","jobs":["a"],"state":"paused","timeout_ms":-1})")["error"]["code"] ==
        "bad_request");
  CHECK(Dispatch(h.sup, R"({"cmd":"wait","jobs":["nope"],"state":"paused"})")["error"]["code"] ==
        "unknown_job");
}

TEST_CASE("wait: shutdown ends a wait with no timeout") {
  Harness h;
  nlohmann::json reply;
  std::thread waiter(
      [&] { reply = Dispatch(h.sup, R"({"cmd":"wait","jobs":["a"],"state":"failed"})"); });
  h.sup.Shutdown();
  waiter.join();
  CHECK(reply["ok"] == false);
  CHECK(reply["error"]["code"] == "unavailable");
}

}  // namespace
}  // namespace thr
