#include "thr/supervisor.h"

#include <spdlog/spdlog.h>

#include <mutex>

namespace thr {

Supervisor::Supervisor(const Clock& clock, OutputEcho* echo) : clock_(clock), echo_(echo) {}

Supervisor::~Supervisor() { Shutdown(); }

void Supervisor::Start(const Config& config) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (const JobSpec& spec : config.jobs) {
    auto job = std::make_shared<Job>(spec, clock_, echo_);
    job->Begin(spec.start);
    spdlog::info("job {}: {} every {}, {}", spec.name, TaskName(spec.task),
                 FormatDuration(spec.every), StateName(spec.start));
    jobs_.push_back(std::move(job));
  }
}

std::shared_ptr<Job> Supervisor::Find(const std::string& name) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (const auto& job : jobs_) {
    if (job->name() == name) return job;
  }
  return nullptr;
}

std::vector<ControlResult> Supervisor::Apply(Control control, const std::vector<std::string>& names,
                                             bool all, bool freeze) {
  std::vector<ControlResult> results;
  std::vector<std::shared_ptr<Job>> targets;
  if (all) {
    std::shared_lock<std::shared_mutex> lock(mu_);
    targets = jobs_;
  } else {
    for (const std::string& name : names) targets.push_back(Find(name));  // nullptr: unknown
  }
  // Request every job first, then settle them: a stop of many jobs runs in parallel.
  std::vector<std::shared_ptr<Job>> settling;
  for (size_t i = 0; i < targets.size(); ++i) {
    const std::shared_ptr<Job>& job = targets[i];
    if (!job) {
      results.push_back({names[i], Status::UnknownJob(names[i])});
      continue;
    }
    Job::Outcome outcome = job->Request(control, freeze);
    if (all && outcome.kind == Transition::Kind::kRefused) continue;  // --all skips these
    ControlResult r{job->name(), Status::Ok(), outcome.kind == Transition::Kind::kTo,
                    outcome.before, outcome.after};
    if (outcome.kind == Transition::Kind::kRefused) {
      r.status = Status::Refused(RefusalReason(job->name(), outcome.before));
      spdlog::info("{} {}: refused, job is {}", ControlName(control), job->name(),
                   StateName(outcome.before));
    } else if (outcome.kind == Transition::Kind::kNoop) {
      spdlog::info("{} {}: already {} (no-op)", ControlName(control), job->name(),
                   StateName(outcome.before));
    } else {
      spdlog::info("{} {}: {} -> {}", ControlName(control), job->name(), StateName(outcome.before),
                   StateName(outcome.after));
    }
    results.push_back(std::move(r));
    settling.push_back(job);
  }
  for (const auto& job : settling) job->Settle();
  return results;
}

Status Supervisor::Snapshot(const std::vector<std::string>& names,
                            std::vector<JobInfo>* out) const {
  out->clear();
  if (names.empty()) {
    std::shared_lock<std::shared_mutex> lock(mu_);
    for (const auto& job : jobs_) out->push_back(job->Info());
    return Status::Ok();
  }
  Status first_error;
  for (const std::string& name : names) {
    std::shared_ptr<Job> job = Find(name);
    if (!job) {
      if (first_error.ok()) first_error = Status::UnknownJob(name);
      continue;
    }
    out->push_back(job->Info());
  }
  return first_error;
}

void Supervisor::Shutdown() {
  std::vector<std::shared_ptr<Job>> jobs;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    jobs = jobs_;
  }
  for (const auto& job : jobs) job->RequestShutdown();
  for (const auto& job : jobs) job->WaitEnded();
}

}  // namespace thr
