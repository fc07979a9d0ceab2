// The transition table, cell by cell against CONTRACT.md "Jobs, states and commands".
#include "thr/job_state.h"

#include <doctest/doctest.h>

#include <string>

namespace thr {
namespace {

constexpr JobState kStates[] = {JobState::kRunning, JobState::kPaused, JobState::kStopped,
                                JobState::kKilled, JobState::kFailed};
constexpr Control kControls[] = {Control::kPause, Control::kResume, Control::kStop,
                                 Control::kKill,  Control::kStart,  Control::kRestart};

// A cell as the contract writes it: "-> paused", "no-op" or "refused".
std::string Cell(const Transition& t) {
  switch (t.kind) {
    case Transition::Kind::kTo:
      return "-> " + std::string(StateName(t.to));
    case Transition::Kind::kNoop:
      return "no-op";
    case Transition::Kind::kRefused:
      return "refused";
  }
  return "?";
}

// The contract's table, copied by hand. Rows: controls; columns: running, paused, stopped,
// killed, failed.
const char* const kExpected[kControlCount][kJobStateCount] = {
    /* pause   */ {"-> paused", "no-op", "refused", "refused", "refused"},
    /* resume  */ {"no-op", "-> running", "refused", "refused", "refused"},
    /* stop    */ {"-> stopped", "-> stopped", "no-op", "no-op", "no-op"},
    /* kill    */ {"-> killed", "-> killed", "no-op", "no-op", "no-op"},
    /* start   */ {"no-op", "no-op", "-> running", "-> running", "-> running"},
    /* restart */ {"-> running", "-> running", "-> running", "-> running", "-> running"},
};

TEST_CASE("JobState: every cell of the transition table matches the contract") {
  int cells = 0;
  for (int c = 0; c < kControlCount; ++c) {
    for (int s = 0; s < kJobStateCount; ++s) {
      std::string control(ControlName(kControls[c])), state(StateName(kStates[s]));
      CAPTURE(control);
      CAPTURE(state);
      CHECK(Cell(Next(kStates[s], kControls[c])) == kExpected[c][s]);
      ++cells;
    }
  }
  CHECK(cells == 30);
}

TEST_CASE("JobState: state names round trip") {
  const char* const names[] = {"running", "paused", "stopped", "killed", "failed"};
  for (int i = 0; i < kJobStateCount; ++i) {
    CHECK(StateName(kStates[i]) == names[i]);
    std::optional<JobState> parsed = ParseState(names[i]);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == kStates[i]);
  }
  CHECK_FALSE(ParseState("").has_value());
  CHECK_FALSE(ParseState("Running").has_value());
  CHECK_FALSE(ParseState("run").has_value());
}

TEST_CASE("JobState: control names round trip") {
  const char* const names[] = {"pause", "resume", "stop", "kill", "start", "restart"};
  for (int i = 0; i < kControlCount; ++i) {
    CHECK(ControlName(kControls[i]) == names[i]);
    std::optional<Control> parsed = ParseControl(names[i]);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == kControls[i]);
  }
  CHECK_FALSE(ParseControl("").has_value());
  CHECK_FALSE(ParseControl("status").has_value());
  CHECK_FALSE(ParseControl("PAUSE").has_value());
}

// The second table, the job's own verdicts, likewise: rows are verdicts, columns states.
constexpr Verdict kVerdictRows[] = {Verdict::kInternalError, Verdict::kMaxFailures,
                                    Verdict::kCrashLoop, Verdict::kNoRestart,
                                    Verdict::kServiceDone};
const char* const kExpectedVerdicts[kVerdictCount][kJobStateCount] = {
    /* internal error  */ {"-> failed", "-> failed", "no-op", "no-op", "no-op"},
    /* max_failures    */ {"-> failed", "-> failed", "no-op", "no-op", "no-op"},
    /* crash loop      */ {"-> failed", "-> failed", "no-op", "no-op", "no-op"},
    /* restart never   */ {"-> failed", "-> failed", "no-op", "no-op", "no-op"},
    /* exited cleanly  */ {"-> stopped", "-> stopped", "no-op", "no-op", "no-op"},
};

TEST_CASE("JobState: every cell of the verdict table (the ways into failed)") {
  int cells = 0;
  for (int v = 0; v < kVerdictCount; ++v) {
    for (int s = 0; s < kJobStateCount; ++s) {
      std::string verdict(VerdictName(kVerdictRows[v])), state(StateName(kStates[s]));
      CAPTURE(verdict);
      CAPTURE(state);
      CHECK(Cell(Next(kStates[s], kVerdictRows[v])) == kExpectedVerdicts[v][s]);
      ++cells;
    }
  }
  CHECK(cells == 25);
}

TEST_CASE("JobState: the way out of failed is start or restart, as the control table says") {
  CHECK(Cell(Next(JobState::kFailed, Control::kStart)) == "-> running");
  CHECK(Cell(Next(JobState::kFailed, Control::kRestart)) == "-> running");
  CHECK(Cell(Next(JobState::kFailed, Control::kPause)) == "refused");
  CHECK(Cell(Next(JobState::kFailed, Control::kStop)) == "no-op");
}

TEST_CASE("JobState: a refusal tells the operator the state and to use start") {
  CHECK(RefusalReason("sync", JobState::kStopped) == "job sync is stopped; use start");
  CHECK(RefusalReason("tick", JobState::kKilled) == "job tick is killed; use start");
  CHECK(RefusalReason("x", JobState::kFailed) == "job x is failed; use start");
}

}  // namespace
}  // namespace thr
