#include "thr/reload.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <memory>

#include "thr/access.h"
#include "thr/metrics_export.h"
#include "thr/notify.h"
#include "thr/server.h"

namespace thr {

Reloader::Reloader(std::string config_path, Config current, std::string socket_path,
                   Supervisor& sup, Server& server, const Notifier& notifier, bool socket_from_flag)
    : config_path_(std::move(config_path)),
      socket_path_(std::move(socket_path)),
      socket_from_flag_(socket_from_flag),
      sup_(sup),
      server_(server),
      notifier_(notifier),
      current_(std::move(current)),
      thread_([this] { ThreadMain(); }) {}

Reloader::~Reloader() { Close(); }

Status Reloader::Reload(ReloadOutcome* outcome) {
  std::lock_guard<std::mutex> lock(run_mu_);
  *outcome = ReloadOutcome{};
  if (closed_) return Status::Refused("thrd is shutting down; not reloading");
  if (config_path_.empty()) {
    outcome->embedded = true;
    spdlog::info("reload: thrd runs on the embedded default config; nothing to re-read");
    return Status::Ok();
  }
  notifier_.Reloading();
  Config next;
  Status s;
  try {
    s = LoadConfig(config_path_, &next);
  } catch (const std::exception& e) {  // a parser bug must not end a running thrd
    s = Status::InvalidConfig("config " + config_path_ + ": " + e.what());
  }
  if (!s.ok()) {
    spdlog::error("reload refused, nothing changed: {}", s.message());
    if (!closed_) {
      notifier_.Ready(DescribeCounts(sup_.Counts()) + "; last reload refused: " + s.message());
    }
    return s;
  }
  outcome->files = next.files.empty() ? std::vector<std::string>{config_path_} : next.files;
  // The socket file's access applies at once; its path would take a new bind, so it waits for
  // a restart (the running thrd stays reachable where clients and the unit expect it).
  if (next.socket_mode != current_.socket_mode || next.socket_group != current_.socket_group) {
    if (Status a = server_.SetAccess(next.socket_mode, next.socket_group); !a.ok()) {
      spdlog::error("reload: socket access: {}", a.message());
      outcome->notes.push_back("socket access not changed: " + a.message());
      next.socket_mode = current_.socket_mode;
      next.socket_group = current_.socket_group;
    }
  }
  // Who may do what: from the next request on, on every connection.
  auto policy = std::make_shared<const AccessPolicy>(next.allow, config_path_, ::geteuid());
  if (next.allow != current_.allow) spdlog::info("reload: access: {}", policy->Describe());
  server_.SetAccessPolicy(std::move(policy));
  if (next.max_connections != current_.max_connections ||
      next.idle_timeout != current_.idle_timeout) {
    server_.SetLimits(next.max_connections, next.idle_timeout);
    spdlog::info("reload: max_connections {}, idle_timeout {}", next.max_connections,
                 FormatDuration(next.idle_timeout));
  }
  if (next.max_connections != current_.max_connections || ExecJobs(next) != ExecJobs(current_)) {
    CheckNofileBudget(next.max_connections, ExecJobs(next));
  }
  if (next.socket != current_.socket && !socket_from_flag_) {
    std::string note = "the socket setting changed; it takes effect at restart (serving " +
                       socket_path_ + " until then)";
    spdlog::warn("reload: {}", note);
    outcome->notes.push_back(note);
    next.socket = current_.socket;  // not in force until a restart: note it again next time
  }
  // The metrics keys apply at once; a listener that could not bind is tried again.
  if (metrics_ != nullptr) {
    if (Status m = metrics_->Apply(MetricsOutputsOf(next)); !m.ok()) {
      spdlog::error("reload: {}", m.message());
      outcome->notes.push_back(m.message());
    }
  }
  outcome->report = sup_.Reload(next.jobs);
  current_ = std::move(next);
  if (closed_) return Status::Refused("thrd is shutting down; the reload was cut short");
  notifier_.Ready(DescribeCounts(sup_.Counts()));
  return Status::Ok();
}

void Reloader::RequestReload() {
  std::lock_guard<std::mutex> lock(queue_mu_);
  pending_ = true;
  queue_cv_.notify_one();
}

void Reloader::ThreadMain() {
  pthread_setname_np(pthread_self(), "thrd-reload");
  std::unique_lock<std::mutex> lock(queue_mu_);
  while (true) {
    queue_cv_.wait(lock, [this] { return pending_ || stopping_; });
    if (stopping_) return;
    pending_ = false;
    lock.unlock();
    ReloadOutcome outcome;
    try {
      (void)Reload(&outcome);  // logged inside
    } catch (const std::exception& e) {
      spdlog::error("reload: {}", e.what());
    }
    lock.lock();
  }
}

void Reloader::Refuse() {
  closed_ = true;
  std::lock_guard<std::mutex> lock(queue_mu_);
  stopping_ = true;
  queue_cv_.notify_one();
}

void Reloader::Close() {
  Refuse();
  if (thread_.joinable()) thread_.join();
}

std::string DescribeCounts(const StateCounts& counts) {
  size_t total = 0;
  std::string parts;
  for (int i = 0; i < kJobStateCount; ++i) {
    total += counts[static_cast<size_t>(i)];
    if (counts[static_cast<size_t>(i)] == 0) continue;
    parts += (parts.empty() ? "" : ", ") + std::to_string(counts[static_cast<size_t>(i)]) + " " +
             std::string(StateName(static_cast<JobState>(i)));
  }
  std::string text = std::to_string(total) + (total == 1 ? " job" : " jobs");
  return parts.empty() ? text : text + ": " + parts;
}

}  // namespace thr
