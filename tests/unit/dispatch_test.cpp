// The Dispatch() chokepoint: decode, the command table, access, the handler, the audit.
#include "thr/dispatch.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "supervisor_harness.h"
#include "test_util.h"
#include "thr/access.h"
#include "thr/client.h"
#include "thr/supervisor.h"
#include "thr/version.h"

namespace thr {
namespace {

// A supervisor running jobs "a" (running) and "b" (stopped), quietly.
struct SupervisorHarness : test::RunningSupervisor {
  SupervisorHarness() : RunningSupervisor(test::TwoJobsJson("stopped")) {}
};

TEST_CASE("Dispatch: answers invalid JSON with bad_request") {
  SupervisorHarness h;
  nlohmann::json reply = Dispatch(h.sup, "{not json");
  CHECK(reply["ok"] == false);
  CHECK(reply["error"]["code"] == "bad_request");
  CHECK(reply["error"]["message"].is_string());
}

TEST_CASE("Dispatch: answers an unknown command with unknown_command") {
  SupervisorHarness h;
  nlohmann::json reply = Dispatch(h.sup, R"({"cmd":"frob"})");
  CHECK(reply["ok"] == false);
  CHECK(reply["error"]["code"] == "unknown_command");
  CHECK(reply["error"]["message"] == "unknown command: frob");
}

TEST_CASE("Dispatch: echoes the request id") {
  SupervisorHarness h;
  SUBCASE("on success") {
    nlohmann::json reply = Dispatch(h.sup, R"({"cmd":"ping","id":"abc"})");
    CHECK(reply["ok"] == true);
    CHECK(reply["id"] == "abc");
  }
  SUBCASE("on an unknown command") {
    CHECK(Dispatch(h.sup, R"({"cmd":"frob","id":7})")["id"] == 7);
  }
  SUBCASE("on a failed command") {
    CHECK(Dispatch(h.sup, R"({"cmd":"pause","jobs":["nope"],"id":[1]})")["id"] ==
          nlohmann::json::array({1}));
  }
  SUBCASE("not when there is none") {
    CHECK_FALSE(Dispatch(h.sup, R"({"cmd":"ping"})").contains("id"));
  }
}

TEST_CASE("Dispatch: answers ping with the version and pid") {
  SupervisorHarness h;
  nlohmann::json reply = Dispatch(h.sup, R"({"cmd":"ping"})");
  CHECK(reply["ok"] == true);
  CHECK(reply["version"] == kVersion);
  CHECK(reply["pid"] == ::getpid());
}

TEST_CASE("Dispatch: answers status with every job and the contract's fields") {
  SupervisorHarness h;
  nlohmann::json reply = Dispatch(h.sup, R"({"cmd":"status"})");
  CHECK(reply["ok"] == true);
  REQUIRE(reply["jobs"].is_array());
  REQUIRE(reply["jobs"].size() == 2);
  const nlohmann::json& a = reply["jobs"][0];
  for (const std::string field :
       {"name", "task", "state", "runs", "failures", "missed", "last_run", "next_run", "pid"}) {
    CAPTURE(field);
    CHECK(a.contains(field));
  }
  CHECK(a["name"] == "a");
  CHECK(a["task"] == "timestamp");
  CHECK(a["state"] == "running");
  CHECK(a["pid"].is_null());
  CHECK(reply["jobs"][1]["state"] == "stopped");
  CHECK(reply["jobs"][1]["next_run"].is_null());

  SUBCASE("of an unknown job") {
    nlohmann::json unknown = Dispatch(h.sup, R"({"cmd":"status","jobs":["nope"]})");
    CHECK(unknown["ok"] == false);
    CHECK(unknown["error"]["code"] == "unknown_job");
  }
}

TEST_CASE("Dispatch: of pause names each job's result") {
  SupervisorHarness h;
  SUBCASE("an unknown job") {
    nlohmann::json reply = Dispatch(h.sup, R"({"cmd":"pause","jobs":["nope"]})");
    CHECK(reply["ok"] == false);
    CHECK(reply["error"]["code"] == "unknown_job");
    CHECK(reply["error"]["message"] == "no job named 'nope'");
    REQUIRE(reply["jobs"].size() == 1);
    CHECK(reply["jobs"][0]["name"] == "nope");
    CHECK(reply["jobs"][0]["ok"] == false);
    CHECK(reply["jobs"][0]["error"]["code"] == "unknown_job");
  }
  SUBCASE("a known and an unknown job: the known one is paused") {
    nlohmann::json reply = Dispatch(h.sup, R"({"cmd":"pause","jobs":["a","nope"]})");
    CHECK(reply["ok"] == false);
    REQUIRE(reply["jobs"].size() == 2);
    CHECK(reply["jobs"][0] ==
          nlohmann::json{{"name", "a"}, {"ok", true}, {"state", "paused"}, {"changed", true}});
    CHECK(Dispatch(h.sup, R"({"cmd":"status","jobs":["a"]})")["jobs"][0]["state"] == "paused");
  }
  SUBCASE("a refused transition") {
    nlohmann::json reply = Dispatch(h.sup, R"({"cmd":"pause","jobs":["b"]})");
    CHECK(reply["ok"] == false);
    CHECK(reply["error"]["code"] == "refused");
    CHECK(reply["error"]["message"] == "job b is stopped; use start");
  }
  SUBCASE("neither jobs nor all is a bad request") {
    CHECK(Dispatch(h.sup, R"({"cmd":"pause"})")["error"]["code"] == "bad_request");
    CHECK(Dispatch(h.sup, R"({"cmd":"pause","jobs":["a"],"all":true})")["error"]["code"] ==
          "bad_request");
  }
}

TEST_CASE("Dispatch: checks the peer's access before the handler runs, and audits") {
  // Before the supervisor's threads start; it ends after they are joined.
  test::CaptureLogs logs;
  Supervisor sup{DefaultClock(), nullptr};
  sup.Start(test::ConfigFromJson(test::TwoJobsJson("stopped")));
  Allow allow;
  allow.read.users = {"4242"};
  allow.read.uids = {4242};
  allow.control.groups = {"4343"};
  allow.control.gids = {4343};
  AccessControl access;
  access.Set(std::make_shared<const AccessPolicy>(allow, "/etc/thrd/thrd.json", ::geteuid()));
  CommandContext ctx{sup};
  ctx.access = &access;
  auto state_of_a = [&sup] {
    return Dispatch(sup, R"({"cmd":"status","jobs":["a"]})")["jobs"][0]["state"];
  };

  SUBCASE("a reader may look but not pause; the job is untouched") {
    ctx.peer = Peer{4242, 4242, 777, {}};
    CHECK(Dispatch(ctx, R"({"cmd":"status"})")["ok"] == true);
    CHECK(Dispatch(ctx, R"({"cmd":"ping"})")["ok"] == true);
    nlohmann::json reply = Dispatch(ctx, R"({"cmd":"pause","jobs":["a"],"id":9})");
    CHECK(reply["ok"] == false);
    CHECK(reply["id"] == 9);
    CHECK(reply["error"]["code"] == "permission_denied");
    const std::string message = reply["error"]["message"];
    CHECK(message.find("may not run pause, which needs control access") != std::string::npos);
    CHECK(message.find("\"allow\": {\"control\": ...} in /etc/thrd/thrd.json") !=
          std::string::npos);
    CHECK_FALSE(reply.contains("jobs"));  // no handler ran
    CHECK(state_of_a() == "running");
    const std::string log = logs.text();
    CHECK(log.find("warning audit: uid=4242") != std::string::npos);
    CHECK(log.find(" pid=777 cmd=pause jobs=a result=permission_denied\n") != std::string::npos);
    CHECK(log.find("cmd=status") == std::string::npos);  // allowed reads are not audited
  }
  SUBCASE("past kLoudRefusals on one connection, refusals are audited at debug") {
    ctx.peer = Peer{4545, 4545, 778, {}};
    for (size_t i = 0; i < kLoudRefusals + 5; ++i) {
      CHECK(Dispatch(ctx, R"({"cmd":"pause","jobs":["a"]})")["error"]["code"] ==
            "permission_denied");
    }
    const std::string log = logs.text();
    size_t warned = 0, debugged = 0;
    for (size_t at = 0; (at = log.find("audit: uid=4545", at)) != std::string::npos; ++at) {
      size_t line_start = log.rfind('\n', at);
      line_start = line_start == std::string::npos ? 0 : line_start + 1;
      if (log.compare(line_start, 8, "warning ") == 0) ++warned;
      if (log.compare(line_start, 6, "debug ") == 0) ++debugged;
    }
    CHECK(warned == kLoudRefusals + 1);  // each loud refusal, and the line saying so
    CHECK(debugged == 5);
    CHECK(log.find("refused on one connection; its further refusals are logged at debug") !=
          std::string::npos);
  }
  SUBCASE("a stranger may not even look") {
    ctx.peer = Peer{4444, 4444, 778, {4444}};
    nlohmann::json reply = Dispatch(ctx, R"({"cmd":"status"})");
    CHECK(reply["error"]["code"] == "permission_denied");
    CHECK(reply["error"]["message"].get<std::string>().find("needs read access") !=
          std::string::npos);
    CHECK(logs.text().find(" pid=778 cmd=status jobs=- result=permission_denied") !=
          std::string::npos);
  }
  SUBCASE("a member of the control group (a supplementary gid) may pause; audited at info") {
    ctx.peer = Peer{4444, 4444, 779, {4444, 4343}};
    CHECK(Dispatch(ctx, R"({"cmd":"pause","jobs":["a"]})")["ok"] == true);
    CHECK(state_of_a() == "paused");
    CHECK(logs.text().find(" pid=779 cmd=pause jobs=a result=ok\n") != std::string::npos);
  }
  SUBCASE("a reload's new policy applies to the next request") {
    ctx.peer = Peer{4242, 4242, 780, {}};
    CHECK(Dispatch(ctx, R"({"cmd":"resume","jobs":["a"]})")["error"]["code"] ==
          "permission_denied");
    allow.control.users = {"4242"};
    allow.control.uids = {4242};
    access.Set(std::make_shared<const AccessPolicy>(allow, "/etc/thrd/thrd.json", ::geteuid()));
    CHECK(Dispatch(ctx, R"({"cmd":"resume","jobs":["a"]})")["ok"] == true);
  }
  SUBCASE("no peer: a request from inside thrd, taken for thrd's own user") {
    ctx.peer.reset();
    CHECK(Dispatch(ctx, R"({"cmd":"pause","jobs":["a"]})")["ok"] == true);
  }
}

TEST_CASE("Dispatch: of logs returns the job's lines") {
  SupervisorHarness h;
  REQUIRE(test::WaitUntil([&] { return h.sup.Find("a")->log().total() >= 1; }));
  nlohmann::json reply = Dispatch(h.sup, R"({"cmd":"logs","job":"a","lines":5})");
  CHECK(reply["ok"] == true);
  REQUIRE(reply["lines"].is_array());
  CHECK(reply["lines"].size() >= 1);
  CHECK(Dispatch(h.sup, R"({"cmd":"logs","job":"nope"})")["error"]["code"] == "unknown_job");
  CHECK(Dispatch(h.sup, R"({"cmd":"logs"})")["error"]["code"] == "bad_request");
}

TEST_CASE("Dispatch: of reload without a reloader is refused") {
  SupervisorHarness h;
  nlohmann::json reply = Dispatch(h.sup, R"({"cmd":"reload"})");
  CHECK(reply["ok"] == false);
  CHECK(reply["error"]["code"] == "refused");
  std::vector<JobInfo> infos;
  REQUIRE(h.sup.Snapshot({}, &infos).ok());
  CHECK(infos.size() == 2);
}

}  // namespace
}  // namespace thr
