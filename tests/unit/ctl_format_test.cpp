// What thrctl prints for people: golden tests of the status table and of `show`, on a fixed
// clock and without colour, so every character is pinned down.
#include "thr/ctl_format.h"

#include <doctest/doctest.h>

#include <string>

#include "thr/iso_time.h"

namespace thr {
namespace {

const WallClock::time_point kNow = *ParseIsoUtc("2026-11-26T07:30:00.000Z");
const FormatOptions kPlain{kNow, false, false};

nlohmann::json Job(const std::string& name, const std::string& task, const std::string& state) {
  return {{"name", name},
          {"task", task},
          {"state", state},
          {"every", "1s"},
          {"runs", 0},
          {"failures", 0},
          {"missed", 0},
          {"last_run", nullptr},
          {"next_run", nullptr},
          {"pid", nullptr},
          {"thread_id", nullptr},
          {"frozen", false},
          {"last_error", nullptr}};
}

nlohmann::json StatusReply() {
  nlohmann::json tick = Job("tick", "timestamp", "running");
  tick["runs"] = 12;
  tick["missed"] = 1;
  tick["last_run"] = "2026-11-26T07:29:30.000Z";
  tick["next_run"] = "2026-11-26T07:31:00.000Z";
  tick["thread_id"] = 4242;
  nlohmann::json sync = Job("a-very-long-job-name-indeed", "exec", "failed");
  sync["runs"] = 7;
  sync["failures"] = 7;
  sync["last_run"] = "2026-11-26T05:59:00.000Z";
  sync["last_error"] =
      "exit status 23: rsync: change_dir \"/src\" failed: No such file or directory (2)";
  nlohmann::json web = Job("web", "exec", "paused");
  web["last_run"] = "2026-11-24T07:00:00.000Z";
  return {{"ok", true}, {"jobs", {tick, sync, web, Job("old", "exec", "stopped")}}};
}

TEST_CASE("CtlFormat: the status table, golden") {
  // The long name is cut at 20 characters; the error gets what is left of 100 columns.
  const std::string want =
      "NAME                  TASK       STATE    RUNS  FAILED  MISSED  LAST       NEXT   ERROR\n"
      "tick                  timestamp  running  12    0       1       30s ago    in 1m  -\n"
      "a-very-long-job-nam…  exec       failed   7     7       0       1h31m ago  -      "
      "exit status 23: r…\n"
      "web                   exec       paused   0     0       0       2d ago     -      -\n"
      "old                   exec       stopped  0     0       0       -          -      -\n";
  CHECK(FormatStatus(StatusReply(), kPlain) == want);
}

TEST_CASE("CtlFormat: the status table fits 100 columns when names are short") {
  std::string table = FormatStatus(StatusReply(), kPlain);
  size_t start = 0;
  while (start < table.size()) {
    size_t end = table.find('\n', start);
    std::string line = table.substr(start, end - start);
    size_t columns = 0;
    for (char c : line) columns += (c & 0xC0) != 0x80;
    CAPTURE(line);
    CHECK(columns <= 100);
    start = end + 1;
  }
}

TEST_CASE("CtlFormat: an empty or malformed reply gives just the header") {
  const std::string header = "NAME  TASK  STATE  RUNS  FAILED  MISSED  LAST  NEXT  ERROR\n";
  CHECK(FormatStatus({{"ok", true}, {"jobs", nlohmann::json::array()}}, kPlain) == header);
  CHECK(FormatStatus({{"ok", true}, {"jobs", "nonsense"}}, kPlain) == header);
  CHECK(FormatStatus(nlohmann::json::array(), kPlain) == header);
}

TEST_CASE("CtlFormat: colour only when asked, on the state alone") {
  nlohmann::json reply = StatusReply();
  std::string plain = FormatStatus(reply, kPlain);
  std::string colored = FormatStatus(reply, {kNow, true});
  CHECK(plain.find('\x1b') == std::string::npos);
  CHECK(colored.find("\x1b[32mrunning\x1b[0m  ") != std::string::npos);
  CHECK(colored.find("\x1b[31mfailed\x1b[0m   ") != std::string::npos);
  CHECK(colored.find("\x1b[33mpaused\x1b[0m   ") != std::string::npos);
  CHECK(colored.find("\x1b[2mstopped\x1b[0m  ") != std::string::npos);
  CHECK(colored.find("\x1b[", 0) > colored.find('\n'));  // never in the header
  // Without the escape codes the two are the same text: colour never shifts a column.
  std::string stripped;
  for (size_t i = 0; i < colored.size(); ++i) {
    if (colored[i] == '\x1b') {
      i = colored.find('m', i);
      continue;
    }
    stripped += colored[i];
  }
  CHECK(stripped == plain);
  CHECK(FormatShow(reply, kPlain).find('\x1b') == std::string::npos);
  CHECK(FormatShow(reply, {kNow, true}).find("tick: \x1b[32mrunning\x1b[0m\n") !=
        std::string::npos);
}

TEST_CASE("CtlFormat: ColorWanted needs a tty and no NO_COLOR (any non-empty value)") {
  CHECK(ColorWanted(true, nullptr));
  CHECK(ColorWanted(true, ""));
  CHECK_FALSE(ColorWanted(true, "1"));
  CHECK_FALSE(ColorWanted(true, "0"));  // no-color.org: any non-empty value, even "0"
  CHECK_FALSE(ColorWanted(false, nullptr));
  CHECK_FALSE(ColorWanted(false, "1"));
}

TEST_CASE("CtlFormat: show of a timestamp job, golden") {
  nlohmann::json tick = Job("tick", "timestamp", "running");
  tick["runs"] = 12;
  tick["missed"] = 1;
  tick["last_run"] = "2026-11-26T07:29:59.000Z";
  tick["next_run"] = "2026-11-26T07:30:00.250Z";
  tick["thread_id"] = 4242;
  tick["settings"] = {{"task", "timestamp"},      {"every", "1s"},
                      {"format", nullptr},        {"command", nullptr},
                      {"cwd", nullptr},           {"env", nullptr},
                      {"timeout", nullptr},       {"user", nullptr},
                      {"group", nullptr},         {"umask", nullptr},
                      {"success_codes", nullptr}, {"stop_signal", "SIGTERM"},
                      {"stop_timeout", "10s"},    {"start", "running"},
                      {"log_lines", 1000}};
  tick["log"] = {"1795685257", "1795685258"};
  CHECK(FormatShow({{"ok", true}, {"jobs", {tick}}}, kPlain) ==
        "tick: running\n"
        "  task           timestamp\n"
        "  every          1s\n"
        "  stop_signal    SIGTERM\n"
        "  stop_timeout   10s\n"
        "  start          running\n"
        "  log_lines      1000\n"
        "  last run       2026-11-26T07:29:59.000Z (1s ago)\n"
        "  next run       2026-11-26T07:30:00.250Z (in 250ms)\n"
        "  runs           12 (0 failed, 1 missed)\n"
        "  last error     -\n"
        "  pid            -\n"
        "  thread id      4242\n"
        "  frozen         no\n"
        "  log (last 2 lines):\n"
        "    1795685257\n"
        "    1795685258\n");
}

TEST_CASE("CtlFormat: show of an exec job in a run, and of a second job, golden") {
  nlohmann::json sync = Job("sync", "exec", "paused");
  sync["runs"] = 3;
  sync["failures"] = 1;
  sync["last_run"] = "2026-11-26T07:25:00.000Z";
  sync["pid"] = 777;
  sync["thread_id"] = 4243;
  sync["frozen"] = true;
  sync["last_error"] = "job sync: run timed out after 2m";
  sync["settings"] = {{"task", "exec"},
                      {"every", "5m"},
                      {"format", nullptr},
                      {"command", {"rsync", "-a", "/src dir/", "it's"}},
                      {"cwd", "/srv"},
                      {"env", {{"LANG", "C"}, {"MSG", "a b"}}},
                      {"timeout", "2m"},
                      {"user", "backup"},
                      {"group", nullptr},
                      {"umask", "0022"},
                      {"success_codes", {0, 24}},
                      {"stop_signal", "SIGINT"},
                      {"stop_timeout", "30s"},
                      {"start", "paused"},
                      {"log_lines", 500}};
  sync["log"] = nlohmann::json::array();
  nlohmann::json shell = Job("sh", "exec", "stopped");
  shell["settings"] = {{"task", "exec"}, {"command", "echo hi | tr a-z A-Z"}};
  CHECK(FormatShow({{"ok", true}, {"jobs", {sync, shell}}}, kPlain) ==
        "sync: paused\n"
        "  task           exec\n"
        "  every          5m\n"
        "  command        rsync -a '/src dir/' 'it'\\''s'\n"
        "  cwd            /srv\n"
        "  env            LANG=C 'MSG=a b'\n"
        "  user           backup\n"
        "  umask          0022\n"
        "  timeout        2m\n"
        "  success_codes  0 24\n"
        "  stop_signal    SIGINT\n"
        "  stop_timeout   30s\n"
        "  start          paused\n"
        "  log_lines      500\n"
        "  last run       2026-11-26T07:25:00.000Z (5m ago)\n"
        "  next run       -\n"
        "  runs           3 (1 failed, 0 missed)\n"
        "  last error     job sync: run timed out after 2m\n"
        "  pid            777\n"
        "  thread id      4243\n"
        "  frozen         yes\n"
        "  log: no lines\n"
        "\n"
        "sh: stopped\n"
        "  task           exec\n"
        "  command        /bin/sh -c 'echo hi | tr a-z A-Z'\n"
        "  last run       -\n"
        "  next run       -\n"
        "  runs           0 (0 failed, 0 missed)\n"
        "  last error     -\n"
        "  pid            -\n"
        "  thread id      -\n"
        "  frozen         no\n"
        "  log: no lines\n");
}

TEST_CASE("CtlFormat: show never throws on a reply of the wrong shape") {
  for (const nlohmann::json& reply :
       {nlohmann::json(nullptr), nlohmann::json{{"jobs", {1, "x", nullptr}}},
        nlohmann::json{{"jobs", {{{"name", 3}, {"settings", "x"}, {"log", {1, nullptr}}}}}}}) {
    CAPTURE(reply.dump());
    CHECK_NOTHROW(FormatShow(reply, kPlain));
    CHECK_NOTHROW(FormatStatus(reply, kPlain));
  }
}

TEST_CASE("CtlFormat: Relative rounds to what a person needs") {
  auto at = [](const char* iso) { return Relative(iso, kNow); };
  CHECK(Relative(nullptr, kNow) == "-");
  CHECK(at("garbage") == "?");
  CHECK(at("2026-11-26T07:30:00.000Z") == "now");
  CHECK(at("2026-11-26T07:29:59.750Z") == "250ms ago");
  CHECK(at("2026-11-26T07:30:02.900Z") == "in 2s");
  CHECK(at("2026-11-26T07:28:29.000Z") == "1m31s ago");
  CHECK(at("2026-11-26T05:59:59.000Z") == "1h30m ago");
  CHECK(at("2026-11-28T09:45:00.000Z") == "in 2d2h");
}

TEST_CASE("CtlFormat: Shorten cuts visibly, on whole characters, and keeps one line") {
  CHECK(Shorten("short", 20) == "short");
  CHECK(Shorten("exactly-twenty-chars", 20) == "exactly-twenty-chars");
  CHECK(Shorten("twenty-one-characters", 20) == "twenty-one-characte\u2026");
  CHECK(Shorten("h\u00e9h\u00e9h\u00e9", 4) == "h\u00e9h\u2026");  // é is two bytes
  CHECK(Shorten("a\nb\tc\x1b[31m", 100) == "a b c [31m");
  CHECK(Shorten("abc", 1) == "\u2026");
  CHECK(Shorten("abc", 0).empty());
}

TEST_CASE("CtlFormat: a service in status and show, golden") {
  nlohmann::json web = Job("web", "exec", "running");
  web["every"] = nullptr;
  web["service"] = true;
  web["runs"] = 3;
  web["failures"] = 3;
  web["next_run"] = "2026-11-26T07:30:04.000Z";
  web["last_error"] = "exit status 3";
  web["failure_streak"] = 3;
  web["restarts"] = 3;
  web["started"] = nullptr;
  web["uptime_ms"] = nullptr;
  web["settings"] = {{"task", "exec"},          {"every", nullptr},
                     {"command", {"srv"}},      {"restart", "always"},
                     {"backoff", "1s"},         {"backoff_max", "1m"},
                     {"healthy_after", "10s"},  {"max_restarts", 5},
                     {"max_failures", nullptr}, {"on_failure", {"page", "ops"}},
                     {"hook_timeout", "30s"}};
  web["log"] = nlohmann::json::array();
  nlohmann::json reply = {{"ok", true}, {"jobs", {web}}};
  CHECK(FormatStatus(reply, kPlain) ==
        "NAME  TASK     STATE    RUNS  FAILED  MISSED  LAST  NEXT   ERROR\n"
        "web   service  running  3     3       0       -     in 4s  exit status 3\n");
  CHECK(FormatShow(reply, kPlain) ==
        "web: running\n"
        "  task           exec\n"
        "  command        srv\n"
        "  restart        always\n"
        "  backoff        1s\n"
        "  backoff_max    1m\n"
        "  healthy_after  10s\n"
        "  max_restarts   5\n"
        "  on_failure     page ops\n"
        "  hook_timeout   30s\n"
        "  last run       -\n"
        "  next run       2026-11-26T07:30:04.000Z (in 4s)\n"
        "  runs           3 (3 failed, 0 missed)\n"
        "  last error     exit status 3\n"
        "  failure streak 3\n"
        "  restarts       3\n"
        "  started        -\n"
        "  uptime         -\n"
        "  pid            -\n"
        "  thread id      -\n"
        "  frozen         no\n"
        "  log: no lines\n");
  web["uptime_ms"] = 90'500;
  web["started"] = "2026-11-26T07:28:29.500Z";
  std::string shown = FormatShow({{"ok", true}, {"jobs", {web}}}, kPlain);
  CHECK(shown.find("  uptime         1m30s\n") != std::string::npos);
  CHECK(shown.find("  started        2026-11-26T07:28:29.500Z (1m30s ago)\n") != std::string::npos);
}

}  // namespace
}  // namespace thr
