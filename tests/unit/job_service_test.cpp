// Job as a service (exec, no schedule) and the failure policy of periodic jobs: restarts,
// crash loops, clean ends, stop in a backoff, pause as a freeze, max_failures. Real threads,
// processes and time, with millisecond backoffs; every wait for progress is a poll with a
// generous deadline (test_util.h).
#include <doctest/doctest.h>
#include <fcntl.h>

#include <chrono>
#include <fstream>
#include <string>

#include "test_util.h"
#include "thr/job.h"
#include "thr/output.h"

namespace thr {
namespace {

using SteadyClock = std::chrono::steady_clock;

JobSpec ServiceSpec(const std::string& shell) {
  JobSpec spec;
  spec.name = "svc";
  spec.task = TaskKind::kExec;
  spec.shell = shell;
  spec.backoff = Duration(20);
  spec.backoff_max = Duration(1000);
  return spec;
}

struct Harness {
  explicit Harness(JobSpec spec) : job(std::move(spec), DefaultClock(), &echo) {}
  bool WaitState(JobState s) {
    return test::WaitUntil([&] { return job.Info().state == s; });
  }
  test::QuietLogs quiet;
  UniqueFd dev_null{::open("/dev/null", O_WRONLY | O_CLOEXEC)};
  OutputEcho echo{dev_null.get()};
  Job job;
};

// The process state letter of `pid` (R, S, T, Z...), or '?' when it is gone.
char ProcState(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return '?';
  size_t paren = line.rfind(')');
  return paren + 2 < line.size() ? line[paren + 2] : '?';
}

TEST_CASE("Service: a command that keeps failing is restarted, then failed as a crash loop") {
  JobSpec spec = ServiceSpec("exit 3");
  spec.max_restarts = 3;
  Harness h(spec);
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitState(JobState::kFailed));
  JobInfo info = h.job.Info();
  CHECK(info.service);
  CHECK_FALSE(info.every.has_value());
  CHECK(info.runs == 4);
  CHECK(info.failures == 4);
  CHECK(info.restarts == 3);
  CHECK(info.failure_streak == 4);
  CHECK(info.last_error ==
        "crash loop: 3 restarts in a row, each run up less than 10s; last: exit status 3");
  CHECK_FALSE(info.next_run.has_value());

  // start brings it back, with a fresh backoff and restart count.
  CHECK(h.job.Request(Control::kStart).after == JobState::kRunning);
  h.job.Settle();
  REQUIRE(h.WaitState(JobState::kFailed));
  info = h.job.Info();
  CHECK(info.runs == 8);
  CHECK(info.restarts == 3);
}

TEST_CASE("Service: while up it shows started and uptime; restart on-failure") {
  JobSpec spec = ServiceSpec("sleep 60");
  spec.restart = RestartMode::kOnFailure;
  Harness h(spec);
  h.job.Begin(JobState::kRunning);
  REQUIRE(test::WaitUntil([&] { return h.job.Info().pid.has_value(); }));
  REQUIRE(test::WaitUntil([&] { return h.job.Info().uptime_ms.value_or(0) > 0; }));
  JobInfo info = h.job.Info();
  CHECK(info.started.has_value());
  CHECK_FALSE(info.next_run.has_value());
  h.job.Request(Control::kStop);
  h.job.Settle();
  info = h.job.Info();
  CHECK(info.state == JobState::kStopped);
  CHECK_FALSE(info.started.has_value());
  CHECK(info.failures == 0);  // a stop is no failure
}

TEST_CASE("Service: restart on-failure ends the job stopped on exit 0") {
  JobSpec spec = ServiceSpec("exit 0");
  spec.restart = RestartMode::kOnFailure;
  Harness h(spec);
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitState(JobState::kStopped));
  CHECK(h.job.Info().runs == 1);
  CHECK(h.job.Info().failures == 0);
}

