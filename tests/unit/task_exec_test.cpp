// The exec task with real processes: one run at a time, driven through a fake RunControl (an
// eventfd the test owns and wants it changes from its own thread), as a job's worker would.
// Timing bounds are loose and scaled by THRD_TEST_TIME_SCALE; waits are on conditions.
#include <doctest/doctest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "proc_util.h"
#include "test_util.h"
#include "thr/line_splitter.h"
#include "thr/signals.h"
#include "thr/task.h"

namespace thr {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

JobSpec ExecSpec(std::vector<std::string> argv) {
  JobSpec spec;
  spec.name = "t";
  spec.task = TaskKind::kExec;
  spec.argv = std::move(argv);
  return spec;
}

// A string command, run by /bin/sh -c.
JobSpec ShellSpec(std::string command) {
  JobSpec spec;
  spec.name = "t";
  spec.task = TaskKind::kExec;
  spec.shell = std::move(command);
  return spec;
}

// The job's side of a run, faked. Thread-safe, as RunControl must be.
class FakeControl final : public RunControl {
 public:
  struct Reported {
    std::optional<pid_t> pid;
    bool frozen;
  };

  FakeControl() : wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) { REQUIRE(wake_.valid()); }

  int wake_fd() const override { return wake_.get(); }
  RunWants wants() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return wants_;
  }
  void Report(std::optional<pid_t> pid, bool frozen) override {
    std::lock_guard<std::mutex> lock(mu_);
    reports_.push_back({pid, frozen});
  }

  // Changes what the run is asked for, then wakes it, as Job::Request does.
  template <typename Fn>
  void Change(Fn fn) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn(wants_);
    }
    uint64_t one = 1;
    REQUIRE(::write(wake_.get(), &one, sizeof(one)) == sizeof(one));
  }

  std::vector<Reported> reports() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reports_;
  }
  // The pid of the first report: the run's child.
  std::optional<pid_t> first_pid() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reports_.empty() ? std::nullopt : reports_.front().pid;
  }
  bool frozen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return !reports_.empty() && reports_.back().frozen;
  }

 private:
  UniqueFd wake_;
  mutable std::mutex mu_;
  RunWants wants_;                 // guarded by mu_
  std::vector<Reported> reports_;  // guarded by mu_
};

// One run of an exec task on its own thread, this process a subreaper meanwhile. On scope exit a
// run still going is killed through the control and joined, so a failed check never leaves a
// process or a thread behind.
class AsyncRun {
 public:
  explicit AsyncRun(JobSpec spec) : spec_(std::move(spec)), task_(MakeExecTask(spec_)) {
    started_ = SteadyClock::now();
    thread_ = std::thread([this] { Body(); });
  }
  ~AsyncRun() {
    if (!done_.load()) control.Change([](RunWants& w) { w.kill = true; });
    thread_.join();
  }
  AsyncRun(const AsyncRun&) = delete;
  AsyncRun& operator=(const AsyncRun&) = delete;

  bool WaitDone(Duration timeout = test::DefaultDeadline()) {
    return test::WaitUntil([&] { return done_.load(); }, timeout);
  }
  // The result; REQUIREs that the run has ended.
  RunResult result() {
    REQUIRE(WaitDone());
    std::lock_guard<std::mutex> lock(mu_);
    return result_;
  }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  bool HasLine(const std::string& line) const {
    std::vector<std::string> all = lines();
    return std::find(all.begin(), all.end(), line) != all.end();
  }
  bool WaitForLine(const std::string& line) {
    return test::WaitUntil([&] { return HasLine(line); });
  }
  // From the start of the run to its end.
  milliseconds elapsed() const {
    return std::chrono::duration_cast<milliseconds>(ended_ - started_);
  }
  SteadyClock::time_point ended() const { return ended_; }

  FakeControl control;

 private:
  void Body() {
    RunContext ctx{spec_.name, &DefaultClock(),
                   [this](std::string_view line) {
                     std::lock_guard<std::mutex> lock(mu_);
                     lines_.emplace_back(line);
                   },
                   &control};
    RunResult result;
    try {
      result = task_->Run(ctx);
    } catch (const std::exception& e) {
      result = {false, false, std::string("threw: ") + e.what(), std::nullopt};
    }
    ended_ = SteadyClock::now();
    {
      std::lock_guard<std::mutex> lock(mu_);
      result_ = result;
    }
    done_ = true;
  }

