// status [JOB...]: every job (or those named) with its state and counters.
// Reads snapshots only; never waits on a job's thread.
#include "thr/commands/command.h"
#include "thr/commands/job_json.h"
#include "thr/supervisor.h"

namespace thr {
namespace {

Status HandleStatus(CommandContext& ctx, const nlohmann::json& request, nlohmann::json* result) {
  std::vector<std::string> names;
  if (Status s = JobNames(request, &names); !s.ok()) return s;
  std::vector<JobInfo> infos;
  Status s = ctx.supervisor.Snapshot(names, &infos);
  nlohmann::json jobs = nlohmann::json::array();
  for (const JobInfo& info : infos) jobs.push_back(InfoJson(info));
  (*result)["jobs"] = std::move(jobs);
  return s;
}

}  // namespace

extern const CommandDef kStatusCommand = {"status", "show jobs and their counters", Access::kRead,
                                          HandleStatus};

}  // namespace thr
