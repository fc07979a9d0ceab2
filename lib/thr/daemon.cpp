#include "thr/daemon.h"

#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>

#include "thr/clock.h"
#include "thr/config.h"
#include "thr/exit_codes.h"
#include "thr/output.h"
#include "thr/process.h"
#include "thr/run_groups.h"
#include "thr/server.h"
#include "thr/socket_path.h"
#include "thr/supervisor.h"
#include "thr/version.h"

namespace thr {
namespace {

void SetUpLogging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("thrd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::trace);
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
    std::printf("%s: ok, %zu job%s\n", config.origin.c_str(), config.jobs.size(),
                config.jobs.size() == 1 ? "" : "s");
    return kExitOk;
  }
  SetUpLogging(options.log_level);
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t signals = BlockedSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Both before any thread exists: the keeper is forked from a single-threaded thrd.
  BecomeSubreaper();
  if (Status s = RunGroups::Get().StartKeeper(); !s.ok()) {
    spdlog::warn("{}; runs will not be killed if thrd itself is killed", s.message());
  }

  std::string socket_path = ResolveDaemonSocket(options.socket_path, config.socket);
  OutputEcho echo(STDOUT_FILENO);
  Supervisor supervisor(DefaultClock(), &echo);
  Server server(supervisor);
  if (Status s = server.Listen(socket_path); !s.ok()) {
    spdlog::error("{}", s.message());
    return kExitFailed;
  }
  spdlog::info("thrd {} (pid {}) serving {} with {} job(s) from {}", kVersion, ::getpid(),
               socket_path, config.jobs.size(), config.origin);
  supervisor.Start(config);
  server.Serve();

  bool reap_again = false;
  while (true) {
    // A run's zombie seen by ReapStrays is left to its job thread; look again shortly.
    timespec retry{0, 100'000'000};
    int sig = sigtimedwait(&signals, nullptr, reap_again ? &retry : nullptr);
    if (sig < 0 || sig == SIGCHLD) {
      reap_again = ReapStrays();
      continue;
    }
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: reload is not supported yet; ignored");
      continue;
    }
    spdlog::info("{}: stopping {} job(s)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                 config.jobs.size());
    break;
  }
  supervisor.Shutdown();
  server.Shutdown();
  RunGroups::Get().StopKeeper();
  ReapStrays();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace thr
