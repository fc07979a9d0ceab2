// Owns the jobs: creates them from the config, applies control commands to one, several or
// all of them, and takes snapshots for status. Thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <string>
#include <vector>

#include "thr/clock.h"
#include "thr/config.h"
#include "thr/job.h"
#include "thr/status.h"

namespace thr {

class OutputEcho;

// The per-job result of a control command, as sent in replies.
struct ControlResult {
  std::string name;
  Status status;         // ok, unknown_job or refused
  bool changed = false;  // false for a no-op or a refusal
  JobState before = JobState::kStopped;
  JobState after = JobState::kStopped;
};

class Supervisor {
 public:
  Supervisor(const Clock& clock, OutputEcho* echo);
  ~Supervisor();  // ends every worker
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Creates the configured jobs and starts each as its `start` says.
  void Start(const Config& config);

  // Applies `control` to the named jobs (or, with `all`, to every job where the table does not
  // refuse it) and returns when each has settled: stop, kill and restart wait for the threads
  // to end, all jobs in parallel. Unknown names and refusals are reported per job.
  std::vector<ControlResult> Apply(Control control, const std::vector<std::string>& names, bool all,
                                   bool freeze = false);

  // Snapshots of the named jobs in the order named, or of all jobs in config order when
  // `names` is empty. Unknown names are left out and reported as the first error.
  Status Snapshot(const std::vector<std::string>& names, std::vector<JobInfo>* out) const;

  // nullptr if no job has that name.
  std::shared_ptr<Job> Find(const std::string& name) const;

  // Graceful shutdown: every worker ended as stop does, in parallel; nothing is saved.
  void Shutdown();

 private:
  const Clock& clock_;
  OutputEcho* const echo_;
  mutable std::shared_mutex mu_;
  std::vector<std::shared_ptr<Job>> jobs_;  // guarded by mu_, config order
};

}  // namespace thr
