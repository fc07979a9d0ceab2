// Job: one named worker thread on the fixed-rate grid, driven through the transition table.
// Real threads and real time; timing is asserted only loosely, and every wait for progress is
// a poll with a generous deadline (test_util.h), scaled by THRD_TEST_TIME_SCALE.
#include "thr/job.h"

#include <doctest/doctest.h>
#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "proc_util.h"
#include "test_util.h"
#include "thr/output.h"

namespace thr {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

JobSpec TimestampSpec(const std::string& name, Duration every) {
  JobSpec spec;
  spec.name = name;
  spec.task = TaskKind::kTimestamp;
  spec.every = every;
  return spec;
}

// A job with its echo going to /dev/null and logging silenced. Members are destroyed in
// reverse order, so the job's thread ends before the echo and the fd go away.
struct JobHarness {
  explicit JobHarness(JobSpec spec) : job(std::move(spec), DefaultClock(), &echo) {}
  JobHarness(JobSpec spec, std::unique_ptr<Task> task)
      : job(std::move(spec), DefaultClock(), &echo, std::move(task)) {}

  JobInfo Info() const { return job.Info(); }
  bool WaitForRuns(uint64_t n) {
    return test::WaitUntil([&] { return job.Info().runs >= n; });
  }

  test::QuietLogs quiet;
  UniqueFd dev_null{::open("/dev/null", O_WRONLY | O_CLOEXEC)};
  OutputEcho echo{dev_null.get()};
  Job job;
};

// Watches `job` for `periods` periods and returns its run count at the end. Used to observe
// that nothing happens, which no deadline can show.
uint64_t RunsAfter(const Job& job, int periods) {
  std::this_thread::sleep_for(*job.spec().every * periods);
  return job.Info().runs;
}

// The name the kernel shows for thread `tid` of this process (ps -T).
std::string ThreadName(pid_t tid) {
  std::ifstream comm("/proc/self/task/" + std::to_string(tid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return name;
}

TEST_CASE("Job: a 20ms job runs several times on its grid") {
  auto begun = SteadyClock::now();
  JobHarness h(TimestampSpec("fast", Duration(20)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForRuns(5));
  // Run k is never before t0 + k * every, so five runs take at least 80ms.
  CHECK(SteadyClock::now() - begun >= milliseconds(80));

  JobInfo info = h.Info();
  CHECK(info.name == "fast");
  CHECK(info.state == JobState::kRunning);
  CHECK(info.task == TaskKind::kTimestamp);
  CHECK(info.every == Duration(20));
  CHECK(info.thread_id.has_value());
  CHECK_FALSE(info.pid.has_value());
  CHECK(info.failures == 0);
  CHECK(info.last_error.empty());
  REQUIRE(info.last_run.has_value());
  CHECK(*info.last_run <= std::chrono::system_clock::now());

  SUBCASE("next_run is set while it waits for a slot, and is at most one period ahead") {
    REQUIRE(test::WaitUntil([&] { return h.Info().next_run.has_value(); }));
    // Loose: the snapshot may be a little old by the time it is compared.
    CHECK(*h.Info().next_run <=
          std::chrono::system_clock::now() + milliseconds(20) + test::Scaled(Duration(1'000)));
  }
}

TEST_CASE("Job: the worker thread carries the job's name, cut to 15 characters") {
  JobHarness h(TimestampSpec("a-very-long-job-name", Duration(1'000)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(test::WaitUntil([&] { return h.Info().thread_id.has_value(); }));
  CHECK(ThreadName(*h.Info().thread_id) == "a-very-long-job");
}

TEST_CASE("Job: pause stops new runs at once and resume goes on") {
  JobHarness h(TimestampSpec("p", Duration(50)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForRuns(2));

  Job::Outcome paused = h.job.Request(Control::kPause);
  CHECK(paused.kind == Transition::Kind::kTo);
  CHECK(paused.before == JobState::kRunning);
  CHECK(paused.after == JobState::kPaused);
  JobInfo at_pause = h.Info();
  CHECK(at_pause.state == JobState::kPaused);

  // A run already in progress when pause arrives may finish (CONTRACT.md); none may start.
  uint64_t settled = RunsAfter(h.job, 4);
  CHECK(settled <= at_pause.runs + 1);
  CHECK(RunsAfter(h.job, 4) == settled);

  JobInfo while_paused = h.Info();
  CHECK(while_paused.state == JobState::kPaused);
  CHECK_FALSE(while_paused.next_run.has_value());
  CHECK(while_paused.thread_id.has_value());  // the thread lives on, waiting

  SUBCASE("pausing again is a no-op") {
    Job::Outcome again = h.job.Request(Control::kPause);
    CHECK(again.kind == Transition::Kind::kNoop);
    CHECK(again.after == JobState::kPaused);
  }
  SUBCASE("resume runs again, and the slots skipped while paused are not missed") {
    Job::Outcome resumed = h.job.Request(Control::kResume);
    CHECK(resumed.kind == Transition::Kind::kTo);
    CHECK(resumed.after == JobState::kRunning);
    REQUIRE(h.WaitForRuns(settled + 2));
    JobInfo after = h.Info();
    CHECK(after.state == JobState::kRunning);
    // About eight slots passed while paused; none of them counts as missed.
    CHECK(after.missed == while_paused.missed);
    CHECK(after.thread_id == while_paused.thread_id);  // same thread, same grid
  }
}

TEST_CASE("Job: a job begun paused does not run until resumed") {
  JobHarness h(TimestampSpec("bp", Duration(20)));
  h.job.Begin(JobState::kPaused);
  REQUIRE(test::WaitUntil([&] { return h.Info().thread_id.has_value(); }));
  CHECK(RunsAfter(h.job, 3) == 0);
  CHECK(h.Info().state == JobState::kPaused);
  h.job.Request(Control::kResume);
  CHECK(h.WaitForRuns(1));
}

TEST_CASE("Job: stop then Settle ends the thread") {
  JobHarness h(TimestampSpec("s", Duration(20)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForRuns(2));

  Job::Outcome stopped = h.job.Request(Control::kStop);
  CHECK(stopped.kind == Transition::Kind::kTo);
  CHECK(stopped.after == JobState::kStopped);
  h.job.Settle();

  JobInfo info = h.Info();
  CHECK(info.state == JobState::kStopped);
  CHECK_FALSE(info.thread_id.has_value());
  CHECK_FALSE(info.next_run.has_value());
  CHECK(RunsAfter(h.job, 3) == info.runs);

  SUBCASE("stopping again is a no-op") {
    CHECK(h.job.Request(Control::kStop).kind == Transition::Kind::kNoop);
  }
  SUBCASE("pause and resume are refused and start no thread") {
    CHECK(h.job.Request(Control::kPause).kind == Transition::Kind::kRefused);
    CHECK(h.job.Request(Control::kResume).kind == Transition::Kind::kRefused);
    h.job.Settle();
    CHECK(h.Info().state == JobState::kStopped);
    CHECK_FALSE(h.Info().thread_id.has_value());
  }
}

TEST_CASE("Job: start after stop runs on a new thread and keeps the counters") {
  JobHarness h(TimestampSpec("st", Duration(20)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForRuns(2));
  REQUIRE(test::WaitUntil([&] { return h.Info().thread_id.has_value(); }));
  pid_t old_tid = *h.Info().thread_id;

  h.job.Request(Control::kStop);
  h.job.Settle();
  uint64_t runs = h.Info().runs;

  Job::Outcome started = h.job.Request(Control::kStart);
  CHECK(started.kind == Transition::Kind::kTo);
  CHECK(started.before == JobState::kStopped);
  CHECK(started.after == JobState::kRunning);
  h.job.Settle();
  REQUIRE(test::WaitUntil([&] { return h.Info().thread_id.has_value(); }));
  CHECK(*h.Info().thread_id != old_tid);
  CHECK(h.Info().runs >= runs);
  CHECK(h.WaitForRuns(runs + 2));
  CHECK(h.Info().state == JobState::kRunning);
}

TEST_CASE("Job: kill ends the thread as killed, and start brings it back") {
  JobHarness h(TimestampSpec("k", Duration(20)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForRuns(1));

  Job::Outcome killed = h.job.Request(Control::kKill);
  CHECK(killed.kind == Transition::Kind::kTo);
  CHECK(killed.after == JobState::kKilled);
  h.job.Settle();
  JobInfo info = h.Info();
  CHECK(info.state == JobState::kKilled);
  CHECK_FALSE(info.thread_id.has_value());

  CHECK(h.job.Request(Control::kKill).kind == Transition::Kind::kNoop);
  CHECK(h.job.Request(Control::kPause).kind == Transition::Kind::kRefused);
  CHECK(h.job.Request(Control::kStart).kind == Transition::Kind::kTo);
  h.job.Settle();
  CHECK(h.WaitForRuns(info.runs + 1));
}

TEST_CASE("Job: kill of a paused job ends its thread") {
  JobHarness h(TimestampSpec("kp", Duration(20)));
  h.job.Begin(JobState::kPaused);
  REQUIRE(test::WaitUntil([&] { return h.Info().thread_id.has_value(); }));
  CHECK(h.job.Request(Control::kKill).after == JobState::kKilled);
  h.job.Settle();
  CHECK_FALSE(h.Info().thread_id.has_value());
}

TEST_CASE("Job: restart runs on a fresh thread and keeps the counters") {
  JobHarness h(TimestampSpec("r", Duration(20)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForRuns(3));
  REQUIRE(test::WaitUntil([&] { return h.Info().thread_id.has_value(); }));
  JobInfo before = h.Info();

  Job::Outcome restarted = h.job.Request(Control::kRestart);
  CHECK(restarted.kind == Transition::Kind::kTo);
  CHECK(restarted.before == JobState::kRunning);
  CHECK(restarted.after == JobState::kRunning);
  h.job.Settle();

  REQUIRE(test::WaitUntil([&] {
    std::optional<pid_t> tid = h.Info().thread_id;
    return tid.has_value() && tid != before.thread_id;
  }));
  JobInfo after = h.Info();
  CHECK(after.state == JobState::kRunning);
  CHECK(after.runs >= before.runs);
  CHECK(after.missed >= before.missed);
  CHECK(after.failures >= before.failures);
  CHECK(h.WaitForRuns(before.runs + 2));
}

TEST_CASE("Job: a job waiting out a long period ends at once") {
  JobHarness h(TimestampSpec("slow", Duration(10'000)));
  h.job.Begin(JobState::kRunning);
  // Run 0 is at once; then it waits ten seconds for run 1.
  REQUIRE(test::WaitUntil([&] {
    JobInfo info = h.Info();
    return info.runs == 1 && info.next_run.has_value();
  }));
  const Duration bound = test::Scaled(Duration(2'000));
  auto started = SteadyClock::now();

  SUBCASE("stop") {
    h.job.Request(Control::kStop);
    h.job.Settle();
    CHECK(h.Info().state == JobState::kStopped);
  }
  SUBCASE("kill") {
    h.job.Request(Control::kKill);
    h.job.Settle();
    CHECK(h.Info().state == JobState::kKilled);
  }
  SUBCASE("restart, which also runs at once on the new grid") {
    h.job.Request(Control::kRestart);
    h.job.Settle();
    CHECK(h.WaitForRuns(2));
  }
  auto elapsed = SteadyClock::now() - started;
  CAPTURE(std::chrono::duration_cast<milliseconds>(elapsed).count());
  CHECK(elapsed < bound);
}

TEST_CASE("Job: shutdown ends the thread without changing the state shown") {
  JobHarness h(TimestampSpec("sd", Duration(10'000)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForRuns(1));
  auto started = SteadyClock::now();
  h.job.RequestShutdown();
  h.job.WaitEnded();
  CHECK(SteadyClock::now() - started < test::Scaled(Duration(2'000)));
  JobInfo info = h.Info();
  CHECK(info.state == JobState::kRunning);
  CHECK_FALSE(info.thread_id.has_value());

  SUBCASE("and it is not started again") {
    h.job.Request(Control::kRestart);
    h.job.Settle();
    CHECK_FALSE(h.Info().thread_id.has_value());
  }
}

TEST_CASE("Job: a job begun stopped has no thread") {
  JobHarness h(TimestampSpec("bs", Duration(20)));
  h.job.Begin(JobState::kStopped);
  JobInfo info = h.Info();
  CHECK(info.state == JobState::kStopped);
  CHECK_FALSE(info.thread_id.has_value());
  CHECK(info.runs == 0);
}

TEST_CASE("Job: each run puts a timestamp line in the log ring") {
  JobHarness h(TimestampSpec("log", Duration(20)));
  h.job.Begin(JobState::kRunning);
  REQUIRE(test::WaitUntil([&] { return h.job.log().total() >= 3; }));
  std::vector<std::string> lines = h.job.log().Tail(3);
  REQUIRE(lines.size() == 3);
  const long long now = static_cast<long long>(std::time(nullptr));
  for (const std::string& line : lines) {
    CAPTURE(line);
    REQUIRE_FALSE(line.empty());
    CHECK(line.find_first_not_of("0123456789") == std::string::npos);
    long long seconds = std::stoll(line);
    CHECK(seconds <= now + 1);
    CHECK(seconds >= now - 60);
  }
}

TEST_CASE("Job: each line is echoed as \"job: line\"") {
  test::IgnoreSigpipe no_sigpipe;
  test::Pipe pipe;
  OutputEcho echo(pipe.write_end.get());
  {
    test::QuietLogs quiet;
    Job job(TimestampSpec("echoed", Duration(20)), DefaultClock(), &echo);
    job.Begin(JobState::kRunning);
    REQUIRE(test::WaitUntil([&] { return job.log().total() >= 2; }));
  }
  std::string text;
  REQUIRE(test::WaitUntil([&] {
    text += test::ReadAvailable(pipe.read_end.get());
    return text.find('\n', text.find('\n') + 1) != std::string::npos;
  }));
  CAPTURE(text);
  CHECK(text.rfind("echoed: ", 0) == 0);
  std::string first = text.substr(8, text.find('\n') - 8);
  CHECK_FALSE(first.empty());
  CHECK(first.find_first_not_of("0123456789") == std::string::npos);
}

// A task that throws at every run, counting them.
class ThrowingTask final : public Task {
 public:
  explicit ThrowingTask(std::atomic<int>* runs) : runs_(runs) {}
  RunResult Run(RunContext&) override {
    runs_->fetch_add(1);
    throw std::runtime_error("boom");
  }

 private:
  std::atomic<int>* runs_;
};

// A failed job: no thread, its error kept, no run counted for the throw.
void CheckFailed(const JobHarness& h, const std::string& error_part) {
  REQUIRE(test::WaitUntil([&] {
    JobInfo i = h.Info();
    return i.state == JobState::kFailed && !i.thread_id.has_value();
  }));
  JobInfo info = h.Info();
  CAPTURE(info.last_error);
  CHECK(info.last_error.find(error_part) != std::string::npos);
  CHECK(info.runs == 0);
  CHECK_FALSE(info.next_run.has_value());
  CHECK_FALSE(info.pid.has_value());
}

TEST_CASE("Job: a job whose task throws ends failed with the error") {
  std::atomic<int> runs{0};
  JobHarness h(TimestampSpec("throws", Duration(20)), std::make_unique<ThrowingTask>(&runs));
  h.job.Begin(JobState::kRunning);
  CheckFailed(h, "boom");
  CHECK(runs.load() == 1);  // the thread ended at the first throw

  SUBCASE("pause and resume are refused with a failed job") {
    CHECK(h.job.Request(Control::kPause).kind == Transition::Kind::kRefused);
    CHECK(h.job.Request(Control::kResume).kind == Transition::Kind::kRefused);
    CHECK(h.job.Request(Control::kStop).kind == Transition::Kind::kNoop);
  }
  SUBCASE("start runs it again on a new thread, and it fails again") {
    CHECK(h.job.Request(Control::kStart).kind == Transition::Kind::kTo);
    h.job.Settle();
    REQUIRE(test::WaitUntil([&] { return runs.load() == 2; }));
    CheckFailed(h, "boom");
  }
}

TEST_CASE("Job: a job named in THRD_TEST_FAULT_JOBS ends failed") {
  // Read when the job is made; restored after the job is gone (declared first, destroyed last).
  test::ScopedEnv fault("THRD_TEST_FAULT_JOBS", "other,faulty");
  JobHarness faulty(TimestampSpec("faulty", Duration(20)));
  JobHarness healthy(TimestampSpec("healthy", Duration(20)));
  faulty.job.Begin(JobState::kRunning);
  healthy.job.Begin(JobState::kRunning);
  CheckFailed(faulty, "THRD_TEST_FAULT_JOBS");
  CHECK(healthy.WaitForRuns(2));
  CHECK(healthy.Info().state == JobState::kRunning);
}

// Exec jobs: real child processes. Scripts wait for a file the test creates, so the test
// decides when a run may end.
constexpr const char* kWaitForGo = "while [ ! -e go ]; do sleep 0.01; done";

JobSpec ShellJob(const std::string& name, const std::string& command, const std::string& cwd) {
  JobSpec spec;
  spec.name = name;
  spec.task = TaskKind::kExec;
  spec.shell = command;
  spec.cwd = cwd;
  spec.every = Duration(60'000);  // one run in a test, and the grid never due again
  return spec;
}

bool LogHas(const Job& job, const std::string& line) {
  std::vector<std::string> lines = job.log().Tail(1000);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

void Touch(const std::string& path) { std::ofstream(path) << "go\n"; }

TEST_CASE("Job: an exec job shows its child's pid during a run, and null after") {
  test::Subreaper subreaper;  // as thrd is, so a run's orphans are reaped at once
  test::TempDir dir;
  JobHarness h(ShellJob("pid", std::string("echo started; ") + kWaitForGo, dir.path()));
  h.job.Begin(JobState::kRunning);
  REQUIRE(test::WaitUntil([&] { return h.Info().pid.has_value(); }));
  const pid_t pid = *h.Info().pid;
  CHECK(::getpgid(pid) == pid);  // the run's group leader
  CHECK(h.Info().runs == 0);
  CHECK_FALSE(h.Info().frozen);
  CHECK(test::WaitUntil([&] { return LogHas(h.job, "started"); }));

  Touch(dir.File("go"));
  REQUIRE(h.WaitForRuns(1));
  JobInfo info = h.Info();
  CHECK_FALSE(info.pid.has_value());
  CHECK(info.state == JobState::kRunning);
  CHECK(info.failures == 0);
  CHECK(test::ProcessGone(pid));
}

TEST_CASE("Job: a failed exec run is counted, and its reason kept and logged") {
  test::Subreaper subreaper;  // as thrd is, so a run's orphans are reaped at once
  test::TempDir dir;
  JobHarness h(ShellJob("fails", "echo before; exit 3", dir.path()));
  h.job.Begin(JobState::kRunning);
  REQUIRE(h.WaitForRuns(1));
  JobInfo info = h.Info();
  CHECK(info.failures == 1);
  CHECK(info.last_error == "exit status 3");
  CHECK(info.state == JobState::kRunning);  // the job goes on
  CHECK(h.job.log().Tail(2) ==
        std::vector<std::string>{"before", "[thrd] run failed: exit status 3"});
}

TEST_CASE("Job: kill and stop of an exec job in a long run") {
  test::Subreaper subreaper;  // as thrd is, so a run's orphans are reaped at once
  test::TempDir dir;
  JobSpec spec = ShellJob("long", "trap '' TERM; sleep 1000 & sleep 1000", dir.path());
  spec.stop_timeout = Duration(300);
  JobHarness h(spec);
  h.job.Begin(JobState::kRunning);
  REQUIRE(test::WaitUntil([&] { return h.Info().pid.has_value(); }));
  const pid_t pgid = *h.Info().pid;
  // Both sleeps started (the group has the shell or its exec'd sleep, and the background one).
  REQUIRE(test::WaitUntil([&] { return test::GroupMembers(pgid).size() >= 2; }));
  auto asked = SteadyClock::now();

  SUBCASE("kill: the reply at once, the whole group gone") {
    CHECK(h.job.Request(Control::kKill).after == JobState::kKilled);
    h.job.Settle();
    auto took = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - asked);
    CAPTURE(took.count());
    CHECK(took < test::Scaled(Duration(1'000)));
    JobInfo info = h.Info();
    CHECK(info.state == JobState::kKilled);
    CHECK_FALSE(info.pid.has_value());
    CHECK_FALSE(info.thread_id.has_value());
  }
  SUBCASE("stop of a run that ignores SIGTERM: killed after stop_timeout") {
    CHECK(h.job.Request(Control::kStop).after == JobState::kStopped);
    h.job.Settle();
    auto took = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - asked);
    CAPTURE(took.count());
    CHECK(took >= milliseconds(300));
    CHECK(took < milliseconds(300) + test::Scaled(Duration(2'000)));
    CHECK(h.Info().state == JobState::kStopped);
    CHECK_FALSE(h.Info().pid.has_value());
  }
  CHECK(test::GroupGone(pgid));
  // Ended by the operator: counted as a run, not as a failure.
  CHECK(h.Info().runs == 1);
  CHECK(h.Info().failures == 0);
}

TEST_CASE("Job: pause --freeze freezes the run in progress, and resume thaws it") {
  test::Subreaper subreaper;  // as thrd is, so a run's orphans are reaped at once
  test::TempDir dir;
  JobHarness h(
      ShellJob("frz", std::string("echo ready; ") + kWaitForGo + "; echo done", dir.path()));
  h.job.Begin(JobState::kRunning);
  REQUIRE(test::WaitUntil([&] { return LogHas(h.job, "ready") && h.Info().pid.has_value(); }));
  const pid_t pgid = *h.Info().pid;

  Job::Outcome paused = h.job.Request(Control::kPause, /*freeze=*/true);
  CHECK(paused.after == JobState::kPaused);
  REQUIRE(test::WaitUntil([&] { return h.Info().frozen; }));
  CHECK(h.Info().state == JobState::kPaused);
  CHECK(h.Info().pid == pgid);
  INFO("group: ", test::DescribeGroup(pgid));
  CHECK(test::WaitUntil([&] { return test::AllStopped(pgid, 1); }));

  SUBCASE("resume: it goes on and completes") {
    Touch(dir.File("go"));  // seen only once it runs again
    CHECK(h.job.Request(Control::kResume).after == JobState::kRunning);
    REQUIRE(h.WaitForRuns(1));
    JobInfo info = h.Info();
    CHECK_FALSE(info.frozen);
    CHECK(info.failures == 0);
    CHECK(info.state == JobState::kRunning);
    CHECK(LogHas(h.job, "done"));
  }
  SUBCASE("kill while frozen: ends at once, nothing left") {
    auto asked = SteadyClock::now();
    h.job.Request(Control::kKill);
    h.job.Settle();
    CHECK(SteadyClock::now() - asked < test::Scaled(Duration(1'000)));
    JobInfo info = h.Info();
    CHECK(info.state == JobState::kKilled);
    CHECK_FALSE(info.frozen);
    CHECK_FALSE(info.pid.has_value());
    CHECK(test::GroupGone(pgid));
  }
}

TEST_CASE("Job: a plain pause lets the exec run in progress finish, unfrozen") {
  test::Subreaper subreaper;  // as thrd is, so a run's orphans are reaped at once
  test::TempDir dir;
  JobHarness h(
      ShellJob("pp", std::string("echo ready; ") + kWaitForGo + "; echo done", dir.path()));
  h.job.Begin(JobState::kRunning);
  REQUIRE(test::WaitUntil([&] { return LogHas(h.job, "ready") && h.Info().pid.has_value(); }));
  CHECK(h.job.Request(Control::kPause).after == JobState::kPaused);
  Touch(dir.File("go"));
  REQUIRE(h.WaitForRuns(1));
  CHECK(LogHas(h.job, "done"));
  JobInfo info = h.Info();
  CHECK(info.state == JobState::kPaused);
  CHECK_FALSE(info.frozen);
  CHECK_FALSE(info.pid.has_value());
  CHECK(info.failures == 0);
}

}  // namespace
}  // namespace thr
