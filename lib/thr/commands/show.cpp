// show JOB... [-n N]: each job in detail, for `thrctl show` (like `systemctl status`): its
// status entry plus its settings and its last few output lines. Reads snapshots only; never
// waits on a job's thread.
#include "thr/commands/command.h"
#include "thr/commands/job_json.h"
#include "thr/commands/run_json.h"
#include "thr/supervisor.h"

namespace thr {
namespace {

// Enough to see what a job is doing now without flooding the terminal; -n asks for more.
constexpr size_t kDefaultShowLines = 10;
// The runs behind thrctl's strip of outcomes and durations (lib/thr/run_strip.h).
constexpr size_t kShowRuns = 30;

nlohmann::json ShowJson(const Job& job, const RunHistory& history, size_t lines) {
  nlohmann::json entry = InfoJson(job.Info());
  entry["settings"] = SettingsJson(job.spec());
  entry["log"] = job.log().Tail(lines);
  std::vector<RunEntry> runs;
  history.Recent(job.name(), kShowRuns, &runs);  // none for a job no longer configured
  entry["recent_runs"] = RunsJson(runs);
  return entry;
}

Status HandleShow(CommandContext& ctx, const nlohmann::json& request, nlohmann::json* result) {
  std::vector<std::string> names;
  if (Status s = JobNames(request, &names); !s.ok()) return s;
  size_t lines = kDefaultShowLines;
  if (Status s = OptionalCount(request, "lines", &lines); !s.ok()) return s;
  if (names.empty()) {
    std::vector<JobInfo> infos;
    if (Status s = ctx.supervisor.Snapshot({}, &infos); !s.ok()) return s;
    for (const JobInfo& info : infos) names.push_back(info.name);
  }

  nlohmann::json jobs = nlohmann::json::array();
  Status first_error;
  std::string messages;
  for (const std::string& name : names) {
    // A job removed by a reload since the listing above is reported as unknown, as it is now.
    std::shared_ptr<Job> job = ctx.supervisor.Find(name);
    if (!job) {
      Status s = Status::UnknownJob(name);
      if (first_error.ok()) first_error = s;
      messages += (messages.empty() ? "" : "; ") + s.message();
      continue;
    }
    jobs.push_back(ShowJson(*job, ctx.supervisor.history(), lines));
  }
  (*result)["jobs"] = std::move(jobs);
  if (first_error.ok()) return first_error;
  return Status::FromCode(first_error.code(), messages);
}

}  // namespace

extern const CommandDef kShowCommand = {"show", "jobs in detail: settings, schedule, recent output",
                                        Access::kRead, HandleShow};

}  // namespace thr
