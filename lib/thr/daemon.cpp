#include "thr/daemon.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "thr/access.h"
#include "thr/clock.h"
#include "thr/clock_watch.h"
#include "thr/config.h"
#include "thr/decisions.h"
#include "thr/exit_codes.h"
#include "thr/log.h"
#include "thr/metrics.h"
#include "thr/metrics_export.h"
#include "thr/notify.h"
#include "thr/output.h"
#include "thr/process.h"
#include "thr/reload.h"
#include "thr/run_groups.h"
#include "thr/server.h"
#include "thr/socket_path.h"
#include "thr/supervisor.h"
#include "thr/version.h"

namespace thr {
namespace {

// systemd sets JOURNAL_STREAM to "device:inode" of the stream it connected to the journal.
bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  struct stat st;
  if (stream == nullptr || ::fstat(STDERR_FILENO, &st) != 0) return false;
  unsigned long long dev = 0, ino = 0;
  return std::sscanf(stream, "%llu:%llu", &dev, &ino) == 2 &&
         dev == static_cast<unsigned long long>(st.st_dev) &&
         ino == static_cast<unsigned long long>(st.st_ino);
}

// Signals are taken synchronously by the main thread alone (sigwait); every other thread
// inherits this mask, so no handler ever runs real work.
sigset_t BlockedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGCHLD);
  return set;
}

// systemd and login shells give a soft open-files limit of 1024, below max_connections' own
// default: take the hard limit for thrd's own connections (runs keep the old soft limit).
void RaiseNofileLimit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    spdlog::warn("getrlimit(RLIMIT_NOFILE): {}", std::strerror(errno));
    return;
  }
  if (rl.rlim_cur != rl.rlim_max) {
    const rlim_t old = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      spdlog::warn("raising the open-files limit from {} to {}: {}", old, rl.rlim_max,
                   std::strerror(errno));
      return;
    }
    SetRunNofileLimit(old);  // the jobs' runs keep the limit thrd was given
  }
  if (rl.rlim_cur == RLIM_INFINITY) {
    spdlog::debug("open-files limit: unlimited");
  } else {
    spdlog::debug("open-files limit: {}", rl.rlim_cur);
  }
}

Status Load(const DaemonOptions& options, Config* config) {
  if (options.config_path.empty()) return LoadDefaultConfig(config);
  return LoadConfig(options.config_path, config);
}

}  // namespace