  // As thrd is: a run's orphaned grandchildren become ours, so ending a run never waits for
  // init to reap them.
  test::Subreaper subreaper_;
  const JobSpec spec_;
  const std::unique_ptr<Task> task_;
  mutable std::mutex mu_;
  std::vector<std::string> lines_;  // guarded by mu_
  RunResult result_;                // guarded by mu_
  SteadyClock::time_point started_;
  SteadyClock::time_point ended_;  // written before done_ is set
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Runs `spec` to its end.
struct Finished {
  RunResult result;
  std::vector<std::string> lines;
};
Finished RunToEnd(const JobSpec& spec) {
  AsyncRun run(spec);
  Finished f{run.result(), run.lines()};
  return f;
}

void CheckNoChildren() {
  std::vector<pid_t> children = test::OwnChildren();
  CAPTURE(children.size());
  CHECK(children.empty());
}

Duration Ms(int64_t ms) { return Duration(ms); }

TEST_CASE("TaskExec: exit status 0 is a success, any other end a failure with its reason") {
  SUBCASE("exit 0") {
    RunResult r = RunToEnd(ExecSpec({"true"})).result;
    CHECK(r.ok);
    CHECK_FALSE(r.interrupted);
    CHECK(r.reason.empty());
  }
  SUBCASE("exit 3") {
    RunResult r = RunToEnd(ShellSpec("exit 3")).result;
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.interrupted);
    CHECK(r.reason == "exit status 3");
  }
  SUBCASE("a death by a signal") {
    RunResult r = RunToEnd(ShellSpec("kill -KILL $$")).result;
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "killed by SIGKILL");
  }
  SUBCASE("a command that is not found") {
    AsyncRun run(ExecSpec({"thr-no-such-command"}));
    RunResult r = run.result();
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "thr-no-such-command: command not found");
    // No child ran, so no pid was ever published.
    for (const auto& report : run.control.reports()) CHECK_FALSE(report.pid.has_value());
  }
  CheckNoChildren();
}

TEST_CASE("TaskExec: success_codes decide which exit statuses are successes") {
  JobSpec spec = ShellSpec("exit $CODE");
  spec.success_codes = {0, 24};
  SUBCASE("24 with [0, 24]") {
    spec.env = {{"CODE", "24"}};
    CHECK(RunToEnd(spec).result.ok);
  }
  SUBCASE("0 with [0, 24]") {
    spec.env = {{"CODE", "0"}};
    CHECK(RunToEnd(spec).result.ok);
  }
  SUBCASE("3 with [0, 24]") {
    spec.env = {{"CODE", "3"}};
    RunResult r = RunToEnd(spec).result;
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "exit status 3");
  }
  SUBCASE("24 with the default [0]") {
    spec.success_codes = {0};
    spec.env = {{"CODE", "24"}};
    CHECK(RunToEnd(spec).result.reason == "exit status 24");
  }
  SUBCASE("0 with [24]") {
    spec.success_codes = {24};
    spec.env = {{"CODE", "0"}};
    RunResult r = RunToEnd(spec).result;
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "exit status 0");
  }
}

TEST_CASE("TaskExec: stdout, stderr and unterminated last lines are all emitted") {
  Finished f = RunToEnd(
      ShellSpec("echo out1; echo err1 >&2; echo; echo out2; printf err-last >&2; printf out-last"));
  CHECK(f.result.ok);
  std::vector<std::string> sorted = f.lines;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<std::string>{"", "err-last", "err1", "out-last", "out1", "out2"});
  // Within one stream, the order is kept.
  auto at = [&](const std::string& line) {
    return std::find(f.lines.begin(), f.lines.end(), line) - f.lines.begin();
  };
  CHECK(at("out1") < at("out2"));
  CHECK(at("out2") < at("out-last"));
  CHECK(at("err1") < at("err-last"));
}

// N for a line "<prefix>N-" followed by 38 `fill` characters; 0 for any other line.
int Numbered(const std::string& line, const std::string& prefix, char fill) {
  if (line.rfind(prefix, 0) != 0) return 0;
  size_t dash = line.find('-', prefix.size());
  if (dash == std::string::npos || dash == prefix.size()) return 0;
  std::string digits = line.substr(prefix.size(), dash - prefix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos) return 0;
  if (line.substr(dash + 1) != std::string(38, fill)) return 0;
  return std::stoi(digits);
}

