#include "thr/supervisor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "thr/log.h"

namespace thr {
namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "-" : out;
}

}  // namespace

Supervisor::Supervisor(const Clock& clock, OutputEcho* echo, DecisionFile decisions)
    : clock_(clock),
      echo_(echo),
      decision_file_(std::move(decisions)),
      stamps_(decision_file_.dir()) {
  // Before any job exists: the bus reads its observers without a lock once jobs publish.
  events_.AddObserver([this](const Event& e) { history_.Record(e); });
}

Supervisor::~Supervisor() { Shutdown(); }

JobState Supervisor::InitialStateLocked(const JobSpec& spec) const {
  auto it = decisions_.find(spec.name);
  return it == decisions_.end() ? spec.start : it->second;
}

bool Supervisor::RetainDecisionsLocked(const std::vector<JobSpec>& specs) {
  std::set<std::string> configured;
  for (const JobSpec& spec : specs) configured.insert(spec.name);
  bool dropped = false;
  for (auto it = decisions_.begin(); it != decisions_.end();) {
    if (configured.count(it->first) != 0) {
      ++it;
      continue;
    }
    LogJob(spdlog::level::info, it->first, "decision_dropped",
           "dropping the kept decision for job {}: no longer configured", it->first);
    it = decisions_.erase(it);
    dropped = true;
  }
  return dropped;
}

// A failed write leaves the command done but its decision unkept across a restart: say so
// loudly, but do not undo what the operator asked for. The file on disk is still the last one
// written whole (temp + rename); the next command writes again, even one that changes nothing,
// so once the state dir is writable again it holds every decision.
void Supervisor::SaveDecisionsLocked() {
  Status s = decision_file_.Save(decisions_);
  if (!s.ok()) {
    spdlog::error("cannot keep operator decisions: {}; {} keeps the previous ones", s.message(),
                  decision_file_.path());
  } else if (unsaved_) {
    spdlog::info("operator decisions kept again in {}", decision_file_.path());
  }
  unsaved_ = !s.ok();
}

void Supervisor::Start(const Config& config) {
  std::unique_lock<std::shared_mutex> change(change_mu_);
  std::lock_guard<std::mutex> decisions_lock(decisions_mu_);
  if (Status s = decision_file_.Load(&decisions_); !s.ok()) {
    spdlog::warn("ignoring kept decisions: {}", s.message());
    decisions_.clear();
    // Kept aside, not overwritten by the next decision: an operator may want it back.
    if (Status a = decision_file_.SetAside(); !a.ok()) spdlog::warn("{}", a.message());
  } else if (!decisions_.empty()) {
    spdlog::info("{} kept decision(s) from {}", decisions_.size(), decision_file_.path());
  }
  if (RetainDecisionsLocked(config.jobs)) SaveDecisionsLocked();
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (const JobSpec& spec : config.jobs) {
    std::shared_ptr<Job> job = MakeJob(spec);
    JobState initial = InitialStateLocked(spec);
    job->Begin(initial);
    LogJob(spdlog::level::info, spec.name, "configured", "job {}: {}, {}{}", spec.name,
           DescribeKind(spec), StateName(initial),
           decisions_.count(spec.name) != 0 ? " (kept decision)" : "");
    jobs_.push_back(std::move(job));
  }
}

std::shared_ptr<Job> Supervisor::MakeJob(const JobSpec& spec) {
  // A changed job keeps its runs under its name; its capacity follows the new spec.
  history_.Configure(spec.name, spec.history);
  auto job = std::make_shared<Job>(spec, clock_, echo_);
  job->Observe(&watch_, &events_);
  job->UseStamps(&stamps_);
  return job;
}

std::vector<ControlResult> Supervisor::RunNow(const std::vector<std::string>& names) {
  std::shared_lock<std::shared_mutex> change(change_mu_);  // no reload swaps the job meanwhile
  std::vector<ControlResult> results;
  for (const std::string& name : names) {
    ControlResult r;
    r.name = name;
    std::shared_ptr<Job> job = Find(name);
    if (!job) {
      r.status = Status::UnknownJob(name);
    } else {
      r.status = job->RunNow();
      r.changed = r.status.ok();
      r.before = r.after = job->Info().state;
    }
    results.push_back(std::move(r));
  }
  return results;
}

