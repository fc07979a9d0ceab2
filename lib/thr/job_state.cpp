#include "thr/job_state.h"

#include <string>

namespace thr {
namespace {

using K = Transition::Kind;
constexpr Transition To(JobState s) { return {K::kTo, s}; }
constexpr Transition kNoop{K::kNoop, JobState::kRunning};
constexpr Transition kRefuse{K::kRefused, JobState::kRunning};

// kTable[control][state]; rows and columns in enum order. This is the contract's table.
constexpr Transition kTable[kControlCount][kJobStateCount] = {
    //            running                    paused                     stopped / killed / failed
    /* pause   */ {To(JobState::kPaused), kNoop, kRefuse, kRefuse, kRefuse},
    /* resume  */ {kNoop, To(JobState::kRunning), kRefuse, kRefuse, kRefuse},
    /* stop    */ {To(JobState::kStopped), To(JobState::kStopped), kNoop, kNoop, kNoop},
    /* kill    */ {To(JobState::kKilled), To(JobState::kKilled), kNoop, kNoop, kNoop},
    /* start   */
    {kNoop, kNoop, To(JobState::kRunning), To(JobState::kRunning), To(JobState::kRunning)},
    /* restart */
    {To(JobState::kRunning), To(JobState::kRunning), To(JobState::kRunning), To(JobState::kRunning),
     To(JobState::kRunning)},
};

// kVerdicts[verdict][state], likewise.
constexpr Transition kVerdicts[kVerdictCount][kJobStateCount] = {
    //                running                 paused                  stopped / killed / failed
    /* internal    */ {To(JobState::kFailed), To(JobState::kFailed), kNoop, kNoop, kNoop},
    /* max_fail    */ {To(JobState::kFailed), To(JobState::kFailed), kNoop, kNoop, kNoop},
    /* crash_loop  */ {To(JobState::kFailed), To(JobState::kFailed), kNoop, kNoop, kNoop},
    /* no_restart  */ {To(JobState::kFailed), To(JobState::kFailed), kNoop, kNoop, kNoop},
    /* done        */ {To(JobState::kStopped), To(JobState::kStopped), kNoop, kNoop, kNoop},
};

constexpr std::string_view kVerdictNames[kVerdictCount] = {
    "internal error", "max_failures reached", "crash loop", "failed with restart never",
    "exited cleanly"};

constexpr std::string_view kStateNames[kJobStateCount] = {"running", "paused", "stopped", "killed",
                                                          "failed"};
constexpr std::string_view kControlNames[kControlCount] = {"pause", "resume", "stop",
                                                           "kill",  "start",  "restart"};

}  // namespace

Transition Next(JobState state, Control control) {
  return kTable[static_cast<int>(control)][static_cast<int>(state)];
}

Transition Next(JobState state, Verdict verdict) {
  return kVerdicts[static_cast<int>(verdict)][static_cast<int>(state)];
}

std::string_view VerdictName(Verdict verdict) { return kVerdictNames[static_cast<int>(verdict)]; }

// Every refusal in the table is pause or resume of a job without a live schedule.
std::string RefusalReason(std::string_view job, JobState state) {
  return "job " + std::string(job) + " is " + std::string(StateName(state)) + "; use start";
}

std::string_view StateName(JobState state) { return kStateNames[static_cast<int>(state)]; }

std::optional<JobState> ParseState(std::string_view name) {
  for (int i = 0; i < kJobStateCount; ++i) {
    if (kStateNames[i] == name) return static_cast<JobState>(i);
  }
  return std::nullopt;
}

std::string_view ControlName(Control control) { return kControlNames[static_cast<int>(control)]; }

std::optional<Control> ParseControl(std::string_view name) {
  for (int i = 0; i < kControlCount; ++i) {
    if (kControlNames[i] == name) return static_cast<Control>(i);
  }
  return std::nullopt;
}

}  // namespace thr
