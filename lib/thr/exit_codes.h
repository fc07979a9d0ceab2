// Exit statuses of thrd and thrctl, in one place; README's table mirrors this.
#pragma once

namespace thr {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,       // the daemon refused or the operation failed
  kExitUsage = 2,        // unknown command or option, missing argument
  kExitUnreachable = 3,  // no socket, refused, permission denied, timed out
  kExitConfig = 78,      // EX_CONFIG: invalid configuration
};

}  // namespace thr
