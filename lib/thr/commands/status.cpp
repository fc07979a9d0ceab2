// status [JOB...]: every job (or those named) with its state and counters.
// Reads snapshots only; never waits on a job's thread.
#include "thr/commands/command.h"
#include "thr/iso_time.h"
#include "thr/supervisor.h"

namespace thr {
namespace {

nlohmann::json OptionalTime(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(FormatIsoUtc(*t)) : nlohmann::json(nullptr);
}

template <typename T>
nlohmann::json OptionalValue(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json InfoJson(const JobInfo& info) {
  return {
      {"name", info.name},
      {"task", TaskName(info.task)},
      {"state", StateName(info.state)},
      {"every", FormatDuration(info.every)},
      {"runs", info.runs},
      {"failures", info.failures},
      {"missed", info.missed},
      {"last_run", OptionalTime(info.last_run)},
      {"next_run", OptionalTime(info.next_run)},
      {"pid", OptionalValue(info.pid)},
      {"thread_id", OptionalValue(info.thread_id)},
      {"frozen", info.frozen},
      {"last_error",
       info.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(info.last_error)},
  };
}

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

extern const CommandDef kStatusCommand = {"status", "show jobs and their counters", HandleStatus};

}  // namespace thr
