// Job states, control commands and the one transition table between them
// (CONTRACT.md "Jobs, states and commands"; s6's actions[state][event]).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace thr {

enum class JobState { kRunning, kPaused, kStopped, kKilled, kFailed };
enum class Control { kPause, kResume, kStop, kKill, kStart, kRestart };

inline constexpr int kJobStateCount = 5;
inline constexpr int kControlCount = 6;

struct Transition {
  enum class Kind { kTo, kNoop, kRefused };
  Kind kind;
  JobState to;  // meaningful for kTo only
};

// The whole table, pure: what `control` does to a job in `state`.
Transition Next(JobState state, Control control);

// What the job's own thread concludes when a run ends, as opposed to what the operator asks:
// every way into `failed`, and the clean ends of a service. (The ways out of `failed` are the
// controls `start` and `restart`, a reload that changes the job, and a restart of thrd, since
// `failed` is not an operator decision.)
enum class Verdict {
  kInternalError,  // the task threw (or the thread could not be created): failed
  kMaxFailures,    // a periodic job's max_failures consecutive failed runs: failed
  kCrashLoop,      // a service's max_restarts quick restarts: failed
  kNoRestart,      // a service with restart never whose command failed: failed
  kServiceDone,    // a service that exited cleanly under restart on-failure or never: stopped
};
inline constexpr int kVerdictCount = 5;

// The second table: what `verdict` does to a job in `state`. Only a job that still wants to
// run (running or paused) takes it; the operator's stop or kill, which ended the run, wins.
Transition Next(JobState state, Verdict verdict);
std::string_view VerdictName(Verdict verdict);

// "job sync is stopped; use start": the message for a refused transition.
std::string RefusalReason(std::string_view job, JobState state);

std::string_view StateName(JobState state);
std::optional<JobState> ParseState(std::string_view name);
std::string_view ControlName(Control control);
std::optional<Control> ParseControl(std::string_view name);

}  // namespace thr