TEST_CASE("Service: restart never ends the job failed on a failing exit, stopped on exit 0") {
  SUBCASE("failing") {
    JobSpec spec = ServiceSpec("exit 1");
    spec.restart = RestartMode::kNever;
    Harness h(spec);
    h.job.Begin(JobState::kRunning);
    REQUIRE(h.WaitState(JobState::kFailed));
    CHECK(h.job.Info().runs == 1);
    CHECK(h.job.Info().last_error == "exit status 1 (restart never)");
  }
  SUBCASE("clean") {
    JobSpec spec = ServiceSpec("true");
    spec.restart = RestartMode::kNever;
    Harness h(spec);
    h.job.Begin(JobState::kRunning);
    REQUIRE(h.WaitState(JobState::kStopped));
  }
}

TEST_CASE("Service: restart always restarts a clean exit too") {
  JobSpec spec = ServiceSpec("true");
  spec.max_restarts = 2;
  Harness h(spec);
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitState(JobState::kFailed));
  CHECK(h.job.Info().runs == 3);
  CHECK(h.job.Info().failures == 0);
  CHECK(h.job.Info().last_error ==
        "crash loop: 2 restarts in a row, each run up less than 10s; last: exit status 0");
}

TEST_CASE("Service: stop and kill in a 1 minute backoff reply at once") {
  JobSpec spec = ServiceSpec("exit 1");
  spec.backoff = Duration(60'000);
  spec.backoff_max = Duration(60'000);
  for (Control c : {Control::kStop, Control::kKill}) {
    CAPTURE(ControlName(c));
    Harness h(spec);
    h.job.Begin(JobState::kRunning);
    // In backoff: running, a next_run a minute away, no process.
    REQUIRE(test::WaitUntil([&] {
      JobInfo i = h.job.Info();
      return i.runs == 1 && i.next_run.has_value() && !i.pid.has_value();
    }));
    CHECK(h.job.Info().state == JobState::kRunning);
    CHECK(h.job.Info().restarts == 1);
    auto t0 = SteadyClock::now();
    h.job.Request(c);
    h.job.Settle();
    CHECK(SteadyClock::now() - t0 < test::Scaled(Duration(1000)));
    CHECK(h.job.Info().runs == 1);
  }
}

TEST_CASE("Service: pause freezes the process group, resume continues it") {
  Harness h(ServiceSpec("exec sleep 60"));
  h.job.Begin(JobState::kRunning);
  REQUIRE(test::WaitUntil([&] { return h.job.Info().pid.has_value(); }));
  pid_t pid = *h.job.Info().pid;
  h.job.Request(Control::kPause);  // no --freeze: a service's pause always freezes
  REQUIRE(test::WaitUntil([&] { return ProcState(pid) == 'T' && h.job.Info().frozen; }));
  CHECK(h.job.Info().state == JobState::kPaused);
  h.job.Request(Control::kResume);
  REQUIRE(test::WaitUntil([&] { return ProcState(pid) == 'S' && !h.job.Info().frozen; }));
  CHECK(h.job.Info().runs == 0);  // the same process goes on
  CHECK(*h.job.Info().pid == pid);
}

TEST_CASE("Periodic: max_failures 3 fails the job after exactly 3 consecutive failures") {
  JobSpec spec = ServiceSpec("exit 2");
  spec.every = Duration(10);
  spec.max_failures = 3;
  Harness h(spec);
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitState(JobState::kFailed));
  JobInfo info = h.job.Info();
  CHECK(info.runs == 3);
  CHECK(info.failures == 3);
  CHECK(info.failure_streak == 3);
  CHECK(info.last_error == "max_failures: 3 failed runs in a row; last: exit status 2");
}

TEST_CASE("Periodic: 2 failures and a success, over and over, never reach max_failures 3") {
  test::TempDir dir;
  // Runs 1, 2 fail, 3 succeeds, 4, 5 fail, 6 succeeds...
  JobSpec spec =
      ServiceSpec("n=$(cat " + dir.File("n") + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " +
                  dir.File("n") + "; [ $((n % 3)) -eq 0 ]");
  spec.every = Duration(10);
  spec.max_failures = 3;
  Harness h(spec);
  h.job.Begin(JobState::kRunning);
  REQUIRE(test::WaitUntil([&] { return h.job.Info().runs >= 9; }));
  JobInfo info = h.job.Info();
  CHECK(info.state == JobState::kRunning);
  CHECK(info.failures >= 6);
  CHECK(info.failure_streak <= 2);
}

}  // namespace
}  // namespace thr
