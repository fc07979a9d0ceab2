// thrctl's side after argument parsing: the request it sends and what it prints.
#include "thr/ctl.h"

#include <doctest/doctest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"
#include "thr/iso_time.h"

namespace thr {
namespace {

CtlOptions Command(const std::string& command, std::vector<std::string> jobs = {}) {
  CtlOptions options;
  options.command = command;
  options.jobs = std::move(jobs);
  return options;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The whitespace-separated words of `line`.
std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

TEST_CASE("Ctl: BuildRequest gives each command's request shape") {
  SUBCASE("status of every job") {
    CHECK(BuildRequest(Command("status")) == nlohmann::json{{"cmd", "status"}});
  }
  SUBCASE("status of named jobs") {
    CHECK(BuildRequest(Command("status", {"a", "b"})) ==
          nlohmann::json{{"cmd", "status"}, {"jobs", {"a", "b"}}});
  }
  SUBCASE("a control command on named jobs") {
    for (const std::string command : {"pause", "resume", "stop", "kill", "start", "restart"}) {
      CAPTURE(command);
      CHECK(BuildRequest(Command(command, {"sync"})) ==
            nlohmann::json{{"cmd", command}, {"jobs", {"sync"}}});
    }
  }
  SUBCASE("--all instead of names") {
    CtlOptions options = Command("stop");
    options.all = true;
    CHECK(BuildRequest(options) == nlohmann::json{{"cmd", "stop"}, {"all", true}});
  }
  SUBCASE("pause --freeze") {
    CtlOptions options = Command("pause", {"sync"});
    options.freeze = true;
    CHECK(BuildRequest(options) ==
          nlohmann::json{{"cmd", "pause"}, {"jobs", {"sync"}}, {"freeze", true}});
  }
  SUBCASE("logs with -n") {
    CtlOptions options = Command("logs", {"tick"});
    options.lines = 5;
    CHECK(BuildRequest(options) == nlohmann::json{{"cmd", "logs"}, {"job", "tick"}, {"lines", 5}});
  }
  SUBCASE("logs without -n") {
    CHECK(BuildRequest(Command("logs", {"tick"})) ==
          nlohmann::json{{"cmd", "logs"}, {"job", "tick"}});
  }
  SUBCASE("show with and without -n") {
    CHECK(BuildRequest(Command("show", {"a", "b"})) ==
          nlohmann::json{{"cmd", "show"}, {"jobs", {"a", "b"}}});
    CtlOptions options = Command("show", {"a"});
    options.lines = 3;
    CHECK(BuildRequest(options) == nlohmann::json{{"cmd", "show"}, {"jobs", {"a"}}, {"lines", 3}});
  }
  SUBCASE("history with and without -n: one job, as logs") {
    CHECK(BuildRequest(Command("history", {"alt"})) ==
          nlohmann::json{{"cmd", "history"}, {"job", "alt"}});
    CtlOptions options = Command("history", {"alt"});
    options.lines = 4;
    CHECK(BuildRequest(options) ==
          nlohmann::json{{"cmd", "history"}, {"job", "alt"}, {"lines", 4}});
  }
  SUBCASE("ping") { CHECK(BuildRequest(Command("ping")) == nlohmann::json{{"cmd", "ping"}}); }
}

TEST_CASE("Ctl: stop, kill and restart wait for jobs; the others answer at once") {
  for (const std::string command : {"stop", "kill", "restart"}) {
    CAPTURE(command);
    CHECK(WaitsForJobs(command));
  }
  for (const std::string command : {"pause", "resume", "start", "status", "show", "logs", "ping"}) {
    CAPTURE(command);
    CHECK_FALSE(WaitsForJobs(command));
  }
}

TEST_CASE("Ctl: status and show replies print through ctl_format on the given clock") {
  auto now = *ParseIsoUtc("2026-11-26T07:30:00.000Z");
  nlohmann::json reply = {{"ok", true},
                          {"jobs",
                           {{{"name", "tick"},
                             {"task", "timestamp"},
                             {"state", "running"},
                             {"runs", 12},
                             {"failures", 0},
                             {"missed", 1},
                             {"last_run", "2026-11-26T07:29:30.000Z"},
                             {"next_run", "2026-11-26T07:31:00.000Z"},
                             {"pid", nullptr},
                             {"last_error", nullptr}}}}};
  for (bool color : {false, true}) {
    CAPTURE(color);
    FormatOptions options{now, color, false};
    test::TmpFile out, err;
    PrintReply("status", reply, options, out.get(), err.get());
    CHECK(out.Contents() == FormatStatus(reply, options));
    CHECK(err.Contents().empty());
    test::TmpFile show_out, show_err;
    PrintReply("show", reply, options, show_out.get(), show_err.get());
    CHECK(show_out.Contents() == FormatShow(reply, options));
    CHECK(show_err.Contents().empty());
  }
  // Without options: the current time and no colour, ever.
  test::TmpFile out, err;
  PrintReply("status", reply, out.get(), err.get());
  std::vector<std::string> lines = Lines(out.Contents());
  REQUIRE(lines.size() == 2);
  CHECK(Words(lines[0]) == std::vector<std::string>{"NAME", "TASK", "STATE", "RUNS", "FAILED",
                                                    "MISSED", "LAST", "NEXT", "ERROR"});
  CHECK(out.Contents().find('\x1b') == std::string::npos);
}

TEST_CASE("Ctl: a control reply prints each job, saying already for a no-op") {
  nlohmann::json reply = {
      {"ok", true},
      {"jobs",
       {{{"name", "a"}, {"ok", true}, {"state", "paused"}, {"changed", true}},
        {{"name", "b"}, {"ok", true}, {"state", "paused"}, {"changed", false}}}}};
  test::TmpFile out, err;
  PrintReply("pause", reply, out.get(), err.get());
  CHECK(out.Contents() == "a: paused\nb: already paused\n");
  CHECK(err.Contents().empty());
}

TEST_CASE("Ctl: a failed job in a control reply goes to the err stream") {
  nlohmann::json reply = {
      {"ok", false},
      {"error", {{"code", "unknown_job"}, {"message", "no job named 'nope'"}}},
      {"jobs",
       {{{"name", "a"}, {"ok", true}, {"state", "stopped"}, {"changed", true}},
        {{"name", "nope"},
         {"ok", false},
         {"error", {{"code", "unknown_job"}, {"message", "no job named 'nope'"}}}},
        {{"name", "c"},
         {"ok", false},
         {"error", {{"code", "refused"}, {"message", "job c is stopped; use start"}}}}}}};
  test::TmpFile out, err;
  PrintReply("stop", reply, out.get(), err.get());
  CHECK(out.Contents() == "a: stopped\n");
  CHECK(err.Contents() == "thrctl: no job named 'nope'\nthrctl: job c is stopped; use start\n");
}

TEST_CASE("Ctl: logs and ping replies print for people") {
  test::TmpFile out, err;
  SUBCASE("logs prints the raw lines, oldest first") {
    PrintReply("logs", {{"ok", true}, {"job", "tick"}, {"lines", {"1", "2", "3"}}}, out.get(),
               err.get());
    CHECK(out.Contents() == "1\n2\n3\n");
  }
  SUBCASE("history prints the table; a failed reply prints nothing there") {
    nlohmann::json run = {{"started", "2026-11-27T10:00:00.000Z"},
                          {"duration_ms", 3},
                          {"result", "ok"},
                          {"exit_status", 0},
                          {"reason", nullptr},
                          {"missed", 0}};
    PrintReply("history", {{"ok", true}, {"job", "alt"}, {"history", 100}, {"runs", {run}}},
               out.get(), err.get());
    PrintReply("history", {{"ok", false}, {"error", {{"code", "unknown_job"}}}}, out.get(),
               err.get());
    CHECK(out.Contents() ==
          "START                     DURATION  RESULT  MISSED  EXIT/REASON\n"
          "2026-11-27T10:00:00.000Z  3ms       ok      0       exit status 0\n");
  }
  SUBCASE("ping names the version and pid") {
    PrintReply("ping", {{"ok", true}, {"version", "0.1.0"}, {"pid", 42}}, out.get(), err.get());
    CHECK(out.Contents() == "thrd 0.1.0 is up (pid 42)\n");
  }
  CHECK(err.Contents().empty());
}

TEST_CASE("Ctl: a reload reply prints what changed, with notes on the err stream") {
  test::TmpFile out, err;
  SUBCASE("changes, drop-ins and notes") {
    nlohmann::json reply = {
        {"ok", true},
        {"files", {"/etc/thrd/thrd.json", "/etc/thrd/thrd.d/a.json", "/etc/thrd/thrd.d/b.json"}},
        {"unchanged", {"x", "y", "z"}},
        {"changed", {"sync"}},
        {"added", {"web", "db"}},
        {"removed", {"old"}},
        {"notes", {"the socket setting changed; it takes effect at restart"}}};
    PrintReply("reload", reply, out.get(), err.get());
    CHECK(out.Contents() ==
          "reloaded /etc/thrd/thrd.json (+2 drop-ins): changed sync; added web db; removed old; "
          "3 unchanged\n");
    CHECK(err.Contents() ==
          "thrctl: note: the socket setting changed; it takes effect at restart\n");
  }
  SUBCASE("one drop-in, only an addition") {
    nlohmann::json reply = {{"ok", true},
                            {"files", {"/etc/thrd.json", "/etc/thrd.d/a.json"}},
                            {"unchanged", nlohmann::json::array()},
                            {"changed", nlohmann::json::array()},
                            {"added", {"web"}},
                            {"removed", nlohmann::json::array()},
                            {"notes", nlohmann::json::array()}};
    PrintReply("reload", reply, out.get(), err.get());
    CHECK(out.Contents() == "reloaded /etc/thrd.json (+1 drop-in): added web; 0 unchanged\n");
    CHECK(err.Contents().empty());
  }
  SUBCASE("no change") {
    nlohmann::json reply = {{"ok", true},
                            {"files", {"/etc/thrd.json"}},
                            {"unchanged", {"a", "b"}},
                            {"changed", nlohmann::json::array()},
                            {"added", nlohmann::json::array()},
                            {"removed", nlohmann::json::array()},
                            {"notes", nlohmann::json::array()}};
    PrintReply("reload", reply, out.get(), err.get());
    CHECK(out.Contents() == "reloaded /etc/thrd.json: no change (2 unchanged)\n");
    CHECK(err.Contents().empty());
  }
  SUBCASE("the embedded default: its message") {
    nlohmann::json reply = {
        {"ok", true}, {"message", "thrd runs on the embedded default config: nothing to reload"}};
    PrintReply("reload", reply, out.get(), err.get());
    CHECK(out.Contents() == "thrd runs on the embedded default config: nothing to reload\n");
    CHECK(err.Contents().empty());
  }
  SUBCASE("a refused reload prints nothing here: RunCtl prints the one error") {
    nlohmann::json reply = {
        {"ok", false},
        {"error", {{"code", "invalid_config"}, {"message", "config /x.json:3:5: syntax error"}}}};
    PrintReply("reload", reply, out.get(), err.get());
    CHECK(out.Contents().empty());
    CHECK(err.Contents().empty());
  }
  // It waits as long as stop does: a reload stops changed and removed jobs.
  CHECK(WaitsForJobs("reload"));
}

}  // namespace
}  // namespace thr
