// Supervisor: jobs from a parsed config, control commands on one, several or all of them,
// and snapshots for status.
#include "thr/supervisor.h"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
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
  SUBCASE("several unknown names are all named, each once") {
    Status s = h.sup.Snapshot({"x1", "a", "x2", "x1"}, &infos);
    CHECK(s.code() == Status::Code::kUnknownJob);
    CHECK(s.message() == "no jobs named 'x1', 'x2'");
    CHECK(NamesOf(infos) == Names{"a"});
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

// ---- Kept decisions and reload ----

// A config of `jobs`, the inside of the "jobs" array.
Config ConfigOf(const std::string& jobs) {
  Config config;
  Status s = ParseConfig("{\"jobs\": [" + jobs + "]}", "t.json", &config);
  REQUIRE_MESSAGE(s.ok(), s.message());
  return config;
}

// What the decisions file in `dir` holds now.
Decisions Kept(const std::string& dir) {
  Decisions out;
  Status s = DecisionFile(dir).Load(&out);
  REQUIRE_MESSAGE(s.ok(), s.message());
  return out;
}

// A supervisor keeping its decisions in a temp dir; Restart() replaces it with a fresh one on
// the same dir, as a restarted thrd would be. Declaration order: the supervisor (and its
// threads) goes first, then the log level, then the dir.
struct KeptHarness {
  test::TempDir dir;
  test::QuietLogs quiet;
  std::optional<Supervisor> sup;

  void Start(const Config& config) {
    sup.emplace(DefaultClock(), nullptr, DecisionFile(dir.path()));
    sup->Start(config);
  }
  void Restart(const Config& config) {
    sup.reset();
    Start(config);
  }
  Decisions kept() const { return Kept(dir.path()); }
  uint64_t saves() const { return sup->decision_file().saves(); }
};

// The job's worker thread id, once its thread has reported it.
pid_t ThreadIdOf(const Supervisor& sup, const std::string& name) {
  std::shared_ptr<Job> job = sup.Find(name);
  REQUIRE(job != nullptr);
  REQUIRE(test::WaitUntil([&] { return job->Info().thread_id.has_value(); }));
  return *job->Info().thread_id;
}

TEST_CASE("Supervisor: a pause is kept, and a fresh supervisor starts the job paused") {
  KeptHarness h;
  h.Start(ThreeJobs());
  CHECK(h.kept().empty());
  CHECK(h.saves() == 0);  // nothing to drop, nothing written at Start

  REQUIRE(h.sup->Apply(Control::kPause, {"a"}, false).at(0).changed);
  CHECK(h.saves() == 1);
  CHECK(h.kept() == Decisions{{"a", JobState::kPaused}});

  h.Restart(ThreeJobs());
  CHECK(StateOf(*h.sup, "a") == "paused");
  CHECK(StateOf(*h.sup, "b") == "paused");
  CHECK(StateOf(*h.sup, "c") == "stopped");
  CHECK(h.saves() == 0);  // loading the kept decision writes nothing
}

TEST_CASE("Supervisor: each command keeps the state it leaves the job in") {
  KeptHarness h;
  h.Start(ThreeJobs());
  struct Case {
    Control control;
    std::string job;
    JobState kept;
  };
  Case c{};
  SUBCASE("stop") { c = {Control::kStop, "a", JobState::kStopped}; }
  SUBCASE("kill is kept as stopped") { c = {Control::kKill, "a", JobState::kStopped}; }
  SUBCASE("restart") { c = {Control::kRestart, "a", JobState::kRunning}; }
  SUBCASE("resume") { c = {Control::kResume, "b", JobState::kRunning}; }
  SUBCASE("start") { c = {Control::kStart, "c", JobState::kRunning}; }
  SUBCASE("pause") { c = {Control::kPause, "a", JobState::kPaused}; }
  CAPTURE(ControlName(c.control));
  std::vector<ControlResult> results = h.sup->Apply(c.control, {c.job}, false);
  REQUIRE(results.size() == 1);
  REQUIRE(results[0].status.ok());
  CHECK(h.saves() == 1);
  CHECK(h.kept() == Decisions{{c.job, c.kept}});

  h.Restart(ThreeJobs());
  CHECK(StateOf(*h.sup, c.job) == StateName(c.kept));
}

TEST_CASE("Supervisor: a kept decision wins over the config's start") {
  KeptHarness h;
  REQUIRE(
      DecisionFile(h.dir.path())
          .Save({{"a", JobState::kStopped}, {"b", JobState::kRunning}, {"c", JobState::kPaused}})
          .ok());
  h.Start(ThreeJobs());  // a running, b paused, c stopped by config
  CHECK(StateOf(*h.sup, "a") == "stopped");
  CHECK(StateOf(*h.sup, "b") == "running");
  CHECK(StateOf(*h.sup, "c") == "paused");
  CHECK_FALSE(h.sup->Find("a")->Info().thread_id.has_value());
  ThreadIdOf(*h.sup, "b");  // b and c have workers
  ThreadIdOf(*h.sup, "c");
}

TEST_CASE("Supervisor: a damaged decisions file is ignored at Start") {
  KeptHarness h;
  {
    std::ofstream out(DecisionFile(h.dir.path()).path());
    out << "{\"version\": 1, \"decisions\": {\"a\": \"paus";
  }
  h.Start(ThreeJobs());
  CHECK(StateOf(*h.sup, "a") == "running");
  CHECK(StateOf(*h.sup, "b") == "paused");
  // The next decision replaces the damaged file with a valid one.
  h.sup->Apply(Control::kStop, {"a"}, false);
  CHECK(h.kept() == Decisions{{"a", JobState::kStopped}});
}

TEST_CASE("Supervisor: what saves a decision and what does not") {
  KeptHarness h;
  h.Start(ThreeJobs());
  SUBCASE("a refused command saves nothing") {
    std::vector<ControlResult> results = h.sup->Apply(Control::kResume, {"c"}, false);
    REQUIRE(results.at(0).status.code() == Status::Code::kRefused);
    CHECK(h.saves() == 0);
    CHECK_FALSE(std::filesystem::exists(h.sup->decision_file().path()));
  }
  SUBCASE("an unknown job saves nothing") {
    h.sup->Apply(Control::kPause, {"nope"}, false);
    CHECK(h.saves() == 0);
  }
  SUBCASE("a no-op is a decision too, saved once") {
    REQUIRE_FALSE(h.sup->Apply(Control::kPause, {"b"}, false).at(0).changed);
    CHECK(h.saves() == 1);
    CHECK(h.kept() == Decisions{{"b", JobState::kPaused}});
    h.sup->Apply(Control::kPause, {"b"}, false);  // already the kept decision
    CHECK(h.saves() == 1);
  }
  SUBCASE("one request on several jobs saves once") {
    h.sup->Apply(Control::kStop, {"a", "b", "nope"}, false);
    CHECK(h.saves() == 1);
    CHECK(h.kept() == Decisions{{"a", JobState::kStopped}, {"b", JobState::kStopped}});
  }
}

TEST_CASE("Supervisor: Apply with all on 200 jobs saves exactly once per request") {
  std::string jobs;
  for (int i = 0; i < 200; ++i) {
    jobs += (i == 0 ? "" : ",") + std::string("{\"name\": \"j") + std::to_string(i) +
            "\", \"task\": \"timestamp\", \"every\": \"10s\"}";
  }
  Config config = ConfigOf(jobs);
  KeptHarness h;
  h.Start(config);
  uint64_t before = h.saves();

  std::vector<ControlResult> results = h.sup->Apply(Control::kPause, {}, true);
  REQUIRE(results.size() == 200);
  CHECK(h.saves() == before + 1);
  Decisions kept = h.kept();
  CHECK(kept.size() == 200);
  for (const auto& entry : kept) {  // no structured binding: CAPTURE is a lambda (clang 14)
    CAPTURE(entry.first);
    CHECK(entry.second == JobState::kPaused);
  }

  results = h.sup->Apply(Control::kStop, {}, true);
  REQUIRE(results.size() == 200);
  CHECK(h.saves() == before + 2);
  CHECK(h.sup->Counts()[static_cast<size_t>(JobState::kStopped)] == 200);
}

TEST_CASE("Supervisor: decisions of jobs no longer configured are dropped at Start") {
  KeptHarness h;
  REQUIRE(DecisionFile(h.dir.path())
              .Save({{"a", JobState::kPaused}, {"gone", JobState::kStopped}})
              .ok());
  h.Start(ThreeJobs());
  CHECK(StateOf(*h.sup, "a") == "paused");
  CHECK(h.kept() == Decisions{{"a", JobState::kPaused}});
  CHECK(h.saves() == 1);
}

TEST_CASE("Supervisor: Reload leaves an unchanged job's thread and counters alone") {
  const std::string u = R"({"name": "u", "task": "timestamp", "every": "20ms"})";
  const std::string v = R"({"name": "v", "task": "timestamp", "every": "10s"})";
  KeptHarness h;
  h.Start(ConfigOf(u + "," + v));
  std::shared_ptr<Job> before = h.sup->Find("u");
  REQUIRE(test::WaitUntil([&] { return before->Info().runs >= 2; }));
  pid_t tid = ThreadIdOf(*h.sup, "u");
  uint64_t runs = before->Info().runs;

  ReloadReport report = h.sup->Reload(ConfigOf(u + "," + v).jobs);
  CHECK(report.unchanged == Names{"u", "v"});
  CHECK(report.changed.empty());
  CHECK(report.added.empty());
  CHECK(report.removed.empty());

  CHECK(h.sup->Find("u") == before);  // the very same job
  JobInfo info = h.sup->Find("u")->Info();
  REQUIRE(info.thread_id.has_value());
  CHECK(*info.thread_id == tid);
  CHECK(info.runs >= runs);
  // Still running on that thread.
  CHECK(test::WaitUntil([&] { return h.sup->Find("u")->Info().runs > runs; }));
  CHECK(h.sup->Find("u")->Info().thread_id == tid);
}

TEST_CASE("Supervisor: Reload replaces a changed job, keeping its decision and its history") {
  KeptHarness h;
  h.Start(ConfigOf(R"({"name": "t", "task": "timestamp", "every": "20ms"},
                      {"name": "r", "task": "timestamp", "every": "20ms"})"));
  std::shared_ptr<Job> old_t = h.sup->Find("t");
  std::shared_ptr<Job> old_r = h.sup->Find("r");
  REQUIRE(test::WaitUntil([&] {
    return old_t->Info().runs >= 3 && old_t->log().total() >= 3 && old_r->Info().runs >= 1;
  }));
  pid_t old_t_tid = ThreadIdOf(*h.sup, "t");
  pid_t old_r_tid = ThreadIdOf(*h.sup, "r");
  REQUIRE(h.sup->Apply(Control::kPause, {"t"}, false).at(0).changed);

  ReloadReport report =
      h.sup->Reload(ConfigOf(R"({"name": "t", "task": "timestamp", "every": "30ms"},
                                {"name": "r", "task": "timestamp", "every": "25ms"})")
                        .jobs);
  CHECK(report.changed == Names{"t", "r"});
  CHECK(report.unchanged.empty());
  CHECK(report.added.empty());
  CHECK(report.removed.empty());

  // The old workers have ended by the time Reload returns.
  CHECK_FALSE(old_t->Info().thread_id.has_value());
  CHECK_FALSE(old_r->Info().thread_id.has_value());

  std::shared_ptr<Job> new_t = h.sup->Find("t");
  REQUIRE(new_t != nullptr);
  CHECK(new_t != old_t);
  JobInfo t = new_t->Info();
  CHECK(t.every == Duration(30));
  CHECK(t.state == JobState::kPaused);  // the pause decision outlives the change
  CHECK(ThreadIdOf(*h.sup, "t") != old_t_tid);
  // Paused, so nothing runs: the counters and lines are exactly the old job's final ones.
  CHECK(t.runs == old_t->Info().runs);
  CHECK(t.runs >= 3);
  CHECK(new_t->log().total() == old_t->log().total());
  CHECK(new_t->log().Tail(1000) == old_t->log().Tail(1000));
  CHECK(h.kept() == Decisions{{"t", JobState::kPaused}});

  // r had no decision: running as its start says, counting on from the old count.
  std::shared_ptr<Job> new_r = h.sup->Find("r");
  REQUIRE(new_r != nullptr);
  CHECK(new_r->Info().every == Duration(25));
  CHECK(new_r->Info().state == JobState::kRunning);
  CHECK(ThreadIdOf(*h.sup, "r") != old_r_tid);
  uint64_t inherited = old_r->Info().runs;
  CHECK(new_r->Info().runs >= inherited);
  CHECK(test::WaitUntil([&] { return new_r->Info().runs > inherited; }));
}

TEST_CASE("Supervisor: Reload adds and removes jobs, dropping the removed ones' decisions") {
  KeptHarness h;
  h.Start(ThreeJobs());  // a running, b paused, c stopped
  h.sup->Apply(Control::kPause, {"a"}, false);
  h.sup->Apply(Control::kStop, {"b"}, false);
  REQUIRE(h.kept() == Decisions{{"a", JobState::kPaused}, {"b", JobState::kStopped}});

  ReloadReport report = h.sup->Reload(ConfigOf(R"(
    {"name": "d", "task": "timestamp", "every": "10s", "start": "paused"},
    {"name": "b", "task": "timestamp", "every": "10s", "start": "paused"},
    {"name": "e", "task": "timestamp", "every": "10s"},
    {"name": "f", "task": "timestamp", "every": "10s", "start": "stopped"})")
                                          .jobs);
  CHECK(report.unchanged == Names{"b"});
  CHECK(report.changed.empty());
  CHECK(report.added == Names{"d", "e", "f"});
  CHECK(report.removed == Names{"a", "c"});

  std::vector<JobInfo> infos;
  REQUIRE(h.sup->Snapshot({}, &infos).ok());
  CHECK(NamesOf(infos) == Names{"d", "b", "e", "f"});
  CHECK(h.sup->Find("a") == nullptr);
  CHECK(h.sup->Find("c") == nullptr);
  CHECK(h.sup->Snapshot({"a"}, &infos).code() == Status::Code::kUnknownJob);
  CHECK(StateOf(*h.sup, "d") == "paused");
  CHECK(StateOf(*h.sup, "b") == "stopped");  // unchanged, still as the operator left it
  CHECK(StateOf(*h.sup, "e") == "running");
  CHECK(StateOf(*h.sup, "f") == "stopped");
  CHECK(h.kept() == Decisions{{"b", JobState::kStopped}});

  // A restarted thrd on the new config agrees.
  h.Restart(ConfigOf(R"({"name": "a", "task": "timestamp", "every": "10s"})"));
  CHECK(StateOf(*h.sup, "a") == "running");  // its old pause went with its removal
}

TEST_CASE("Supervisor: Reload after Shutdown does nothing") {
  KeptHarness h;
  h.Start(ThreeJobs());
  h.sup->Shutdown();
  ReloadReport report = h.sup->Reload(ConfigOf(R"({"name": "z", "task": "timestamp",
                                                   "every": "10s"})")
                                          .jobs);
  CHECK(report.added.empty());
  CHECK(report.removed.empty());
  CHECK(h.sup->Find("z") == nullptr);
  CHECK(h.sup->Find("a") != nullptr);
}

TEST_CASE("Supervisor: Counts matches the jobs' states") {
  SupervisorHarness h;
  auto count = [&](JobState s) { return h.sup.Counts()[static_cast<size_t>(s)]; };
  CHECK(count(JobState::kRunning) == 1);
  CHECK(count(JobState::kPaused) == 1);
  CHECK(count(JobState::kStopped) == 1);
  CHECK(count(JobState::kKilled) == 0);
  CHECK(count(JobState::kFailed) == 0);

  h.sup.Apply(Control::kKill, {"a"}, false);
  h.sup.Apply(Control::kResume, {"b"}, false);
  CHECK(count(JobState::kRunning) == 1);
  CHECK(count(JobState::kPaused) == 0);
  CHECK(count(JobState::kStopped) == 1);
  CHECK(count(JobState::kKilled) == 1);
}

TEST_CASE("Supervisor: the change listener hears of changes, not of no-ops") {
  std::atomic<int> calls{0};
  std::atomic<size_t> paused_seen{0};
  SupervisorHarness h;  // after what its listener uses, so it goes first
  // Counting takes the supervisor's locks: this also shows the listener runs outside them.
  h.sup.SetChangeListener([&] {
    paused_seen = h.sup.Counts()[static_cast<size_t>(JobState::kPaused)];
    ++calls;
  });

  REQUIRE(h.sup.Apply(Control::kPause, {"a"}, false).at(0).changed);
  CHECK(calls == 1);
  CHECK(paused_seen == 2);  // it sees the state after the change

  h.sup.Apply(Control::kPause, {"a", "b"}, false);  // both already paused
  CHECK(calls == 1);
  h.sup.Apply(Control::kResume, {"c"}, false);  // refused
  CHECK(calls == 1);
  h.sup.Apply(Control::kPause, {"nope"}, false);  // unknown
  CHECK(calls == 1);

  h.sup.Apply(Control::kStop, {"a", "b"}, false);
  CHECK(calls == 2);
  CHECK(paused_seen == 0);

  h.sup.Reload(ConfigOf(R"({"name": "a", "task": "timestamp", "every": "10s"},
                           {"name": "n", "task": "timestamp", "every": "10s",
                            "start": "paused"})")
                   .jobs);
  CHECK(calls == 3);
  CHECK(paused_seen == 1);

  h.sup.SetChangeListener(nullptr);
  h.sup.Apply(Control::kResume, {"n"}, false);
  CHECK(calls == 3);
}

}  // namespace
}  // namespace thr

