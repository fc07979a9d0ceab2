// `thrctl status --watch`: the status table redrawn in place, like watch(1) or top, on every
// event thrd pushes and at each --interval, until q, Ctrl-C, SIGTERM or SIGHUP, or until thrd
// goes away. Kept apart from ctl.cpp, which only dispatches here.
#pragma once

#include "thr/ctl.h"

namespace thr {

inline constexpr Duration kDefaultWatchInterval{2'000};

// Runs the watch and returns thrctl's exit status: 0 when the user quit (q, Ctrl-C, SIGTERM,
// SIGHUP), 1 when thrd refused the request (an unknown job), 2 when stdout is not a terminal
// or --json was given, 3 when thrd cannot be reached or goes away. The terminal is given back
// as it was on every one of these paths.
int RunWatch(const CtlOptions& options);

}  // namespace thr
