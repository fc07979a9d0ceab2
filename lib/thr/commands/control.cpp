// pause, resume, stop, kill, start, restart JOB... | all: the operator's state changes; and
// run JOB..., one run now.
// The six share one handler: they differ only in the row of the transition table they apply
// (job_state.cpp), and stop, kill and restart reply once the old threads have ended.
#include <spdlog/spdlog.h>

#include "thr/commands/command.h"
#include "thr/supervisor.h"

namespace thr {
namespace {

// The reply of the control commands: one entry per job, and the first error (all of them,
// joined, when several jobs failed).
Status ControlReply(const std::vector<ControlResult>& results, nlohmann::json* result) {
  nlohmann::json jobs = nlohmann::json::array();
  Status first_error;
  std::string messages;
  size_t failed = 0;
  for (const ControlResult& r : results) {
    nlohmann::json entry = {{"name", r.name}, {"ok", r.status.ok()}};
    if (r.status.ok()) {
      entry["state"] = StateName(r.after);
      entry["changed"] = r.changed;
    } else {
      entry["error"] = {{"code", r.status.code_name()}, {"message", r.status.message()}};
      if (failed++ == 0) first_error = r.status;
      messages += (messages.empty() ? "" : "; ") + r.status.message();
    }
    jobs.push_back(std::move(entry));
  }
  (*result)["jobs"] = std::move(jobs);
  if (failed > 1) return Status::FromCode(first_error.code(), messages);
  return first_error;
}

Status HandleControl(Control control, CommandContext& ctx, const nlohmann::json& request,
                     nlohmann::json* result) {
  std::vector<std::string> names;
  if (Status s = JobNames(request, &names); !s.ok()) return s;
  bool all = false, freeze = false;
  if (Status s = OptionalBool(request, "all", &all); !s.ok()) return s;
  if (Status s = OptionalBool(request, "freeze", &freeze); !s.ok()) return s;
  if (all == !names.empty()) return Status::BadRequest("give either \"jobs\" or \"all\": true");
  if (freeze && control != Control::kPause)
    return Status::BadRequest("\"freeze\" applies to pause only");

  return ControlReply(ctx.supervisor.Apply(control, names, all, freeze), result);
}

// run JOB...: one run now, paused jobs included; the reply has the shape of the others.
Status HandleRun(CommandContext& ctx, const nlohmann::json& request, nlohmann::json* result) {
  std::vector<std::string> names;
  if (Status s = JobNames(request, &names); !s.ok()) return s;
  if (request.contains("all")) return Status::BadRequest("run takes job names, not \"all\"");
  if (names.empty()) return Status::BadRequest("give \"jobs\": the jobs to run");
  return ControlReply(ctx.supervisor.RunNow(names), result);
}

template <Control C>
Status Handle(CommandContext& ctx, const nlohmann::json& request, nlohmann::json* result) {
  return HandleControl(C, ctx, request, result);
}

}  // namespace

extern const CommandDef kPauseCommand = {"pause", "no new run starts; the schedule keeps its grid",
                                         Access::kControl, Handle<Control::kPause>};
extern const CommandDef kResumeCommand = {"resume", "go on at the next slot of the same grid",
                                          Access::kControl, Handle<Control::kResume>};
extern const CommandDef kStopCommand = {"stop", "end the job's thread; replies when it has ended",
                                        Access::kControl, Handle<Control::kStop>};
extern const CommandDef kKillCommand = {"kill", "end the run in progress now and the thread",
                                        Access::kControl, Handle<Control::kKill>};
extern const CommandDef kStartCommand = {"start",
                                         "run a stopped, killed or failed job on a fresh thread",
                                         Access::kControl, Handle<Control::kStart>};
extern const CommandDef kRunCommand = {"run", "one run now, also while paused; the schedule stays",
                                       Access::kControl, HandleRun};
extern const CommandDef kRestartCommand = {"restart", "stop if needed, then start on a fresh grid",
                                           Access::kControl, Handle<Control::kRestart>};

}  // namespace thr