namespace thr {
namespace {

// The state dir fills up (or turns read-only): the command still acts and the previous file
// stays whole. Once writing works again, the next command saves every decision, even one
// that changes nothing in memory (here: pausing the job the failed save already paused).
TEST_CASE("Supervisor: after a failed save, the next command saves again, even a no-op") {
  KeptHarness h;
  h.Start(ThreeJobs());
  REQUIRE(h.sup->Apply(Control::kPause, {"a"}, false).at(0).status.ok());
  REQUIRE(h.kept() == Decisions{{"a", JobState::kPaused}});
  std::vector<ControlResult> r;
  {
    // No CHECK inside: doctest's own output may be a regular file, limited too.
    test::FileSizeLimit full(8);
    r = h.sup->Apply(Control::kStop, {"b"}, false);
  }
  REQUIRE(r.at(0).status.ok());  // done, though not kept
  CHECK(StateOf(*h.sup, "b") == "stopped");
  CHECK(h.kept() == Decisions{{"a", JobState::kPaused}});  // the old file, whole
  std::vector<ControlResult> again = h.sup->Apply(Control::kStop, {"b"}, false);
  REQUIRE(again.at(0).status.ok());
  CHECK_FALSE(again.at(0).changed);  // a no-op, and still a save
  CHECK(h.kept() == Decisions{{"a", JobState::kPaused}, {"b", JobState::kStopped}});
}

}  // namespace
}  // namespace thr