void Supervisor::WallClockStepped() {
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (const auto& job : jobs_) {
    if (IsCalendar(job->spec())) job->WallClockStepped();
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
  std::vector<std::shared_ptr<Job>> settling;
  {
    std::shared_lock<std::shared_mutex> change(change_mu_);
    std::vector<std::shared_ptr<Job>> targets;
    if (all) {
      std::shared_lock<std::shared_mutex> lock(mu_);
      targets = jobs_;
    } else {
      for (const std::string& name : names) targets.push_back(Find(name));  // nullptr: unknown
    }
    // Request every job first, then settle them: a stop of many jobs runs in parallel.
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
        LogJob(spdlog::level::info, job->name(), ControlName(control), "{} {}: refused, job is {}",
               ControlName(control), job->name(), StateName(outcome.before));
      } else if (outcome.kind == Transition::Kind::kNoop) {
        LogJob(spdlog::level::info, job->name(), ControlName(control), "{} {}: already {} (no-op)",
               ControlName(control), job->name(), StateName(outcome.before));
      } else {
        LogJob(spdlog::level::info, job->name(), ControlName(control), "{} {}: {} -> {}",
               ControlName(control), job->name(), StateName(outcome.before),
               StateName(outcome.after));
      }
      results.push_back(std::move(r));
      settling.push_back(job);
    }
    // One write per request, before the reply; a no-op is a decision too (pausing a job that
    // the config starts paused keeps it paused when the config changes).
    std::lock_guard<std::mutex> lock(decisions_mu_);
    bool dirty = false;
    for (const ControlResult& r : results) {
      if (!r.status.ok()) continue;
      JobState kept = DecisionFor(r.after);
      auto [it, inserted] = decisions_.try_emplace(r.name, kept);
      if (inserted || it->second != kept) dirty = true;
      it->second = kept;
    }
    if (dirty || (unsaved_ && !results.empty())) SaveDecisionsLocked();
  }
  for (const auto& job : settling) job->Settle();
  bool changed = false;
  for (const ControlResult& r : results) changed |= r.changed;
  if (changed) NotifyChange();
  return results;
}

