// wait JOB... state [timeout_ms]: replies once every named job is in `state`, or with a
// timeout error naming the jobs that are not. Sleeps on the supervisor's StateWatch between
// looks, so a waiting script costs nothing while nothing changes.
#include <algorithm>
#include <chrono>

#include "thr/commands/command.h"
#include "thr/supervisor.h"

namespace thr {
namespace {

Status HandleWait(CommandContext& ctx, const nlohmann::json& request, nlohmann::json* result) {
  std::vector<std::string> names;
  if (Status s = JobNames(request, &names); !s.ok()) return s;
  if (names.empty()) return Status::BadRequest("wait needs \"jobs\": a non-empty array of names");
  auto state_it = request.find("state");
  std::optional<JobState> want;
  if (state_it != request.end() && state_it->is_string()) {
    want = ParseState(state_it->get<std::string>());
  }
  if (!want) {
    return Status::BadRequest("wait needs \"state\": running, paused, stopped, killed or failed");
  }
  auto deadline = std::chrono::steady_clock::time_point::max();
  if (auto it = request.find("timeout_ms"); it != request.end()) {
    if (!it->is_number_unsigned())
      return Status::BadRequest("\"timeout_ms\" must be a non-negative integer");
    deadline = std::chrono::steady_clock::now() +
               std::chrono::milliseconds(std::min<uint64_t>(it->get<uint64_t>(), 1ull << 40));
  }

  StateWatch& watch = ctx.supervisor.watch();
  while (true) {
    uint64_t seen = watch.version();  // before looking: a change after it wakes us
    std::vector<JobInfo> infos;
    // An unknown name fails the wait at once; the known jobs are still listed, as status does.
    Status known = ctx.supervisor.Snapshot(names, &infos);
    std::string pending;
    nlohmann::json jobs = nlohmann::json::array();
    for (const JobInfo& info : infos) {
      jobs.push_back({{"name", info.name}, {"state", StateName(info.state)}});
      if (info.state != *want) {
        pending +=
            (pending.empty() ? "" : ", ") + info.name + " is " + std::string(StateName(info.state));
      }
    }
    (*result)["jobs"] = std::move(jobs);
    if (!known.ok()) return known;
    if (pending.empty()) return Status::Ok();
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return Status::Timeout("not " + std::string(StateName(*want)) + " in time: " + pending);
    }
    if (ctx.client_gone && ctx.client_gone()) return Status::Unavailable("the client hung up");
    if (!watch.WaitChange(seen, std::min(deadline, now + kHangupCheck))) {
      return Status::Unavailable("thrd is shutting down");
    }
  }
}

}  // namespace

extern const CommandDef kWaitCommand = {"wait", "reply once every named job is in the given state",
                                        Access::kRead, HandleWait};

}  // namespace thr
