// logs JOB [-n N] [follow]: the job's recent output lines, oldest first; with "follow", then
// each new line as it comes (pushed as {"lines": [...]}), until the job is removed or thrd
// shuts down. The ring is the follower's buffer: one that falls further behind than the ring
// holds is told how many lines it lost ({"dropped": N}) and goes on.
#include <chrono>

#include "thr/commands/command.h"
#include "thr/supervisor.h"

namespace thr {
namespace {

Status Follow(CommandContext& ctx, const std::string& name, size_t lines, nlohmann::json* result) {
  if (!ctx.push) return Status::Refused("logs -f needs a streaming connection");
  std::shared_ptr<Job> job = ctx.supervisor.Find(name);
  if (!job) return Status::UnknownJob(name);
  uint64_t total = job->log().total();
  uint64_t pos = total - std::min<uint64_t>(lines, total);
  auto deadline = std::chrono::steady_clock::now();  // the backlog: no waiting
  bool first = true;
  while (true) {
    std::vector<std::string> batch;
    uint64_t next = pos, dropped = 0;
    LogRing::Follow r = job->log().Wait(pos, deadline, &batch, &next, &dropped);
    deadline = std::chrono::steady_clock::now() + kHangupCheck;
    if (r == LogRing::Follow::kClosed) {
      // Reload replaced the job (its ring carries on, positions included) or removed it.
      std::shared_ptr<Job> now = ctx.supervisor.Find(name);
      if (now && now != job) {
        job = std::move(now);
        continue;
      }
      (*result)["end"] = now ? "thrd is shutting down" : "job " + name + " was removed";
      return Status::Ok();
    }
    nlohmann::json line = nlohmann::json::object();
    if (first) line["job"] = name;
    if (dropped > 0) line["dropped"] = dropped;
    if (r == LogRing::Follow::kLines || first) line["lines"] = std::move(batch);
    first = false;
    pos = next;
    if (line.size() > 0 && !ctx.push(line).ok()) return Status::Unavailable("the client hung up");
    if (r == LogRing::Follow::kTimeout && ctx.client_gone && ctx.client_gone()) {
      return Status::Unavailable("the client hung up");
    }
  }
}

Status HandleLogs(CommandContext& ctx, const nlohmann::json& request, nlohmann::json* result) {
  auto job_it = request.find("job");
  if (job_it == request.end() || !job_it->is_string()) {
    return Status::BadRequest("logs needs a string member \"job\"");
  }
  size_t lines = SIZE_MAX;
  if (Status s = OptionalCount(request, "lines", &lines); !s.ok()) return s;
  std::string name = job_it->get<std::string>();
  bool follow = false;
  if (Status s = OptionalBool(request, "follow", &follow); !s.ok()) return s;
  if (follow) return Follow(ctx, name, lines, result);
  std::shared_ptr<Job> job = ctx.supervisor.Find(name);
  if (!job) return Status::UnknownJob(name);
  (*result)["job"] = name;
  (*result)["lines"] = job->log().Tail(lines);
  return Status::Ok();
}

}  // namespace

extern const CommandDef kLogsCommand = {"logs", "recent output lines of a job", Access::kRead,
                                        HandleLogs};

}  // namespace thr
