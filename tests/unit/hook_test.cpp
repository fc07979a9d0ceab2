// HookRunner: the on_failure hook's environment, its timeout, one at a time with the latest
// event kept, and that it never blocks the caller. Real processes; waits are polls with
// generous deadlines (test_util.h).
#include "thr/hook.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"
#include "thr/config.h"

namespace thr {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The lines the hook emitted, thread-safe (the hook's thread writes them).
struct Lines {
  std::mutex mu;
  std::vector<std::string> lines;
  HookRunner::Emit Sink() {
    return [this](std::string_view l) {
      std::lock_guard<std::mutex> lock(mu);
      lines.emplace_back(l);
    };
  }
  std::string All() {
    std::lock_guard<std::mutex> lock(mu);
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    return all;
  }
};

JobSpec HookSpec(const std::string& shell) {
  JobSpec spec;
  spec.name = "hooked";
  spec.task = TaskKind::kExec;
  spec.shell = "true";
  spec.every = Duration(1000);
  spec.on_failure_shell = shell;
  return spec;
}

TEST_CASE("HookRunner: the hook gets THRD_JOB, THRD_EVENT, THRD_REASON, THRD_EXIT_STATUS") {
  test::QuietLogs quiet;
  test::TempDir dir;
  const std::string out = dir.File("env");
  JobSpec spec = HookSpec(
      "printf '%s|%s|%s|%s\\n' \"$THRD_JOB\" \"$THRD_EVENT\" \"$THRD_REASON\" "
      "\"$THRD_EXIT_STATUS\" > " +
      out + "; echo said so");
  Lines lines;
  HookRunner hook(spec, lines.Sink());
  hook.Fire({"run_failed", "exit status 3", 3});
  hook.WaitIdle();
  CHECK(ReadFile(out) == "hooked|run_failed|exit status 3|3\n");
  CHECK(lines.All() == "[on_failure] said so\n");
  SUBCASE("no exit status: empty") {
    hook.Fire({"job_failed", "killed by SIGKILL", std::nullopt});
    hook.WaitIdle();
    CHECK(ReadFile(out) == "hooked|job_failed|killed by SIGKILL|\n");
  }
  CHECK(hook.finished() >= 1);
}

TEST_CASE("HookRunner: a hanging hook is killed after hook_timeout, and Fire never waits") {
  test::QuietLogs quiet;
  JobSpec spec = HookSpec("sleep 60");
  spec.hook_timeout = Duration(200);
  Lines lines;
  HookRunner hook(spec, lines.Sink());
  auto t0 = SteadyClock::now();
  hook.Fire({"run_failed", "exit status 1", 1});
  CHECK(SteadyClock::now() - t0 < test::Scaled(Duration(100)));
  hook.WaitIdle();
  auto took = SteadyClock::now() - t0;
  CHECK(took >= Duration(200));
  CHECK(took < test::Scaled(Duration(5000)));
  CHECK(lines.All() == "[thrd] on_failure hook failed: killed after 200ms (hook_timeout)\n");
}

TEST_CASE("HookRunner: a hook that writes without pause is still killed at hook_timeout") {
  test::QuietLogs quiet;
  JobSpec spec = HookSpec("yes output");
  spec.hook_timeout = Duration(300);
  std::atomic<uint64_t> lines{0};
  HookRunner hook(spec, [&](std::string_view) { ++lines; });
  auto t0 = SteadyClock::now();
  hook.Fire({"run_failed", "x", 1});
  hook.WaitIdle();
  CHECK(SteadyClock::now() - t0 < test::Scaled(Duration(5000)));
  CHECK(lines.load() > 1);
}

TEST_CASE("HookRunner: one hook at a time; events meanwhile coalesce to the latest") {
  test::QuietLogs quiet;
  test::TempDir dir;
  const std::string out = dir.File("events");
  const std::string gate = dir.File("gate");
  // Each hook appends its event, then the first one waits for the gate file.
  JobSpec spec = HookSpec("echo \"$THRD_EVENT $THRD_REASON\" >> " + out + "; while [ ! -e " + gate +
                          " ]; do sleep 0.01; done");
  Lines lines;
  HookRunner hook(spec, lines.Sink());
  hook.Fire({"run_failed", "one", 1});
  REQUIRE(test::WaitUntil([&] { return ReadFile(out) == "run_failed one\n"; }));
  hook.Fire({"run_failed", "two", 1});
  hook.Fire({"job_failed", "three", 1});
  std::ofstream(gate).put('x');
  hook.WaitIdle();
  CHECK(ReadFile(out) == "run_failed one\njob_failed three\n");
  CHECK(hook.finished() == 2);
}

TEST_CASE("HookRunner: a hook that fails or cannot start is logged, nothing more") {
  test::QuietLogs quiet;
  Lines lines;
  SUBCASE("exit status") {
    JobSpec spec = HookSpec("exit 4");
    HookRunner hook(spec, lines.Sink());
    hook.Fire({"run_failed", "x", 1});
    hook.WaitIdle();
    CHECK(lines.All() == "[thrd] on_failure hook failed: exit status 4\n");
  }
  SUBCASE("not found") {
    JobSpec spec = HookSpec("");
    spec.on_failure_argv = {"/nonexistent/hook"};
    HookRunner hook(spec, lines.Sink());
    hook.Fire({"run_failed", "x", 1});
    hook.WaitIdle();
    CHECK(lines.All().rfind("[thrd] on_failure hook failed: ", 0) == 0);
  }
}

TEST_CASE("HookRunner: destroying the runner kills a hook in progress at once") {
  test::QuietLogs quiet;
  test::TempDir dir;
  const std::string pid_file = dir.File("pid");
  JobSpec spec = HookSpec("echo $$ > " + pid_file + "; exec sleep 60");
  Lines lines;
  pid_t pid = 0;
  auto t0 = SteadyClock::now();
  {
    HookRunner hook(spec, lines.Sink());
    hook.Fire({"run_failed", "x", 1});
    REQUIRE(test::WaitUntil([&] { return !ReadFile(pid_file).empty(); }));
    pid = std::stoi(ReadFile(pid_file));
    t0 = SteadyClock::now();
  }
  CHECK(SteadyClock::now() - t0 < test::Scaled(Duration(3000)));
  CHECK(::kill(pid, 0) != 0);  // gone and reaped
}

}  // namespace
}  // namespace thr
