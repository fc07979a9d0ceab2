// history JOB [-n N]: the job's last runs, oldest first (at most its `history` setting,
// default 100): when each started, how long it took, its result, its exit status or why it
// failed, and how many slots were missed just before it. Reads the supervisor's RunHistory
// only; never waits on the job's thread.
#include <cstdint>

#include "thr/commands/command.h"
#include "thr/commands/run_json.h"
#include "thr/iso_time.h"
#include "thr/supervisor.h"

namespace thr {

nlohmann::json RunsJson(const std::vector<RunEntry>& runs) {
  nlohmann::json out = nlohmann::json::array();
  for (const RunEntry& run : runs) {
    out.push_back({
        {"started", FormatIsoUtc(run.started)},
        {"duration_ms", run.duration_ms},
        {"result", RunOutcomeName(run.outcome)},
        {"exit_status", run.exit_status ? nlohmann::json(*run.exit_status) : nlohmann::json()},
        {"reason", run.reason.empty() ? nlohmann::json() : nlohmann::json(run.reason)},
        {"missed", run.missed},
    });
  }
  return out;
}

namespace {

Status HandleHistory(CommandContext& ctx, const nlohmann::json& request, nlohmann::json* result) {
  auto job_it = request.find("job");
  if (job_it == request.end() || !job_it->is_string()) {
    return Status::BadRequest("history needs a string member \"job\"");
  }
  size_t lines = SIZE_MAX;
  if (Status s = OptionalCount(request, "lines", &lines); !s.ok()) return s;
  const std::string name = job_it->get<std::string>();
  std::shared_ptr<Job> job = ctx.supervisor.Find(name);
  std::vector<RunEntry> runs;
  if (!job || !ctx.supervisor.history().Recent(name, lines, &runs)) {
    return Status::UnknownJob(name);
  }
  (*result)["job"] = name;
  (*result)["history"] = job->spec().history;
  (*result)["runs"] = RunsJson(runs);
  return Status::Ok();
}

}  // namespace

extern const CommandDef kHistoryCommand = {"history", "the last runs of a job, oldest first",
                                           Access::kRead, HandleHistory};

}  // namespace thr