TEST_CASE("TaskExec: lines of stdout and stderr are never mixed inside a line") {
  Finished f = RunToEnd(ShellSpec(
      "for i in $(seq 1 3000); do echo \"out-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; done &"
      "for i in $(seq 1 3000); do echo \"err-$i-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\" >&2; done;"
      "wait"));
  CHECK(f.result.ok);
  int next_out = 1, next_err = 1, bad = 0;
  for (const std::string& line : f.lines) {
    if (Numbered(line, "out-", 'x') == next_out) {
      ++next_out;
    } else if (Numbered(line, "err-", 'y') == next_err) {
      ++next_err;
    } else {
      ++bad;
    }
  }
  CHECK(bad == 0);
  CHECK(next_out == 3001);
  CHECK(next_err == 3001);
}

TEST_CASE("TaskExec: a line over 64 KiB from a real run comes in marked pieces") {
  Finished f = RunToEnd(ShellSpec("head -c 150000 /dev/zero | tr '\\0' a; echo; echo after"));
  REQUIRE(f.lines.size() == 4);
  const std::string mark(kContinuedMark);
  CHECK(f.lines[0] == std::string(kMaxOutputLine, 'a') + mark);
  CHECK(f.lines[1] == std::string(kMaxOutputLine, 'a') + mark);
  CHECK(f.lines[2] == std::string(150000 - 2 * kMaxOutputLine, 'a'));
  CHECK(f.lines[3] == "after");
}

TEST_CASE("TaskExec: argv runs directly, a string under sh, with env, THRD_JOB and cwd") {
  SUBCASE("argv with shell metacharacters arrives literally") {
    Finished f = RunToEnd(ExecSpec({"printf", "%s|%s", "a;b $HOME *|c", "$(id)"}));
    CHECK(f.lines == std::vector<std::string>{"a;b $HOME *|c|$(id)"});
  }
  SUBCASE("a string runs under /bin/sh -c") {
    Finished f = RunToEnd(ShellSpec("echo $((1 + 2)) | tr 3 x"));
    CHECK(f.lines == std::vector<std::string>{"x"});
  }
  SUBCASE("thrd's environment, the job's env over it, and THRD_JOB") {
    // Set before the run starts and restored after it has ended (AsyncRun joins in scope).
    test::ScopedEnv inherited("THR_TEST_INHERITED", "from-thrd");
    test::ScopedEnv overridden("THR_TEST_OVERRIDDEN", "from-thrd");
    test::ScopedEnv job("THRD_JOB", "not-this");
    JobSpec spec = ShellSpec(R"(echo "$THRD_JOB|$FOO|$THR_TEST_INHERITED|$THR_TEST_OVERRIDDEN")");
    spec.name = "myjob";
    spec.env = {{"FOO", "bar baz"}, {"THR_TEST_OVERRIDDEN", "from-job"}};
    Finished f = RunToEnd(spec);
    CHECK(f.lines == std::vector<std::string>{"myjob|bar baz|from-thrd|from-job"});
  }
  SUBCASE("cwd") {
    test::TempDir dir;
    JobSpec spec = ExecSpec({"pwd", "-P"});
    spec.cwd = dir.path();
    Finished f = RunToEnd(spec);
    CHECK(f.lines == std::vector<std::string>{std::filesystem::canonical(dir.path()).string()});
  }
  SUBCASE("a bad cwd is a failed run with its reason") {
    JobSpec spec = ExecSpec({"true"});
    spec.cwd = "/nonexistent/thr-test";
    RunResult r = RunToEnd(spec).result;
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "cwd /nonexistent/thr-test: No such file or directory");
  }
  SUBCASE("user (as root)") {
    if (::getuid() != 0) {
      MESSAGE("skipped: not running as root");
      return;
    }
    JobSpec spec = ExecSpec({"id", "-un"});
    spec.user = "nobody";
    CHECK(RunToEnd(spec).lines == std::vector<std::string>{"nobody"});
  }
  CheckNoChildren();
}

TEST_CASE("TaskExec: the pid is reported during the run and cleared at its end") {
  AsyncRun run(ExecSpec({"cat"}));  // stdin is /dev/null: ends at once
  RunResult r = run.result();
  CHECK(r.ok);
  std::vector<FakeControl::Reported> reports = run.control.reports();
  REQUIRE(reports.size() >= 2);
  REQUIRE(reports.front().pid.has_value());
  CHECK(*reports.front().pid > 0);
  CHECK_FALSE(reports.front().frozen);
  CHECK_FALSE(reports.back().pid.has_value());
  CHECK_FALSE(reports.back().frozen);
  CHECK(test::ProcessGone(*reports.front().pid));
}

