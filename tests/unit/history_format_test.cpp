// What thrctl prints for `history` and for `show`'s recent runs: golden tests on fixed
// replies, so every character is pinned down.
#include "thr/history_format.h"

#include <doctest/doctest.h>

#include <string>

#include "thr/iso_time.h"

namespace thr {
namespace {

const WallClock::time_point kNow = *ParseIsoUtc("2026-11-27T11:00:00.000Z");

nlohmann::json RunJson(const std::string& started, int64_t ms, const std::string& result,
                       nlohmann::json exit_status, nlohmann::json reason, int missed = 0) {
  return {{"started", started},         {"duration_ms", ms}, {"result", result},
          {"exit_status", exit_status}, {"reason", reason},  {"missed", missed}};
}

nlohmann::json Runs() {
  return {RunJson("2026-11-27T10:59:50.002Z", 12, "ok", 0, nullptr),
          RunJson("2026-11-27T10:59:52.001Z", 1503, "failed", 3, "exit status 3", 1),
          RunJson("2026-11-27T10:59:54.000Z", 4, "ok", nullptr, nullptr),
          RunJson("2026-11-27T10:59:55.000Z", 60000, "interrupted", nullptr, "killed by signal 9")};
}

TEST_CASE("HistoryFormat: the history table, golden") {
  nlohmann::json reply = {{"ok", true}, {"job", "alt"}, {"history", 100}, {"runs", Runs()}};
  CHECK(FormatHistory(reply, {kNow, false, false}) ==
        "START                     DURATION  RESULT       MISSED  EXIT/REASON\n"
        "2026-11-27T10:59:50.002Z  12ms      ok           0       exit status 0\n"
        "2026-11-27T10:59:52.001Z  1s503ms   failed       1       exit status 3\n"
        "2026-11-27T10:59:54.000Z  4ms       ok           0       -\n"
        "2026-11-27T10:59:55.000Z  1m        interrupted  0       killed by signal 9\n");
}

TEST_CASE("HistoryFormat: no runs, history off, and a malformed reply say so in one line") {
  CHECK(FormatHistory({{"ok", true}, {"job", "alt"}, {"history", 100}, {"runs", {}}},
                      {kNow, false, false}) == "no runs recorded for alt\n");
  CHECK(FormatHistory({{"ok", true}, {"job", "alt"}, {"history", 0}, {"runs", {}}},
                      {kNow, false, false}) ==
        "no runs recorded for alt (its history setting is 0)\n");
  CHECK(FormatHistory(nlohmann::json::array(), {kNow, false, false}) == "no runs recorded for ?\n");
  // Fields of the wrong type print as "?" or "-", never throw.
  nlohmann::json odd = {{"runs", {{{"started", 5}, {"duration_ms", "x"}, {"missed", -3}}}}};
  CHECK(FormatHistory(odd, {kNow, false, false}) ==
        "START  DURATION  RESULT  MISSED  EXIT/REASON\n"
        "5      ?         -       0       -\n");
}

TEST_CASE("HistoryFormat: a long reason is cut to fit 100 columns; colour on the result only") {
  // json::array: with clang, {x} for a json x is a copy of x, with gcc an array of it.
  const nlohmann::json runs = nlohmann::json::array(
      {RunJson("2026-11-27T10:59:50.002Z", 12, "failed", nullptr, std::string(200, 'r'))});
  std::string plain = FormatHistory({{"runs", runs}}, {kNow, false, false});
  const std::string row = plain.substr(plain.find('\n') + 1);
  CHECK(row.size() == 100 + 2 /* the 3-byte "…" */ + 1 /* \n */);
  CHECK(row.find("\u2026\n") != std::string::npos);
  std::string colored = FormatHistory({{"runs", runs}}, {kNow, true, false});
  CHECK(colored.find("\x1b[31mfailed\x1b[0m") != std::string::npos);
  CHECK(colored.find("\x1b[", colored.find("\x1b[0m") + 4) == std::string::npos);
}

TEST_CASE("HistoryFormat: show's recent runs line from the reply's recent_runs") {
  CHECK(RecentRunsLine(Runs(), true) == "✓·✗✓!  ▁▁▁█  max 1m");
  CHECK(RecentRunsLine(Runs(), false) == "+.x+!  ___#  max 1m");
  CHECK(RecentRunsLine(nlohmann::json::array(), true) == "-");
  CHECK(RecentRunsLine(nullptr, true) == "-");
}

TEST_CASE("HistoryFormat: show prints the line under runs, in UTF-8 or ASCII, golden") {
  nlohmann::json job = {{"name", "alt"},
                        {"task", "exec"},
                        {"state", "paused"},
                        {"runs", 4},
                        {"failures", 1},
                        {"missed", 1},
                        {"last_run", "2026-11-27T10:59:55.000Z"},
                        {"next_run", nullptr},
                        {"pid", nullptr},
                        {"thread_id", 77},
                        {"frozen", false},
                        {"last_error", "exit status 3"},
                        {"settings", {{"task", "exec"}, {"every", "2s"}, {"history", 100}}},
                        {"log", nlohmann::json::array()},
                        {"recent_runs", Runs()}};
  nlohmann::json reply = {{"ok", true}, {"jobs", {job}}};
  const std::string head =
      "alt: paused\n"
      "  task           exec\n"
      "  every          2s\n"
      "  history        100\n"
      "  last run       2026-11-27T10:59:55.000Z (5s ago)\n"
      "  next run       -\n"
      "  runs           4 (1 failed, 1 missed)\n";
  const std::string tail =
      "  last error     exit status 3\n"
      "  pid            -\n"
      "  thread id      77\n"
      "  frozen         no\n"
      "  log: no lines\n";
  CHECK(FormatShow(reply, {kNow, false, true}) ==
        head + "  recent runs    ✓·✗✓!  ▁▁▁█  max 1m\n" + tail);
  CHECK(FormatShow(reply, {kNow, false, false}) ==
        head + "  recent runs    +.x+!  ___#  max 1m\n" + tail);
  SUBCASE("a reply without recent_runs (an older thrd) has no such line") {
    reply["jobs"][0].erase("recent_runs");
    CHECK(FormatShow(reply, {kNow, false, true}) == head + tail);
  }
}

}  // namespace
}  // namespace thr
