// The built-in tasks a job runs once per slot.
#include "thr/task.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

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
  RunContext ctx{"tick", &clock, [&](std::string_view line) { lines.emplace_back(line); }};
  RunResult result = task->Run(ctx);
  CHECK(result.ok);
  CHECK(lines == std::vector<std::string>{"1795678200"});
}

TEST_CASE("Task: an exec task throws until exec is supported, so its job ends failed") {
  JobSpec spec;
  spec.name = "sync";
  spec.task = TaskKind::kExec;
  spec.argv = {"true"};
  std::unique_ptr<Task> task = MakeTask(spec);
  FixedClock clock;
  RunContext ctx{"sync", &clock, [](std::string_view) {}};
  CHECK_THROWS_AS(task->Run(ctx), std::runtime_error);
}

}  // namespace
}  // namespace thr
