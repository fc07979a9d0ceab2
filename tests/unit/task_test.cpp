// The built-in tasks a job runs once per slot.
#include "thr/task.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "test_util.h"

namespace thr {
namespace {

// 2026-11-26T07:30:00.250Z
const WallTime kInstant = WallTime(std::chrono::milliseconds(1'795'678'200'250));

// A clock stuck at kInstant.
class FixedClock final : public Clock {
 public:
  SteadyTime Now() const override { return SteadyTime{}; }
  WallTime WallNow() const override { return kInstant; }
};

TEST_CASE("Task: a timestamp is Unix seconds without a format") {
  CHECK(FormatTimestamp(kInstant, "") == "1795678200");
}

TEST_CASE("Task: a timestamp follows a strftime format") {
  CHECK(FormatTimestamp(kInstant, "%s") == "1795678200");
  CHECK(FormatTimestamp(kInstant, "at %s%%") == "at 1795678200%");
}

TEST_CASE("Task: the timestamp task emits one line per run") {
  JobSpec spec;
  spec.name = "tick";
  std::unique_ptr<Task> task = MakeTask(spec);
  FixedClock clock;
  std::vector<std::string> lines;
  RunContext ctx{"tick", &clock, [&](std::string_view line) { lines.emplace_back(line); }, nullptr};
  RunResult result = task->Run(ctx);
  CHECK(result.ok);
  CHECK(lines == std::vector<std::string>{"1795678200"});
}

TEST_CASE("Task: only an exec task needs the job's run control") {
  JobSpec spec;
  spec.name = "sync";
  CHECK_FALSE(MakeTask(spec)->needs_control());
  spec.task = TaskKind::kExec;
  spec.argv = {"true"};
  CHECK(MakeTask(spec)->needs_control());
  CHECK(MakeExecTask(spec)->needs_control());
}

// THRD_TEST_FAULT_JOBS (a comma-separated list of job names) gives those jobs a task that
// throws at its first run: the one way for integration tests to see a job end `failed`.
TEST_CASE("Task: a job named in THRD_TEST_FAULT_JOBS gets a task that throws") {
  FixedClock clock;
  std::vector<std::string> lines;
  RunContext ctx{"sync", &clock, [&](std::string_view line) { lines.emplace_back(line); }, nullptr};
  JobSpec spec;
  spec.name = "sync";

  SUBCASE("named alone") {
    test::ScopedEnv env("THRD_TEST_FAULT_JOBS", "sync");
    std::unique_ptr<Task> task = MakeTask(spec);
    CHECK_FALSE(task->needs_control());
    CHECK_THROWS_WITH_AS(task->Run(ctx), doctest::Contains("THRD_TEST_FAULT_JOBS"),
                         std::runtime_error);
  }
  SUBCASE("named in a list, whatever its task") {
    test::ScopedEnv env("THRD_TEST_FAULT_JOBS", "a,sync,b");
    spec.task = TaskKind::kExec;
    spec.argv = {"true"};
    CHECK_THROWS_AS(MakeTask(spec)->Run(ctx), std::runtime_error);
  }
  SUBCASE("a name that only starts or ends the same is not named") {
    test::ScopedEnv env("THRD_TEST_FAULT_JOBS", "syn,sync2,async,");
    RunResult result = MakeTask(spec)->Run(ctx);
    CHECK(result.ok);
    CHECK(lines == std::vector<std::string>{"1795678200"});
  }
  SUBCASE("unset: the normal task") {
    test::ScopedEnv env("THRD_TEST_FAULT_JOBS", std::nullopt);
    CHECK(MakeTask(spec)->Run(ctx).ok);
    CHECK(lines.size() == 1);
  }
}

}  // namespace
}  // namespace thr
