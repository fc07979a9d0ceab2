// logs JOB [-n N]: the job's recent output lines, oldest first.
#include "thr/commands/command.h"
#include "thr/supervisor.h"

namespace thr {
namespace {

Status HandleLogs(CommandContext& ctx, const nlohmann::json& request, nlohmann::json* result) {
  auto job_it = request.find("job");
  if (job_it == request.end() || !job_it->is_string()) {
    return Status::BadRequest("logs needs a string member \"job\"");
  }
  size_t lines = SIZE_MAX;
  if (auto it = request.find("lines"); it != request.end()) {
    if (!it->is_number_unsigned())
      return Status::BadRequest("\"lines\" must be a non-negative integer");
    lines = it->get<size_t>();
  }
  std::string name = job_it->get<std::string>();
  std::shared_ptr<Job> job = ctx.supervisor.Find(name);
  if (!job) return Status::UnknownJob(name);
  (*result)["job"] = name;
  (*result)["lines"] = job->log().Tail(lines);
  return Status::Ok();
}

}  // namespace

extern const CommandDef kLogsCommand = {"logs", "recent output lines of a job", HandleLogs};

}  // namespace thr
