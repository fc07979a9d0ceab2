// The process groups of runs in progress, and the keeper: a tiny process forked before any
// thread starts that holds the read end of a pipe from thrd. When thrd dies in any way
// (SIGKILL, a crash), the pipe reads EOF and the keeper SIGKILLs every group still registered,
// grandchildren included. See docs/design.md.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <set>

#include "thr/fd.h"
#include "thr/status.h"

namespace thr {

// thrd's main() runs KeeperMain() instead of thrd when started under the keeper's name.
bool IsKeeperInvocation(const char* argv0);
int KeeperMain();

// Process-wide; thread-safe.
class RunGroups {
 public:
  static RunGroups& Get();

  // Starts the keeper. Without one (unit tests, or when this fails) groups are still
  // tracked, just not guarded against thrd's death.
  Status StartKeeper();
  // After the keeper died: a new one, told of every group in progress.
  Status RestartKeeper();
  // Closes the pipe (the keeper kills what is registered, normally nothing) and reaps it.
  void StopKeeper();
  pid_t keeper_pid() const;

  // vforks; the child runs `child_main(arg)`, which must not return (it execs or _exits). The
  // child is registered as a group (its pid) before anyone can see it exit, so ReapStrays()
  // never takes a run's status. Returns the pid, or -1 with errno set.
  pid_t ForkRegistered(void (*child_main)(void*), void* arg);
  void Remove(pid_t pgid);
  bool Contains(pid_t pgid) const;

 private:
  RunGroups() = default;
  Status StartKeeperLocked();
  void Tell(char op, pid_t pgid);  // requires mu_

  mutable std::mutex mu_;
  std::set<pid_t> groups_;  // guarded by mu_
  UniqueFd keeper_pipe_;    // guarded by mu_; write end
  pid_t keeper_pid_ = -1;   // guarded by mu_
};

}  // namespace thr