TEST_CASE("TaskExec: a run over its timeout is stopped and failed with the reason") {
  // The command would last far longer than any bound below.
  const std::string sleep_s = std::to_string(static_cast<int>(30 * test::TimeScale()));
  SUBCASE("it ends on the stop signal") {
    JobSpec spec = ExecSpec({"sleep", sleep_s});
    spec.timeout = Ms(200);
    AsyncRun run(spec);
    RunResult r = run.result();
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.interrupted);
    CHECK(r.reason == "timeout after 200ms");
    CAPTURE(run.elapsed().count());
    CHECK(run.elapsed() >= Ms(200));
    CHECK(run.elapsed() < Ms(200) + test::Scaled(Ms(2'000)));
  }
  SUBCASE("it ignores the stop signal: killed after stop_timeout") {
    JobSpec spec = ShellSpec("trap '' TERM; sleep " + sleep_s);
    spec.timeout = Ms(200);
    spec.stop_timeout = Ms(300);
    AsyncRun run(spec);
    RunResult r = run.result();
    CHECK(r.reason == "timeout after 200ms");
    CAPTURE(run.elapsed().count());
    CHECK(run.elapsed() >= Ms(500));
    CHECK(run.elapsed() < Ms(500) + test::Scaled(Ms(2'000)));
  }
  CheckNoChildren();
}

TEST_CASE("TaskExec: kill from another thread ends the whole group at once") {
  AsyncRun run(ShellSpec("sleep 1000 & echo $!; sleep 1000"));
  REQUIRE(test::WaitUntil([&] { return !run.lines().empty() && run.control.first_pid(); }));
  const pid_t pgid = *run.control.first_pid();
  const pid_t grandchild = static_cast<pid_t>(std::stol(run.lines().front()));
  CHECK(::getpgid(grandchild) == pgid);

  auto asked = SteadyClock::now();
  run.control.Change([](RunWants& w) { w.kill = true; });
  REQUIRE(run.WaitDone());
  auto took = std::chrono::duration_cast<milliseconds>(run.ended() - asked);
  CAPTURE(took.count());
  CHECK(took < test::Scaled(Ms(1'000)));

  RunResult r = run.result();
  CHECK(r.ok);  // ended by the operator: a run, not a failure
  CHECK(r.interrupted);
  CHECK(r.reason == "killed by SIGKILL");
  CHECK(test::GroupGone(pgid));
  CHECK(test::ProcessGone(grandchild));
  CHECK_FALSE(run.control.reports().back().pid.has_value());
  CheckNoChildren();
}

TEST_CASE("TaskExec: stop sends stop_signal, then SIGKILL after stop_timeout") {
  SUBCASE("a run that ends on SIGTERM ends at once") {
    JobSpec spec = ExecSpec({"sleep", "1000"});  // stop_timeout: the default 10s
    AsyncRun run(spec);
    REQUIRE(test::WaitUntil([&] { return run.control.first_pid().has_value(); }));
    auto asked = SteadyClock::now();
    run.control.Change([](RunWants& w) { w.stop = true; });
    RunResult r = run.result();
    CHECK(r.ok);
    CHECK(r.interrupted);
    CHECK(r.reason == "killed by SIGTERM");
    CHECK(run.ended() - asked < test::Scaled(Ms(2'000)));
  }
  SUBCASE("a run that ignores SIGTERM is killed after stop_timeout") {
    JobSpec spec = ShellSpec("trap '' TERM; echo ready; sleep 1000");
    spec.stop_timeout = Ms(300);
    AsyncRun run(spec);
    REQUIRE(run.WaitForLine("ready"));
    auto asked = SteadyClock::now();
    run.control.Change([](RunWants& w) { w.stop = true; });
    RunResult r = run.result();
    auto took = std::chrono::duration_cast<milliseconds>(run.ended() - asked);
    CAPTURE(took.count());
    CHECK(took >= Ms(300));
    CHECK(took < Ms(300) + test::Scaled(Ms(2'000)));
    CHECK(r.interrupted);
    CHECK(r.reason == "killed by SIGKILL");
  }
  SUBCASE("stop_signal SIGINT is what the run receives") {
    JobSpec spec = ShellSpec(
        "trap 'echo got INT; exit 0' INT; trap 'echo got TERM; exit 0' TERM;"
        "echo ready; sleep 1000 & wait");
    spec.stop_signal = *ParseSignal("SIGINT");
    AsyncRun run(spec);
    REQUIRE(run.WaitForLine("ready"));
    auto asked = SteadyClock::now();
    run.control.Change([](RunWants& w) { w.stop = true; });
    RunResult r = run.result();
    CHECK(run.HasLine("got INT"));
    CHECK_FALSE(run.HasLine("got TERM"));
    CHECK(r.interrupted);
    CHECK(r.reason == "exit status 0");
    // It ended on the signal, not on the SIGKILL ten seconds later.
    CHECK(run.ended() - asked < test::Scaled(Ms(2'000)));
  }
  CheckNoChildren();
}

// Scripts below wait for a file the test creates, so the test decides when they may end.
constexpr const char* kWaitForGo = "while [ ! -e go ]; do sleep 0.01; done";

void CreateFile(const std::string& path) { std::ofstream(path) << "go\n"; }

TEST_CASE("TaskExec: freeze stops every process of the run until unfrozen") {
  test::TempDir dir;
  JobSpec spec =
      ShellSpec(std::string("sleep 1000 & echo ready; ") + kWaitForGo + "; kill $!; echo done");
  spec.cwd = dir.path();
  AsyncRun run(spec);
  REQUIRE(run.WaitForLine("ready"));
  const pid_t pgid = *run.control.first_pid();

  run.control.Change([](RunWants& w) { w.freeze = true; });
  REQUIRE(test::WaitUntil([&] { return run.control.frozen(); }));
  // The shell and its background sleep at least; each in state T.
  INFO("group: ", test::DescribeGroup(pgid));
  CHECK(test::WaitUntil([&] { return test::AllStopped(pgid, 2); }));

  SUBCASE("unfrozen, it completes") {
    CreateFile(dir.File("go"));  // seen only once it runs again
    run.control.Change([](RunWants& w) { w.freeze = false; });
    RunResult r = run.result();
    CHECK(r.ok);
    CHECK_FALSE(r.interrupted);
    CHECK(run.HasLine("done"));
    std::vector<FakeControl::Reported> reports = run.control.reports();
    // pid, then frozen, then thawed, then cleared.
    REQUIRE(reports.size() == 4);
    CHECK(reports[1].frozen);
    CHECK(reports[1].pid == pgid);
    CHECK_FALSE(reports[2].frozen);
    CHECK(reports[2].pid == pgid);
    CHECK_FALSE(reports[3].pid.has_value());
  }
  SUBCASE("killed while frozen, it ends at once") {
    run.control.Change([](RunWants& w) { w.kill = true; });
    REQUIRE(run.WaitDone(test::Scaled(Ms(2'000))));
    CHECK(run.result().reason == "killed by SIGKILL");
    CHECK(test::GroupGone(pgid));
  }
  SUBCASE("stopped while frozen, it gets the stop signal and SIGCONT, and ends at once") {
    run.control.Change([](RunWants& w) { w.stop = true; });
    REQUIRE(run.WaitDone(test::Scaled(Ms(2'000))));  // stop_timeout is 10s
    CHECK(run.result().reason == "killed by SIGTERM");
    CHECK(test::GroupGone(pgid));
  }
}

TEST_CASE("TaskExec: frozen time does not count toward the timeout") {
  test::TempDir dir;
  const Duration timeout = test::Scaled(Ms(500));
  JobSpec spec = ShellSpec(std::string("echo ready; ") + kWaitForGo + "; echo done");
  spec.cwd = dir.path();
  spec.timeout = timeout;
  AsyncRun run(spec);
  REQUIRE(run.WaitForLine("ready"));
  run.control.Change([](RunWants& w) { w.freeze = true; });
  REQUIRE(test::WaitUntil([&] { return run.control.frozen(); }));
  // Frozen for twice the timeout: the scenario itself, not a wait for something to settle.
  std::this_thread::sleep_for(timeout * 2);
  CreateFile(dir.File("go"));
  run.control.Change([](RunWants& w) { w.freeze = false; });
  RunResult r = run.result();
  CAPTURE(r.reason);
  CHECK(r.ok);
  CHECK(run.HasLine("done"));
  CHECK(run.elapsed() > timeout * 2);
}

TEST_CASE("TaskExec: 200,000 lines all arrive, in order") {
  Finished f = RunToEnd(ExecSpec({"seq", "1", "200000"}));
  CHECK(f.result.ok);
  REQUIRE(f.lines.size() == 200'000);
  size_t wrong = 0;
  for (size_t i = 0; i < f.lines.size(); ++i) {
    if (f.lines[i] != std::to_string(i + 1)) ++wrong;
  }
  CHECK(wrong == 0);
  CHECK(f.lines.back() == "200000");
}

}  // namespace
}  // namespace thr
