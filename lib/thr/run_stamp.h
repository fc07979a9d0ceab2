// When a calendar job with `catch_up` last accounted for its schedule, kept in the state dir
// so that a slot passed while thrd was down runs once at the next start (systemd's
// Persistent=). One small file per job, <state dir>/runs/<job>.last, holding one ISO 8601 UTC
// time; only the job's own worker writes it.
#pragma once

#include <optional>
#include <string>

#include "thr/clock.h"
#include "thr/status.h"

namespace thr {

class RunStamps {
 public:
  // An empty `state_dir` keeps nothing: Load finds nothing, Save succeeds (tests, no HOME).
  explicit RunStamps(std::string state_dir);

  // The path of `job`'s stamp; empty when nothing is kept.
  std::string PathOf(const std::string& job) const;
  // The stamp, or nullopt when there is none. A damaged stamp is an error (the caller logs it
  // and treats the job as never run, which never causes a run).
  Status Load(const std::string& job, std::optional<WallTime>* out) const;
  // Replaces the stamp atomically.
  Status Save(const std::string& job, WallTime t) const;

 private:
  std::string dir_;  // <state dir>/runs, or empty
};

}  // namespace thr
