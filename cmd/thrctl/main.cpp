// thrctl: the command-line client of thrd. Parses arguments (usage errors exit 2 even with no
// daemon running) and hands over to thr::RunCtl.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "thr/ctl.h"
#include "thr/duration.h"
#include "thr/exit_codes.h"
#include "thr/version.h"

namespace {

struct Verb {
  const char* name;
  const char* help;
};

// Commands that act on JOB... or --all; the daemon's table (lib/thr/commands) has the same names.
constexpr Verb kJobVerbs[] = {
    {"pause", "pause jobs: no new run starts (--freeze also stops a run in progress)"},
    {"resume", "resume paused jobs at the next slot of the same grid"},
    {"stop", "stop jobs; returns when their threads have ended"},
    {"kill", "kill jobs: end the run in progress now; returns when their threads have ended"},
    {"start", "start stopped, killed or failed jobs on a fresh thread and grid"},
    {"restart", "stop (if needed) and start jobs on a fresh thread and grid"},
};

}  // namespace

int main(int argc, char** argv) {
  thr::CtlOptions options;
  std::string timeout_text;
  CLI::App app{"thrctl: control a running thrd over its Unix socket."};
  app.set_version_flag("--version", std::string("thrctl ") + thr::kVersion);
  app.add_option(
      "-s,--socket", options.socket,
      "socket path (default: $THRD_SOCKET, else $XDG_RUNTIME_DIR/thrd.sock if it exists, "
      "else /run/thrd/thrd.sock)");
  app.add_flag("--json", options.json, "print the daemon's reply as one JSON object");
  app.add_option("--timeout", timeout_text,
                 "bound on connecting and on each reply, e.g. 500ms, 30s (default 10s; stop, kill, "
                 "restart and reload wait while the daemon answers pings unless this is given)");
  app.require_subcommand(1);
  app.fallthrough();  // "thrctl status --json" as well as "thrctl --json status"
  app.footer(
      "Exit status: 0 done, 1 refused or failed, 2 usage error, 3 thrd unreachable.\n"
      "States are coloured on a terminal unless NO_COLOR is set.");

  CLI::App* status = app.add_subcommand("status", "show every job, or those named");
  status->add_option("JOB", options.jobs, "job names");
  CLI::App* show = app.add_subcommand(
      "show", "show jobs in detail: settings, schedule, counters, recent output");
  show->add_option("JOB", options.jobs, "job names")->required();
  show->add_option("-n,--lines", options.lines, "recent output lines to show (default 10)")
      ->check(CLI::NonNegativeNumber);
  for (const Verb& verb : kJobVerbs) {
    CLI::App* sub = app.add_subcommand(verb.name, verb.help);
    auto* names = sub->add_option("JOB", options.jobs, "job names");
    auto* all = sub->add_flag("--all", options.all, "every job to which the command applies");
    names->excludes(all);
    sub->callback([sub] {
      if (sub->count("JOB") == 0 && sub->count("--all") == 0)
        throw CLI::RequiredError("JOB or --all");
    });
    if (std::string(verb.name) == "pause") {
      sub->add_flag("--freeze", options.freeze,
                    "also freeze a run in progress (SIGSTOP its group)");
    }
  }
  CLI::App* logs = app.add_subcommand("logs", "print a job's recent output lines, oldest first");
  logs->add_option("JOB", options.jobs, "job name")->required()->expected(1);
  logs->add_option("-n,--lines", options.lines, "only the last N lines")
      ->check(CLI::NonNegativeNumber);
  app.add_subcommand("reload",
                     "re-read the config and its drop-ins; exit 1, nothing changed, if invalid");
  app.add_subcommand("ping", "exit 0 when thrd answers");

  try {
    app.parse(argc, argv);
    if (!timeout_text.empty()) {
      thr::Duration d;
      if (thr::Status s = thr::ParseDuration(timeout_text, &d); !s.ok()) {
        throw CLI::ValidationError("--timeout", s.message());
      }
      options.timeout = d;
    }
  } catch (const CLI::ParseError& e) {
    // "thrctl frobnicate": CLI11 would say only that a subcommand is required.
    std::vector<std::string> rest = app.remaining();
    if (app.get_subcommands().empty() && !rest.empty() && rest.front()[0] != '-') {
      std::fprintf(stderr, "thrctl: unknown command: %s (see thrctl --help)\n",
                   rest.front().c_str());
      return thr::kExitUsage;
    }
    int code = app.exit(e);  // prints help, version or the error
    return code == 0 ? thr::kExitOk : thr::kExitUsage;
  }
  options.command = app.get_subcommands().front()->get_name();
  return thr::RunCtl(options);
}
