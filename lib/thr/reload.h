// Reload (CONTRACT.md "Reload"): re-read the config file and its drop-ins; refuse it whole
// when invalid, else hand the jobs to the supervisor, and the socket access and the `allow`
// policy to the server.
// `thrctl reload` runs it on its connection's thread and waits; SIGHUP runs it on the
// reloader's own thread, so the main loop (signals, watchdog) never waits on a job's stop.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "thr/config.h"
#include "thr/status.h"
#include "thr/supervisor.h"

namespace thr {

class MetricsExporter;
class Notifier;
class Server;

struct ReloadOutcome {
  bool embedded = false;           // thrd runs on the embedded default: nothing was re-read
  std::vector<std::string> files;  // the files read
  ReloadReport report;
  std::vector<std::string> notes;  // settings read but not applied (e.g. a new socket path)
};

class Reloader {
 public:
  // `current` is the config thrd started with; `socket_path` the socket it serves.
  // `socket_from_flag`: -s chose the socket, so the config's `socket` never matters.
  Reloader(std::string config_path, Config current, std::string socket_path, Supervisor& sup,
           Server& server, const Notifier& notifier, bool socket_from_flag = false);
  ~Reloader();  // Close()
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Before the first reload: where the metrics keys go (nullptr: nowhere).
  void SetMetricsExporter(MetricsExporter* exporter) { metrics_ = exporter; }
  // One reload at a time. An invalid config is refused with its message (InvalidConfig) and
  // nothing changes.
  Status Reload(ReloadOutcome* outcome);
  // The same, later, on the reloader's thread (SIGHUP). Requests that pile up while one waits
  // are served by one reload.
  void RequestReload();
  // Shutdown, first step: reloads from now on are refused, a queued SIGHUP is dropped, and a
  // reload in progress sends no READY=1. Does not wait.
  void Refuse();
  // Refuse(), then waits for the reloader's thread. Call after the supervisor shut down, so
  // that a reload in progress there ends at once instead of starting jobs.
  void Close();

 private:
  void ThreadMain();

  const std::string config_path_;
  const std::string socket_path_;
  const bool socket_from_flag_;
  Supervisor& sup_;
  Server& server_;
  const Notifier& notifier_;
  MetricsExporter* metrics_ = nullptr;

  std::mutex run_mu_;  // held for a whole reload
  Config current_;     // guarded by run_mu_: the settings in force
  std::atomic<bool> closed_{false};

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  bool pending_ = false;   // guarded by queue_mu_
  bool stopping_ = false;  // guarded by queue_mu_
  std::thread thread_;
};

// "3 jobs: 2 running, 1 paused": for systemd's STATUS= and the log.
std::string DescribeCounts(const StateCounts& counts);

}  // namespace thr
