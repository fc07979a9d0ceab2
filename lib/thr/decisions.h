// Operator decisions kept across restarts (CONTRACT.md "Kept decisions"): one small JSON file
// in the state dir, {"version": 1, "decisions": {"job": "paused", ...}}, replaced whole and
// atomically so that a crash at any instant leaves the old file or the new one, never a mix.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "thr/job_state.h"
#include "thr/status.h"

namespace thr {

// Job name -> running, paused or stopped (a kill is kept as stopped).
using Decisions = std::map<std::string, JobState>;

// The state a decision keeps for a job the operator left in `after`.
JobState DecisionFor(JobState after);

// The file's text and back. Parsing is strict: anything unexpected is an error, so that a
// damaged file is reported rather than half-believed.
std::string FormatDecisions(const Decisions& decisions);
Status ParseDecisions(std::string_view text, Decisions* out);

// `--state-dir`, else $STATE_DIRECTORY (its first entry), else /var/lib/thrd for root, else
// $XDG_STATE_HOME/thrd or ~/.local/state/thrd; empty (nothing kept) without an absolute HOME.
std::string ResolveStateDir(const std::string& flag);

class DecisionFile {
 public:
  // An empty `dir` keeps nothing (Load finds nothing, Save succeeds): for tests.
  explicit DecisionFile(std::string dir);
  DecisionFile(const DecisionFile& other);  // same file, its own count

  const std::string& path() const { return path_; }
  const std::string& dir() const { return dir_; }  // empty: nothing kept

  // What the file holds. A missing file is empty; an unreadable or damaged one is an error
  // (the caller logs it and goes on with nothing).
  Status Load(Decisions* out) const;
  // Renames a file that Load refused to decisions.json.bad (replacing an older one).
  Status SetAside() const;
  // Writes a temp file, fsyncs it, renames it over the file and fsyncs the directory.
  Status Save(const Decisions& decisions) const;
  // Writes attempted so far: one per request that changed a decision, whatever its size.
  uint64_t saves() const { return saves_.load(); }

 private:
  std::string dir_;
  std::string path_;
  mutable std::atomic<uint64_t> saves_{0};
};

}  // namespace thr
