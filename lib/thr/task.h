// What a job runs once per slot. Built-in `timestamp` lives here; `exec` comes with process.h.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "thr/clock.h"
#include "thr/config.h"

namespace thr {

// What a run reports.
struct RunResult {
  bool ok = true;
  std::string reason;  // one line, on failure: "exit status 3"
};

// Handed to a run: where its output goes and the clock it reads.
struct RunContext {
  std::string_view job;
  const Clock* clock;
  std::function<void(std::string_view line)> emit;
};

class Task {
 public:
  virtual ~Task() = default;
  // One run. Throwing means the job cannot go on: it ends `failed`.
  virtual RunResult Run(RunContext& ctx) = 0;
};

std::unique_ptr<Task> MakeTask(const JobSpec& spec);

// The timestamp task's line: Unix seconds, or `format` (strftime, local time) when set.
std::string FormatTimestamp(WallTime t, const std::string& format);

}  // namespace thr
