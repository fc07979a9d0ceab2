// What a job runs once per slot: the built-in `timestamp` (task.cpp) or `exec` (task_exec.cpp).
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "thr/clock.h"
#include "thr/config.h"

namespace thr {

// What a run reports.
struct RunResult {
  bool ok = true;
  bool interrupted = false;  // ended by stop or kill: counted as a run, not a failure
  std::string reason;        // one line, on failure: "exit status 3"
  // The command's exit status when it exited (not when killed by a signal or never started).
  std::optional<int> exit_status;
};

// What the operator wants of a run in progress.
struct RunWants {
  bool stop = false;    // end it gracefully (stop_signal, then SIGKILL after stop_timeout)
  bool kill = false;    // end it now
  bool freeze = false;  // SIGSTOP it (pause --freeze) until this turns false
};

// The job's side of a run in progress. Implemented by Job; thread-safe.
class RunControl {
 public:
  virtual ~RunControl() = default;
  // An eventfd that becomes readable whenever wants() may have changed.
  virtual int wake_fd() const = 0;
  virtual RunWants wants() const = 0;
  // Publishes the run's pid (nullopt when it has ended) and whether it is frozen, for status.
  virtual void Report(std::optional<pid_t> pid, bool frozen) = 0;
};

// Handed to a run: where its output goes, the clock, and the job's control.
struct RunContext {
  std::string_view job;
  const Clock* clock;
  std::function<void(std::string_view line)> emit;
  RunControl* control;  // set when the task says needs_control()
};

class Task {
 public:
  virtual ~Task() = default;
  // One run. Throwing means the job cannot go on: it ends `failed`.
  virtual RunResult Run(RunContext& ctx) = 0;
  // True if a run can block (a child process), so it needs RunContext::control.
  virtual bool needs_control() const { return false; }
};

std::unique_ptr<Task> MakeTask(const JobSpec& spec);
std::unique_ptr<Task> MakeExecTask(const JobSpec& spec);

struct SpawnRequest;
// How `spec`'s processes are started (its user, group, cwd, umask, thrd's environment plus
// `env` plus THRD_JOB and `extra_env`), running `argv`, or `shell` by /bin/sh -c when argv is
// empty. Used for runs and for the job's hook. Defined in task_exec.cpp.
SpawnRequest JobSpawnRequest(const JobSpec& spec, const std::vector<std::string>& argv,
                             const std::string& shell,
                             const std::map<std::string, std::string>& extra_env = {});

// The timestamp task's line: Unix seconds, or `format` (strftime, local time) when set.
std::string FormatTimestamp(WallTime t, const std::string& format);

}  // namespace thr
