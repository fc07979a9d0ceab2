// Calendar jobs (job_calendar.cpp) on an injected clock whose wall time the test sets, as a
// `date -s` or an NTP step would: the job must re-aim at once when told the clock stepped
// (the daemon's ClockWatch tells it), run a slot a forward step jumped over once, and never
// run a slot again after a step back. Also `run` (Job::RunNow) and jitter on `every` jobs.
#include <doctest/doctest.h>
#include <fcntl.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "supervisor_harness.h"
#include "test_util.h"
#include "thr/job.h"
#include "thr/output.h"
#include "thr/run_stamp.h"
#include "thr/supervisor.h"

namespace thr {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// The real monotonic clock, and a wall clock the test moves: real time plus a shift.
class ShiftedClock final : public Clock {
 public:
  SteadyTime Now() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override {
    return std::chrono::system_clock::now() + std::chrono::nanoseconds(shift_ns_.load());
  }
  // Makes the wall clock read `t` now.
  void Set(WallTime t) {
    shift_ns_ =
        std::chrono::duration_cast<std::chrono::nanoseconds>(t - std::chrono::system_clock::now())
            .count();
  }

 private:
  std::atomic<int64_t> shift_ns_{0};
};

// Today (UTC) at `since_midnight`.
WallTime Today(std::chrono::seconds since_midnight) {
  return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) + since_midnight;
}

JobSpec CronSpec(const std::string& cron) {
  JobSpec spec;
  spec.name = "cal";
  spec.task = TaskKind::kTimestamp;
  spec.cron = cron;
  spec.tz = "UTC";
  return spec;
}

struct CalendarHarness {
  CalendarHarness(JobSpec spec, WallTime wall)
      : job((clock.Set(wall), std::move(spec)), clock, &echo) {}

  bool WaitForRuns(uint64_t n) {
    return test::WaitUntil([&] { return job.Info().runs >= n; });
  }
  bool WaitForNextRun(WallTime t) {
    return test::WaitUntil([&] { return job.Info().next_run == t; });
  }

  test::QuietLogs quiet;
  UniqueFd dev_null{::open("/dev/null", O_WRONLY | O_CLOEXEC)};
  OutputEcho echo{dev_null.get()};
  ShiftedClock clock;
  Job job;
};

TEST_CASE("calendar job: next_run is the slot on the wall clock, exactly") {
  CalendarHarness h(CronSpec("0 0 * * * *"), Today(hours(10) + minutes(30)));
  h.job.Begin(JobState::kRunning);
  CHECK(h.WaitForNextRun(Today(hours(11))));
  CHECK(h.job.Info().runs == 0);
}

