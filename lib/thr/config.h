// The config file: load, validate, and the JobSpec every job is built from.
// Known keys live in one table in config.cpp; docs in README.md ("Config").
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "thr/duration.h"
#include "thr/job_state.h"
#include "thr/status.h"

namespace thr {

enum class TaskKind { kTimestamp, kExec };
std::string_view TaskName(TaskKind kind);

// What a service does when its command exits (`restart`).
enum class RestartMode { kAlways, kOnFailure, kNever };
std::string_view RestartModeName(RestartMode mode);

// A job's settings with defaults filled in; immutable once loaded. Two specs are equal
// exactly when reload may leave the job untouched.
struct JobSpec {
  std::string name;
  TaskKind task = TaskKind::kTimestamp;
  // The schedule: a period or a calendar expression, never both; neither for a service (an
  // exec job without a schedule: see IsService()).
  std::optional<Duration> every;
  std::string cron;       // as written (lib/thr/cron.h); validated at load
  std::string tz;         // cron: an IANA zone; empty = thrd's local zone
  Duration jitter{0};     // each run delayed by a random amount up to this (lib/thr/jitter.h)
  bool catch_up = false;  // cron: run once at start for a slot passed while thrd was down
  std::string format;     // timestamp: strftime pattern; empty = Unix seconds
  std::vector<std::string> argv;           // exec: run directly
  std::string shell;                       // exec: run by /bin/sh -c (when argv is empty)
  std::string cwd;                         // exec
  std::map<std::string, std::string> env;  // exec: added to thrd's environment
  std::optional<Duration> timeout;         // exec
  std::string user;                        // exec: name or uid; empty = thrd's own
  std::string group;                       // exec: name or gid; empty = the user's
  std::optional<unsigned> umask;           // exec
  std::vector<int> success_codes{0};       // exec: exit statuses that count as success
  int stop_signal = 15;                    // SIGTERM: what `stop` sends first
  Duration stop_timeout{10'000};
  JobState start = JobState::kRunning;  // kRunning, kPaused or kStopped
  size_t log_lines = 1000;
  // Completed runs kept for `thrctl history` and the `show` strip (lib/thr/history.h); 0 = none.
  uint32_t history = 100;
  // Periodic jobs: consecutive failed runs after which the job is `failed`; 0 = never.
  uint32_t max_failures = 0;
  // Services (lib/thr/restart_policy.h).
  RestartMode restart = RestartMode::kAlways;
  Duration backoff{1000};          // the first restart delay, doubled per quick death
  Duration backoff_max{60'000};    // the delay never grows past this
  Duration healthy_after{10'000};  // a run up this long resets the backoff and the loop count
  uint32_t max_restarts = 5;       // quick restarts in a row that make a crash loop; 0 = never
  std::optional<Duration> restart_window;  // when set, only restarts this recent count
  // Every job: the hook run after a failed run and when the job goes `failed` (lib/thr/hook.h).
  std::vector<std::string> on_failure_argv;  // run directly
  std::string on_failure_shell;              // run by /bin/sh -c (when argv is empty)
  Duration hook_timeout{30'000};

  bool has_hook() const { return !on_failure_argv.empty() || !on_failure_shell.empty(); }
  bool operator==(const JobSpec&) const = default;
};

// A service: an exec job with no schedule. Its command runs continuously and is restarted by
// `restart`. (A schedule key added later must be checked here too.)
inline bool IsService(const JobSpec& spec) {
  return spec.task == TaskKind::kExec && !spec.every.has_value() && spec.cron.empty();
}

// A calendar job: runs on the wall clock by its `cron` expression (lib/thr/job_calendar.cpp).
inline bool IsCalendar(const JobSpec& spec) { return !spec.cron.empty(); }

// One list of `allow`: users and groups as written, and the ids they resolved to at load.
struct AllowList {
  std::vector<std::string> users;   // names or uids, as written
  std::vector<std::string> groups;  // names or gids, as written
  std::vector<uid_t> uids;          // `users`, resolved, in the same order
  std::vector<gid_t> gids;          // `groups`, resolved, in the same order

  bool operator==(const AllowList&) const = default;
};

// `allow`: who besides root and thrd's own user may use thrd (lib/thr/access.h).
struct Allow {
  AllowList control;  // may do everything (control implies read)
  AllowList read;     // may only look

  bool operator==(const Allow&) const = default;
};

struct Config {
  std::string origin;  // the file path, or "<embedded default>"
  // origin, then each drop-in read, in the order read; empty for the embedded default
  std::vector<std::string> files;
  std::optional<std::string> socket;
  unsigned socket_mode = 0660;       // permission bits of the socket file, at most 0777
  std::string socket_group;          // name or gid; empty: thrd's own group
  size_t max_connections = 1024;     // open control connections; past it: error busy
  Duration idle_timeout{300'000};    // a connection with nothing pending is closed after it
  std::vector<std::string> include;  // drop-in glob patterns, as written
  Allow allow;                       // main file only
  std::vector<JobSpec> jobs;         // the main file's, then each drop-in's, in order
  // Metrics (lib/thr/metrics_export.h); empty: off. `thrctl metrics` works either way.
  std::string metrics_listen;  // "127.0.0.1:9464": serve /metrics over HTTP
  std::string metrics_file;    // absolute path, replaced whole every metrics_every
  Duration metrics_every{15'000};
};

inline constexpr Duration kMinEvery{10};
inline constexpr Duration kMaxStopTimeout{5 * 60'000};
inline constexpr size_t kMaxNameLength = 64;
inline constexpr size_t kMaxLogLines = 1'000'000;
inline constexpr uint32_t kMaxHistory = 10'000;
inline constexpr size_t kMaxMaxConnections = 65536;
inline constexpr Duration kMinIdleTimeout{1000};
inline constexpr Duration kMinMetricsEvery{1000};

// Reads and validates `path`. Errors name the file and line:column (syntax) or the job and
// key (meaning), in one line: `config /etc/thrd.json: job "sync": key "every": ...`.
Status LoadConfig(const std::string& path, Config* out);

// Validates `text` as if read from `origin`, then reads the drop-ins its `include` names
// (relative patterns against the directory of `origin`). Errors name the file they are in.
Status ParseConfig(std::string_view text, const std::string& origin, Config* out);

// The embedded default (config/default.json compiled in). Its `files` is empty.
Status LoadDefaultConfig(Config* out);
extern const char* const kDefaultConfigJson;

// The line `thrd --check` prints for a valid config: "/etc/thrd/thrd.json: ok, 5 jobs", or
// with drop-ins "/etc/thrd/thrd.json (+2 drop-ins): ok, 5 jobs".
std::string DescribeConfig(const Config& config);

// "exec every 5m", "timestamp every 1s", "exec cron \"30 2 * * 1-5\" (Europe/Berlin)" or
// "exec service (restart always)", for logs.
std::string DescribeKind(const JobSpec& spec);

// How many of `config`'s jobs are exec jobs (those that hold descriptors while they run).
size_t ExecJobs(const Config& config);

// True if `name` is 1 to 64 of A-Za-z0-9_.-
bool IsValidJobName(std::string_view name);

}  // namespace thr