ReloadReport Supervisor::Reload(const std::vector<JobSpec>& specs) {
  std::lock_guard<std::mutex> one_at_a_time(reload_mu_);
  ReloadReport report;
  std::map<std::string, std::shared_ptr<Job>> old_by_name;
  std::vector<std::shared_ptr<Job>> ending;
  {
    // Phase 1, alone: classify, and ask the changed and removed jobs to end. Once asked they
    // can never start again, whatever command reaches them meanwhile.
    std::unique_lock<std::shared_mutex> change(change_mu_);
    if (shut_down_) return report;
    std::vector<std::shared_ptr<Job>> old_jobs;
    {
      std::shared_lock<std::shared_mutex> lock(mu_);
      old_jobs = jobs_;
    }
    for (const auto& job : old_jobs) old_by_name[job->name()] = job;
    std::set<std::string> configured;
    for (const JobSpec& spec : specs) {
      configured.insert(spec.name);
      auto it = old_by_name.find(spec.name);
      if (it == old_by_name.end()) {
        report.added.push_back(spec.name);
      } else if (it->second->spec() == spec) {
        report.unchanged.push_back(spec.name);
      } else {
        report.changed.push_back(spec.name);
        ending.push_back(it->second);
      }
    }
    for (const auto& job : old_jobs) {
      if (configured.count(job->name()) == 0) {
        report.removed.push_back(job->name());
        ending.push_back(job);
      }
    }
    spdlog::info("reload: unchanged {}; changed {}; added {}; removed {}", Join(report.unchanged),
                 Join(report.changed), Join(report.added), Join(report.removed));
    for (const auto& job : ending) job->RequestShutdown();
  }
  // Phase 2, unlocked: the stops may take a stop_timeout, and commands on other jobs (or a
  // kill escalating one of these stops) must not wait for that.
  for (const auto& job : ending) job->WaitEnded();
  {
    // Phase 3, alone: start the new jobs by the decisions as they are now, and swap them in.
    std::unique_lock<std::shared_mutex> change(change_mu_);
    if (shut_down_) return report;  // shutdown owns the jobs now; start nothing
    std::lock_guard<std::mutex> decisions_lock(decisions_mu_);
    if (RetainDecisionsLocked(specs)) SaveDecisionsLocked();
    std::vector<std::shared_ptr<Job>> next;
    for (const JobSpec& spec : specs) {
      auto it = old_by_name.find(spec.name);
      if (it != old_by_name.end() && it->second->spec() == spec) {
        next.push_back(it->second);
        continue;
      }
      std::shared_ptr<Job> job = MakeJob(spec);
      if (it != old_by_name.end()) job->InheritHistory(*it->second);
      JobState initial = InitialStateLocked(spec);
      job->Begin(initial);
      LogJob(spdlog::level::info, spec.name, "configured", "job {}: {}, {}", spec.name,
             DescribeKind(spec), StateName(initial));
      next.push_back(std::move(job));
    }
    {
      std::unique_lock<std::shared_mutex> lock(mu_);
      jobs_ = std::move(next);
    }
    // After the swap: a follower woken here finds the replacement (or nothing) by name.
    for (const auto& job : ending) job->CloseLog();
    // Their threads have ended (phase 2): no run of theirs is recorded after this.
    for (const std::string& name : report.removed) history_.Drop(name);
  }
  watch_.Bump();  // removed jobs: a `wait` on one of them must see it gone
  NotifyChange();
  return report;
}

Status Supervisor::Snapshot(const std::vector<std::string>& names,
                            std::vector<JobInfo>* out) const {
  out->clear();
  if (names.empty()) {
    std::shared_lock<std::shared_mutex> lock(mu_);
    for (const auto& job : jobs_) out->push_back(job->Info());
    return Status::Ok();
  }
  // Every unknown name in one message, so that a script's typo list is fixed in one go.
  std::vector<std::string> unknown;
  for (const std::string& name : names) {
    std::shared_ptr<Job> job = Find(name);
    if (job) {
      out->push_back(job->Info());
    } else if (std::find(unknown.begin(), unknown.end(), name) == unknown.end()) {
      unknown.push_back(name);
    }
  }
  if (unknown.empty()) return Status::Ok();
  if (unknown.size() == 1) return Status::UnknownJob(unknown[0]);
  std::string list;
  for (const std::string& name : unknown) list += (list.empty() ? "'" : ", '") + name + "'";
  return Status::FromCode(Status::Code::kUnknownJob, "no jobs named " + list);
}

StateCounts Supervisor::Counts() const {
  StateCounts counts{};
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (const auto& job : jobs_) ++counts[static_cast<size_t>(job->Info().state)];
  return counts;
}

void Supervisor::SetChangeListener(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(listener_mu_);
  listener_ = std::move(listener);
}

void Supervisor::NotifyChange() {
  std::function<void()> listener;
  {
    std::lock_guard<std::mutex> lock(listener_mu_);
    listener = listener_;
  }
  if (listener) listener();
}

void Supervisor::Shutdown() {
  std::vector<std::shared_ptr<Job>> jobs;
  {
    std::unique_lock<std::shared_mutex> change(change_mu_);
    shut_down_ = true;
    std::shared_lock<std::shared_mutex> lock(mu_);
    jobs = jobs_;
  }
  // `wait`, `events` and `logs -f` requests end now, before the server joins their threads.
  watch_.Close();
  events_.Close();
  for (const auto& job : jobs) job->CloseLog();
  for (const auto& job : jobs) job->RequestShutdown();
  for (const auto& job : jobs) job->WaitEnded();
}

}  // namespace thr
