// Every fork, signal and reap of thrd lives here. A run's child leads its own process group;
// the group is what thrd signals and what it reaps, so nothing a run starts outlives it.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "thr/fd.h"
#include "thr/status.h"

namespace thr {

struct SpawnRequest {
  std::vector<std::string> argv;  // argv[0] without '/' is looked up in PATH (env's, else thrd's)
  std::string cwd;                // empty: thrd's
  std::vector<std::string> env;   // the whole environment, "NAME=value"
  std::set<std::string> job_env;  // names the job's `env` set: never overridden by `user`
  std::string user;               // empty: thrd's own; else a name or uid, looked up now
  std::string group;
  std::optional<unsigned> umask;
};

// One spawned run: the leader's pid (== its process group), a pidfd and the output pipes.
// Not thread-safe: owned by the job thread that spawned it.
class Child {
 public:
  ~Child();  // kills and reaps whatever is left of the group
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  int stdout_fd() const { return out_.get(); }
  int stderr_fd() const { return err_.get(); }
  void CloseStdout() { out_.Reset(); }
  void CloseStderr() { err_.Reset(); }

  // Sends `sig` to every process of the group.
  void SignalGroup(int sig) const;
  // Reaps the leader once pidfd is readable (blocks until then); the raw wait status.
  int ReapLeader();
  // SIGKILLs what is left of the group and reaps every member thrd adopted as subreaper.
  void KillAndReapGroup();

 private:
  friend Status Spawn(const SpawnRequest& request, std::unique_ptr<Child>* out);
  Child() = default;

  pid_t pid_ = -1;
  bool leader_reaped_ = false;
  bool group_reaped_ = false;
  UniqueFd pidfd_, out_, err_;
};

// Forks and execs. A failure before the program runs (command not found, bad cwd, unknown user,
// setuid refused) comes back as a Status whose message is the run's one-line reason, e.g.
// "foo: command not found"; the half-started child is reaped.
Status Spawn(const SpawnRequest& request, std::unique_ptr<Child>* out);

// The soft RLIMIT_NOFILE every run starts with from now on; 0 (the default) leaves thrd's own.
// thrd raises its own soft limit to the hard one for its connections; runs keep the limit
// thrd was given, as systemd gives each service its own, since a select()-based program
// breaks on descriptors past 1023.
void SetRunNofileLimit(uint64_t soft);

// "exit status 3", "killed by SIGKILL".
std::string DescribeWaitStatus(int status);

// Makes thrd a child subreaper, so a run's orphaned grandchildren become thrd's to reap.
void BecomeSubreaper();

// Puts this process's futexes (every mutex and condition variable) in the kernel's global
// hash, as before Linux 6.16, instead of the small private hash that 6.16+ gives a threaded
// process: 10,000 job threads waking on the same instant contended for its few buckets and
// thrd used ~5x the CPU (bench/run, scale). Call before threads start. Returns false when the
// kernel has no private futex hash (older than 6.16: nothing to do) or refused.
bool UseGlobalFutexHash();

// Reaps exited children other than the leader of a run in progress (adopted strays, members
// of a run's group whose parent died, the keeper). Returns true if a run's leader zombie was
// left for its job thread, which may hide further zombies: call again soon.
bool ReapStrays();

}  // namespace thr