TEST_CASE("calendar job: a forward step over the slot runs it once, at once") {
  CalendarHarness h(CronSpec("0 0 * * * *"), Today(hours(10) + minutes(30)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForNextRun(Today(hours(11))));
  h.clock.Set(Today(hours(15) + minutes(30)));  // over the 11:00 to 15:00 slots
  h.job.WallClockStepped();
  REQUIRE(h.WaitForRuns(1));
  // Then on to the first slot after the new time: the others were jumped over, not missed.
  CHECK(h.WaitForNextRun(Today(hours(16))));
  JobInfo info = h.job.Info();
  CHECK(info.runs == 1);
  CHECK(info.missed == 0);
}

TEST_CASE("calendar job: a step to just before the slot re-aims the wait at once") {
  // Without the step notice the job would sleep up to a minute before looking again.
  CalendarHarness h(CronSpec("0 0 11 * * *"), Today(hours(10) + minutes(30)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForNextRun(Today(hours(11))));
  h.clock.Set(Today(hours(11)) - std::chrono::milliseconds(300));
  h.job.WallClockStepped();
  CHECK(test::WaitUntil([&] { return h.job.Info().runs >= 1; }, test::Scaled(Duration(5'000))));
  CHECK(h.WaitForNextRun(Today(hours(24 + 11))));
}

TEST_CASE("calendar job: a step back re-computes the next run, never repeating one that ran") {
  CalendarHarness h(CronSpec("0 0 * * * *"), Today(hours(10) + minutes(30)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForNextRun(Today(hours(11))));
  SUBCASE("before any run: the first slot after the new time") {
    h.clock.Set(Today(hours(8) + minutes(30)));
    h.job.WallClockStepped();
    CHECK(h.WaitForNextRun(Today(hours(9))));
    CHECK(h.job.Info().runs == 0);
  }
  SUBCASE("after the 11:00 run: not 11:00 again") {
    h.clock.Set(Today(hours(11)) - std::chrono::milliseconds(200));
    h.job.WallClockStepped();
    REQUIRE(h.WaitForRuns(1));
    REQUIRE(h.WaitForNextRun(Today(hours(12))));
    h.clock.Set(Today(hours(10) + minutes(59) + seconds(59)));
    h.job.WallClockStepped();
    // Were 11:00 taken again, it would run within about a second.
    CHECK(h.WaitForNextRun(Today(hours(12))));
    CHECK_FALSE(test::WaitUntil([&] { return h.job.Info().runs > 1; }, Duration(1'500)));
  }
}

// CPU time the thread `tid` of this process has used (schedstat: nanoseconds on the CPU).
std::chrono::nanoseconds ThreadCpu(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/schedstat");
  int64_t ns = 0;
  stat >> ns;
  return std::chrono::nanoseconds(ns);
}

TEST_CASE("calendar job: a step while paused is taken in at resume, and costs nothing meanwhile") {
  CalendarHarness h(CronSpec("0 0 * * * *"), Today(hours(10) + minutes(30)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForNextRun(Today(hours(11))));
  h.job.Request(Control::kPause);
  REQUIRE(test::WaitUntil([&] { return !h.job.Info().next_run.has_value(); }));
  h.clock.Set(Today(hours(8) + minutes(30)));  // back two hours
  h.job.WallClockStepped();
  const pid_t tid = *h.job.Info().thread_id;
  const auto cpu_before = ThreadCpu(tid);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // watching for a spin
  CHECK(ThreadCpu(tid) - cpu_before < std::chrono::milliseconds(50));
  h.job.Request(Control::kResume);
  CHECK(h.WaitForNextRun(Today(hours(9))));
  CHECK(h.job.Info().runs == 0);
}

TEST_CASE("calendar job: paused, it holds no next run; a `run` runs once and it stays paused") {
  CalendarHarness h(CronSpec("0 0 0 1 1 *"), Today(hours(10)));
  h.job.Begin(JobState::kPaused);
  CHECK(h.job.Info().next_run == std::nullopt);
  REQUIRE(h.job.RunNow().ok());
  REQUIRE(h.WaitForRuns(1));
  JobInfo info = h.job.Info();
  CHECK(info.state == JobState::kPaused);
  CHECK(info.runs == 1);
  CHECK(info.next_run == std::nullopt);
  h.job.Request(Control::kResume);
  // Then the next 1 January, 00:00 UTC.
  REQUIRE(test::WaitUntil([&] { return h.job.Info().next_run.has_value(); }));
  WallTime next = *h.job.Info().next_run;
  CHECK(next > h.clock.WallNow());
  CHECK(next <= h.clock.WallNow() + hours(24 * 366));
  CHECK(next == std::chrono::floor<std::chrono::days>(next));
}

TEST_CASE("run: refused for a stopped job and a service") {
  CalendarHarness h(CronSpec("0 0 0 1 1 *"), Today(hours(10)));
  h.job.Begin(JobState::kStopped);
  Status s = h.job.RunNow();
  CHECK(s.code() == Status::Code::kRefused);
  CHECK(s.message() == "job cal is stopped; `start` it first");

  JobSpec service;
  service.name = "svc";
  service.task = TaskKind::kExec;
  service.argv = {"/bin/sleep", "1000"};
  CalendarHarness hs(service, Today(hours(10)));
  hs.job.Begin(JobState::kPaused);
  CHECK(hs.job.RunNow().code() == Status::Code::kRefused);
}

TEST_CASE("run: an `every` job's grid does not move") {
  JobSpec spec;
  spec.name = "hourly";
  spec.task = TaskKind::kTimestamp;
  spec.every = Duration(3'600'000);
  CalendarHarness h(spec, Today(hours(10)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForRuns(1));  // slot 0 runs at once
  std::optional<WallTime> next = h.job.Info().next_run;
  REQUIRE(next.has_value());
  REQUIRE(h.job.RunNow().ok());
  REQUIRE(h.WaitForRuns(2));
  JobInfo info = h.job.Info();
  REQUIRE(info.next_run.has_value());
  // ToWall re-reads both clocks, so allow a little; a shifted grid would be off by the gap.
  CHECK(std::chrono::abs(*info.next_run - *next) < std::chrono::milliseconds(50));
  CHECK(info.missed == 0);
}

TEST_CASE("jitter: an `every` job's run is delayed within the jitter, never past the slot") {
  JobSpec spec;
  spec.name = "spread";
  spec.task = TaskKind::kTimestamp;
  spec.every = Duration(3'600'000);
  spec.jitter = Duration(1'800'000);
  CalendarHarness h(spec, Today(hours(10)));
  const WallTime begun = h.clock.WallNow();
  h.job.Begin(JobState::kRunning);
  REQUIRE(test::WaitUntil([&] { return h.job.Info().next_run.has_value(); }));
  WallTime next = *h.job.Info().next_run;
  CHECK(next > begun);
  CHECK(next <= begun + minutes(30) + seconds(1));
  CHECK(h.job.Info().runs == 0);  // slot 0 waits for its delay
}

TEST_CASE("catch_up: a stale stamp gives one run at start; a fresh one none") {
  test::TempDir dir;
  RunStamps stamps(dir.path());
  JobSpec spec = CronSpec("0 0 3 * * *");
  spec.catch_up = true;
  SUBCASE("stale: the 03:00 slot passed since") {
    REQUIRE(stamps.Save("cal", Today(hours(2))).ok());
    CalendarHarness h(spec, Today(hours(10)));
    h.job.UseStamps(&stamps);
    h.job.Begin(JobState::kRunning);
    REQUIRE(h.WaitForRuns(1));
    REQUIRE(h.WaitForNextRun(Today(hours(24 + 3))));
    CHECK(h.job.Info().runs == 1);
  }
  SUBCASE("fresh: no slot passed since") {
    REQUIRE(stamps.Save("cal", Today(hours(4))).ok());
    CalendarHarness h(spec, Today(hours(10)));
    h.job.UseStamps(&stamps);
    h.job.Begin(JobState::kRunning);
    REQUIRE(h.WaitForNextRun(Today(hours(24 + 3))));
    CHECK(h.job.Info().runs == 0);
  }
  SUBCASE("none: a first start runs nothing and leaves a stamp") {
    CalendarHarness h(spec, Today(hours(10)));
    h.job.UseStamps(&stamps);
    h.job.Begin(JobState::kRunning);
    REQUIRE(h.WaitForNextRun(Today(hours(24 + 3))));
    CHECK(h.job.Info().runs == 0);
    std::optional<WallTime> stamp;
    REQUIRE(stamps.Load("cal", &stamp).ok());
    REQUIRE(stamp.has_value());
    CHECK(std::chrono::abs(*stamp - Today(hours(10))) < minutes(1));
  }
}

}  // namespace
}  // namespace thr

namespace thr {
namespace {

TEST_CASE("Supervisor: a wall clock step (ClockWatch's callback) re-aims its calendar jobs") {
  test::QuietLogs quiet;
  ShiftedClock clock;
  clock.Set(Today(hours(10) + minutes(30)));
  Supervisor sup(clock, nullptr);
  sup.Start(test::ConfigFromJson(R"({"jobs": [
    {"name": "cal", "task": "timestamp", "cron": "0 0 * * * *", "tz": "UTC"},
    {"name": "tick", "task": "timestamp", "every": "1h"}]})"));
  auto next_run = [&](const std::string& name) { return sup.Find(name)->Info().next_run; };
  REQUIRE(test::WaitUntil([&] { return next_run("cal") == Today(hours(11)); }));
  REQUIRE(test::WaitUntil([&] { return next_run("tick").has_value(); }));
  clock.Set(Today(hours(8) + minutes(30)));
  sup.WallClockStepped();
  CHECK(test::WaitUntil([&] { return next_run("cal") == Today(hours(9)); }));
  sup.Shutdown();
}

}  // namespace
}  // namespace thr
