// thrd's life: load the config, bind the socket, run the jobs, wait for signals, shut down.
#pragma once

#include <string>

#include "thr/log.h"

namespace thr {

struct DaemonOptions {
  std::string config_path;  // empty: the embedded default
  std::string socket_path;  // empty: resolved as CONTRACT.md says
  std::string state_dir;    // empty: resolved by ResolveStateDir (decisions.h)
  std::string log_level = "info";
  LogFormat log_format = LogFormat::kText;  // --log-format: thrd's log and the output echo
  bool check_only = false;
};

// Returns thrd's exit status (exit_codes.h).
int RunDaemon(const DaemonOptions& options);

}  // namespace thr
