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

// "job sync is stopped; use start": the message for a refused transition.
std::string RefusalReason(std::string_view job, JobState state);

std::string_view StateName(JobState state);
std::optional<JobState> ParseState(std::string_view name);
std::string_view ControlName(Control control);
std::optional<Control> ParseControl(std::string_view name);

}  // namespace thr
