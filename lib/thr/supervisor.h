// Owns the jobs: creates them from the config, applies control commands to one, several or
// all of them, keeps the operator's decisions, reloads, and takes snapshots for status.
// Thread-safe.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "thr/clock.h"
#include "thr/config.h"
#include "thr/decisions.h"
#include "thr/events.h"
#include "thr/history.h"
#include "thr/job.h"
#include "thr/run_stamp.h"
#include "thr/state_watch.h"
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

// What a reload did, by job name, each list in config order (removed: in the old order).
struct ReloadReport {
  std::vector<std::string> unchanged, changed, added, removed;
};

// Number of jobs in each state, indexed by JobState.
using StateCounts = std::array<size_t, kJobStateCount>;

class Supervisor {
 public:
  // `decisions` is where operator decisions are kept; DecisionFile("") keeps none.
  Supervisor(const Clock& clock, OutputEcho* echo, DecisionFile decisions = DecisionFile(""));
  ~Supervisor();  // ends every worker
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Creates the configured jobs and starts each as its saved decision says, else as its
  // `start` says. A damaged decisions file is logged and ignored.
  void Start(const Config& config);

  // Applies `control` to the named jobs (or, with `all`, to every job where the table does not
  // refuse it), saves the decisions once, and returns when each job has settled: stop, kill
  // and restart wait for the threads to end, all jobs in parallel. Unknown names and refusals
  // are reported per job.
  std::vector<ControlResult> Apply(Control control, const std::vector<std::string>& names, bool all,
                                   bool freeze = false);

  // `thrctl run`: one run of each named job now (Job::RunNow), in the order named; unknown
  // names and refusals are reported per job. `changed` is true where a run began.
  std::vector<ControlResult> RunNow(const std::vector<std::string>& names);

  // The wall clock was set: calendar jobs re-compute their next runs (ClockWatch's callback).
  void WallClockStepped();

  // Makes the running set match `specs` (CONTRACT.md "Reload"): unchanged jobs untouched,
  // changed and removed ones stopped (in parallel; this waits), changed and added ones started
  // by decision or `start`. Counters and output lines of a changed job carry over.
  ReloadReport Reload(const std::vector<JobSpec>& specs);

  // Snapshots of the named jobs in the order named, or of all jobs in config order when
  // `names` is empty. Unknown names are left out and reported as the first error.
  Status Snapshot(const std::vector<std::string>& names, std::vector<JobInfo>* out) const;
  StateCounts Counts() const;

  // nullptr if no job has that name.
  std::shared_ptr<Job> Find(const std::string& name) const;

  const DecisionFile& decision_file() const { return decision_file_; }
  // Bumped at every state change of any job and at every reload; closed at shutdown.
  StateWatch& watch() { return watch_; }
  // State changes and run ends of every job; closed at shutdown.
  EventBus& events() { return events_; }
  // The last runs of every job (its `history` setting), by name.
  const RunHistory& history() const { return history_; }

  // Called (outside every lock) after a command that changed some job's state, and after every
  // reload.
  void SetChangeListener(std::function<void()> listener);

  // Graceful shutdown: every worker ended as stop does, in parallel; nothing is saved.
  // Waits for a reload in progress; later reloads do nothing.
  void Shutdown();

 private:
  JobState InitialStateLocked(const JobSpec& spec) const;
  // A new job object observed by this supervisor, not begun.
  std::shared_ptr<Job> MakeJob(const JobSpec& spec);
  // Keeps only the decisions of `names`; true if any was dropped.
  bool RetainDecisionsLocked(const std::vector<JobSpec>& specs);
  void SaveDecisionsLocked();
  void NotifyChange();

  const Clock& clock_;
  OutputEcho* const echo_;
  // Commands hold it shared while they change states; reload and shutdown hold it alone, so a
  // command never acts on a job that a reload is replacing.
  std::shared_mutex change_mu_;
  std::mutex reload_mu_;    // one reload at a time, across its unlocked middle phase
  bool shut_down_ = false;  // guarded by change_mu_
  mutable std::shared_mutex mu_;
  std::vector<std::shared_ptr<Job>> jobs_;  // guarded by mu_, config order
  std::mutex decisions_mu_;                 // also serialises writes of the file
  Decisions decisions_;                     // guarded by decisions_mu_
  bool unsaved_ = false;  // guarded by decisions_mu_: the last write failed; retry at the next
  const DecisionFile decision_file_;
  const RunStamps stamps_;  // in the decisions' state dir
  StateWatch watch_;
  RunHistory history_;  // before events_: its observer points here
  EventBus events_;
  std::mutex listener_mu_;
  std::function<void()> listener_;  // guarded by listener_mu_
};

}  // namespace thr