int RunDaemon(const DaemonOptions& options) {
  Config config;
  if (Status s = Load(options, &config); !s.ok()) {
    std::fprintf(stderr, "thrd: %s\n", s.message().c_str());
    return kExitConfig;
  }
  if (options.check_only) {
    std::printf("%s\n", DescribeConfig(config).c_str());
    return kExitOk;
  }
  SetUpLogging(LogSetup{options.log_format, StderrIsJournal(), options.log_level});
  // A scrape of 10,000 jobs makes strings of tens of MB (the text, its JSON reply). glibc would
  // raise its mmap threshold past them once freed and keep the next ones in the heap for good;
  // a fixed threshold hands every such block back to the system when it is freed.
  ::mallopt(M_MMAP_THRESHOLD, 1 << 20);
  // Every socket write uses MSG_NOSIGNAL; this covers any other write to a closed pipe.
  std::signal(SIGPIPE, SIG_IGN);
  RaiseNofileLimit();
  CheckNofileBudget(config.max_connections, ExecJobs(config));
  sigset_t signals = BlockedSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const Notifier notifier;
  // Both before any thread exists: the keeper is forked from a single-threaded thrd.
  BecomeSubreaper();
  UseGlobalFutexHash();
  if (Status s = RunGroups::Get().StartKeeper(); !s.ok()) {
    spdlog::warn("{}; runs will not be killed if thrd itself is killed", s.message());
  }

  std::string socket_path = ResolveDaemonSocket(options.socket_path, config.socket);
  std::string state_dir = ResolveStateDir(options.state_dir);
  if (state_dir.empty())
    spdlog::warn("no state dir (no --state-dir, no absolute HOME): decisions are not kept");
  OutputEcho echo(STDOUT_FILENO, OutputEcho::kDefaultMaxQueued, options.log_format);
  Supervisor supervisor(DefaultClock(), &echo, DecisionFile(state_dir));
  Server server(supervisor);
  if (Status s = server.Listen(socket_path, config.socket_mode, config.socket_group); !s.ok()) {
    spdlog::error("{}", s.message());
    return kExitFailed;
  }
  spdlog::info("thrd {} (pid {}) serving {} with {} job(s) from {}; decisions kept in {}", kVersion,
               ::getpid(), socket_path, config.jobs.size(), config.origin, state_dir);
  auto policy =
      std::make_shared<const AccessPolicy>(config.allow, options.config_path, ::geteuid());
  spdlog::info("access: {}", policy->Describe());
  server.SetAccessPolicy(std::move(policy));
  // Always on, listener or not (`thrctl metrics`): it costs a few hundred bytes per job that ran.
  Metrics metrics([&supervisor, &server](MetricsSnapshot* snap) {
    (void)supervisor.Snapshot({}, &snap->jobs);
    snap->connections = server.active_connections();
  });
  supervisor.events().AddObserver([&metrics](const Event& e) { metrics.OnEvent(e); });
  server.SetMetrics(&metrics);
  MetricsExporter exporter(metrics);
  supervisor.Start(config);
  Reloader reloader(options.config_path, config, socket_path, supervisor, server, notifier,
                    !options.socket_path.empty());
  server.SetReloader(&reloader);
  reloader.SetMetricsExporter(&exporter);
  if (Status s = exporter.Apply(MetricsOutputsOf(config)); !s.ok())
    spdlog::error("{}", s.message());
  server.SetLimits(config.max_connections, config.idle_timeout);
  supervisor.SetChangeListener(
      [&notifier, &supervisor] { notifier.Status(DescribeCounts(supervisor.Counts())); });
  server.Serve();
  // `every` jobs never move with the wall clock; calendar jobs re-aim at it at once.
  ClockWatch clock_watch(
      [&supervisor](std::chrono::nanoseconds) { supervisor.WallClockStepped(); });
  if (Status s = clock_watch.Start(); !s.ok()) {
    spdlog::warn("clock watch: {}; cron jobs notice a wall clock step within a minute",
                 s.message());
  }
  // The socket accepts from here on: a client that sees READY=1 can talk to thrd.
  notifier.Ready(DescribeCounts(supervisor.Counts()));

  const std::optional<Duration> watchdog = notifier.watchdog_interval();
  auto next_watchdog = std::chrono::steady_clock::now();
  bool reap_again = false;
  while (true) {
    // A run's zombie seen by ReapStrays is left to its job thread; look again shortly.
    std::optional<Duration> wait;
    if (reap_again) wait = Duration(100);
    if (watchdog) {
      auto left =
          std::chrono::duration_cast<Duration>(next_watchdog - std::chrono::steady_clock::now());
      left = std::max(left, Duration(0));
      wait = wait ? std::min(*wait, left) : left;
    }
    timespec timeout{};
    if (wait) {
      timeout.tv_sec = wait->count() / 1000;
      timeout.tv_nsec = (wait->count() % 1000) * 1'000'000;
    }
    int sig = sigtimedwait(&signals, nullptr, wait ? &timeout : nullptr);
    if (watchdog && std::chrono::steady_clock::now() >= next_watchdog) {
      // Counting takes every job's lock: a deadlocked supervisor stops the pings.
      notifier.Status(DescribeCounts(supervisor.Counts()));
      notifier.Watchdog();
      next_watchdog = std::chrono::steady_clock::now() + *watchdog;
    }
    if (sig < 0 || sig == SIGCHLD) {
      reap_again = ReapStrays();
      continue;
    }
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: reloading");
      reloader.RequestReload();
      continue;
    }
    spdlog::info("{}: stopping every job", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  notifier.Stopping();
  // Refuse new reloads, stop the jobs (which also cuts a reload in progress short: it starts
  // nothing once the supervisor is shut down), then wait for the reloader.
  reloader.Refuse();
  supervisor.Shutdown();
  reloader.Close();
  exporter.Stop();  // the file's last write, with every job stopped
  server.Shutdown();
  clock_watch.Stop();
  RunGroups::Get().StopKeeper();
  ReapStrays();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace thr
