// thrctl: the command-line client of thrd. Parses arguments (usage errors exit 2 even with no
// daemon running) and hands over to thr::RunCtl.
#include <CLI/CLI.hpp>
#include <array>
#include <cstdio>
#include <initializer_list>
#include <string>

#include "thr/ctl.h"
#include "thr/duration.h"
#include "thr/exit_codes.h"
#include "thr/version.h"

namespace {

struct Verb {
  const char* name;
  const char* help;
  std::array<const char*, 2> examples;  // for the end of its --help; the second may be null
};

// Commands that act on JOB... or --all; the daemon's table (lib/thr/commands) has the same names.
constexpr Verb kJobVerbs[] = {
    {"pause",
     "pause jobs: no new run starts (--freeze also stops a run in progress; a service is "
     "always frozen)",
     {"thrctl pause sync", "thrctl pause --all --freeze"}},
    {"resume",
     "resume paused jobs at the next slot of the same grid",
     {"thrctl resume sync", "thrctl resume --all"}},
    {"stop",
     "stop jobs; returns when their threads have ended",
     {"thrctl stop sync web", "thrctl --timeout 30s stop --all"}},
    {"kill",
     "kill jobs: end the run in progress now; returns when their threads have ended",
     {"thrctl kill sync", nullptr}},
    {"start",
     "start stopped, killed or failed jobs on a fresh thread and grid",
     {"thrctl start sync", "thrctl start --all"}},
    {"restart",
     "stop (if needed) and start jobs on a fresh thread and grid",
     {"thrctl restart sync", nullptr}},
};

constexpr const char* kExitFooter =
    "Exit status: 0 done, 1 refused or failed, 2 usage error, 3 thrd unreachable.\n"
    "States are coloured on a terminal unless NO_COLOR is set.";

// A command's footer: the exit statuses every command shares, then its examples. The layout
// ("Examples:" alone on a line, then indented "$ " lines) is what help2man turns into the
// man page's EXAMPLES section, so keep it when adding some.
std::string Footer(std::initializer_list<const char*> examples) {
  std::string text = std::string(kExitFooter) + "\n\nExamples:";
  for (const char* example : examples) {
    if (example != nullptr) text += std::string("\n  $ ") + example;
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  thr::CtlOptions options;
  std::string timeout_text;
  // A fixed name rather than argv[0], so that usage lines (and the man page help2man makes
  // from them at build time) say "thrctl", not the path it was run by.
  CLI::App app{"thrctl: control a running thrd over its Unix socket.", "thrctl"};
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
  // CLI11 copies this footer into each subcommand added below; those with examples replace
  // it with Footer(...). thrctl's own examples are set after them, so none inherits those.
  app.footer(kExitFooter);

  CLI::App* status = app.add_subcommand("status", "show every job, or those named");
  status->add_option("JOB", options.jobs, "job names");
  CLI::Option* watch = status->add_flag(
      "-w,--watch", options.watch,
      "redraw the table in place on every change and every --interval, until q or Ctrl-C "
      "(needs a terminal)");
  std::string interval_text;
  status->add_option("--interval", interval_text, "with --watch: redraw at least this often (2s)")
      ->needs(watch);
  status->footer(Footer(
      {"thrctl status", "thrctl --json status tick", "thrctl status --watch --interval 5s"}));
  CLI::App* show = app.add_subcommand(
      "show", "show jobs in detail: settings, schedule, counters, recent output");
  show->add_option("JOB", options.jobs, "job names")->required();
  show->add_option("-n,--lines", options.lines, "recent output lines to show (default 10)")
      ->check(CLI::NonNegativeNumber);
  show->footer(Footer({"thrctl show sync", "thrctl show tick -n 3"}));
  for (const Verb& verb : kJobVerbs) {
    CLI::App* sub = app.add_subcommand(verb.name, verb.help);
    auto* names = sub->add_option("JOB", options.jobs, "job names");
    auto* all = sub->add_flag("--all", options.all, "every job to which the command applies");
    names->excludes(all);
    sub->footer(Footer({verb.examples[0], verb.examples[1]}));
    sub->callback([sub] {
      if (sub->count("JOB") == 0 && sub->count("--all") == 0)
        throw CLI::RequiredError("JOB or --all");
    });
    if (std::string(verb.name) == "pause") {
      sub->add_flag("--freeze", options.freeze,
                    "also freeze a run in progress (SIGSTOP its group)");
    }
  }
  CLI::App* run = app.add_subcommand(
      "run", "start one run of each job now, also of a paused job (which stays paused)");
  run->add_option("JOB", options.jobs, "job names")->required();
  run->footer(Footer({"thrctl run backup", nullptr}));
  CLI::App* logs = app.add_subcommand("logs", "print a job's recent output lines, oldest first");
  logs->add_option("JOB", options.jobs, "job name")->required()->expected(1);
  logs->add_flag("-f,--follow", options.follow,
                 "then print new lines as they come, until the job is removed or thrd stops");
  logs->add_option("-n,--lines", options.lines, "only the last N lines")
      ->check(CLI::NonNegativeNumber);
  logs->footer(Footer({"thrctl logs sync -n 20", "thrctl logs -f tick"}));
  CLI::App* history = app.add_subcommand(
      "history", "print a job's last runs, oldest first: start, duration, result, exit or reason");
  history->add_option("JOB", options.jobs, "job name")->required()->expected(1);
  history->add_option("-n,--lines", options.lines, "only the last N runs")
      ->check(CLI::NonNegativeNumber);
  history->footer(
      Footer({"thrctl history sync -n 10",
              "thrctl --json history sync | jq '[.runs[] | select(.result != \"ok\")]'"}));
  CLI::App* events = app.add_subcommand(
      "events", "stream state changes and run ends as they happen, until thrd stops");
  events->add_option("JOB", options.jobs, "only these jobs (default: every job)");
  events->footer(
      Footer({"thrctl events", "thrctl --json events sync | jq -c 'select(.type == \"run\")'"}));
  std::string wait_for_text;
  CLI::App* wait = app.add_subcommand(
      "wait", "wait until every named job is in STATE: exit 0, or 1 when --for passes first");
  wait->add_option("JOB", options.jobs, "job names")->required();
  wait->add_option("--state", options.wait_state, "running, paused, stopped, killed or failed")
      ->required()
      ->check(CLI::IsMember({"running", "paused", "stopped", "killed", "failed"}));
  wait->add_option("--for", wait_for_text, "give up after this long, e.g. 30s (default: never)");
  wait->footer(Footer({"thrctl stop sync && thrctl wait sync --state stopped --for 1m"}));
  app.add_subcommand("reload",
                     "re-read the config and its drop-ins; exit 1, nothing changed, if invalid")
      ->footer(Footer({"thrctl reload"}));
  app.add_subcommand("metrics", "print thrd's metrics in the Prometheus text format")
      ->footer(Footer({"thrctl metrics | promtool check metrics"}));
  app.add_subcommand("ping", "exit 0 when thrd answers")
      ->footer(Footer({"thrctl ping >/dev/null && echo up"}));

  app.footer(Footer({"thrctl status", "thrctl -s /run/thrd/thrd.sock pause sync",
                     "thrctl --json status | jq -r '.jobs[].name'"}));

  try {
    app.parse(argc, argv);
    if (!timeout_text.empty()) {
      thr::Duration d;
      if (thr::Status s = thr::ParseDuration(timeout_text, &d); !s.ok()) {
        throw CLI::ValidationError("--timeout", s.message());
      }
      options.timeout = d;
    }
    if (!interval_text.empty()) {
      thr::Duration d;
      if (thr::Status s = thr::ParseDuration(interval_text, &d); !s.ok()) {
        throw CLI::ValidationError("--interval", s.message());
      }
      if (d < thr::Duration(100)) throw CLI::ValidationError("--interval", "at least 100ms");
      options.watch_interval = d;
    }
    if (!wait_for_text.empty()) {
      thr::Duration d;
      if (thr::Status s = thr::ParseDuration(wait_for_text, &d); !s.ok()) {
        throw CLI::ValidationError("--for", s.message());
      }
      options.wait_for = d;
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
