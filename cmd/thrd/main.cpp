// thrd: the job supervisor daemon. Parses flags and hands over to thr::RunDaemon.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "thr/daemon.h"
#include "thr/exit_codes.h"
#include "thr/run_groups.h"
#include "thr/version.h"

int main(int argc, char** argv) {
  if (argc > 0 && thr::IsKeeperInvocation(argv[0])) return thr::KeeperMain();
  thr::DaemonOptions options;
  // A fixed name rather than argv[0]: usage lines (and the man page made from them) say "thrd".
  CLI::App app{"thrd: job supervisor daemon. Runs in the foreground; control it with thrctl.",
               "thrd"};
  app.set_version_flag("--version", std::string("thrd ") + thr::kVersion);
  app.add_option(
      "-c,--config", options.config_path,
      "JSON config file (default: the embedded one, job 'tick' printing the time each second)");
  app.add_option("-s,--socket", options.socket_path,
                 "control socket path (overrides the config's 'socket')");
  app.add_option("--state-dir", options.state_dir,
                 "where operator decisions are kept across restarts");
  app.add_flag("--check", options.check_only, "validate the config and exit: 0 valid, 78 invalid");
  app.add_option("--log-level", options.log_level,
                 "trace, debug, info, warn, error, critical or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  std::string log_format = "text";
  app.add_option("--log-format", log_format,
                 "text (default) or json: JSON lines on stderr (time, level, job, event, "
                 "message) and for job output on stdout (time, job, stream, line)")
      ->check(CLI::IsMember({"text", "json"}));
  // "Examples:" alone on a line, then indented "$ " lines: help2man makes the man page's
  // EXAMPLES section of them.
  app.footer(
      "Signals: SIGTERM/SIGINT stop every job and exit 0; SIGHUP never terminates thrd.\n"
      "Exit status: 0 ok, 1 failure (e.g. another thrd serves the socket), 2 usage, 78 invalid "
      "config.\n\n"
      "Examples:\n"
      "  $ thrd -c /etc/thrd/thrd.json\n"
      "  $ thrd --check -c /etc/thrd/thrd.json");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, version or the error
    return code == 0 ? thr::kExitOk : thr::kExitUsage;
  }
  thr::ParseLogFormat(log_format, &options.log_format);  // checked by IsMember above
  return thr::RunDaemon(options);
}
