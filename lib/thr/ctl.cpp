#include "thr/ctl.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "thr/client.h"
#include "thr/ctl_format.h"
#include "thr/ctl_watch.h"
#include "thr/exit_codes.h"
#include "thr/history_format.h"
#include "thr/run_strip.h"
#include "thr/socket_path.h"

namespace thr {
namespace {

// How often a waiting thrctl checks that the daemon is still alive.
constexpr Duration kLivenessInterval{3'000};

// `run` says what began rather than a state: "backup: run started (job paused)".
void PrintControl(const nlohmann::json& reply, bool run, std::FILE* out, std::FILE* err) {
  for (const auto& job : Jobs(reply)) {
    std::string name = Text(job, "name", "?");
    if (Flag(job, "ok")) {
      std::string state = Text(job, "state", "?");
      if (run) {
        std::fprintf(out, "%s: run started%s\n", name.c_str(),
                     state == "running" ? "" : (" (job " + state + ")").c_str());
      } else {
        std::fprintf(out, Flag(job, "changed") ? "%s: %s\n" : "%s: already %s\n", name.c_str(),
                     state.c_str());
      }
    } else {
      std::string message = Text(Member(job, "error"), "message", "failed");
      std::fprintf(err, "thrctl: %s\n", message.c_str());  // the message names the job
    }
  }
}

std::vector<std::string> Strings(const nlohmann::json& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const auto& item : v) out.push_back(Cell(item));
  return out;
}

// "reloaded /etc/thrd/thrd.json (+2 drop-ins): changed sync; added web; 3 unchanged"
void PrintReload(const nlohmann::json& reply, std::FILE* out, std::FILE* err) {
  if (Member(reply, "message").is_string()) {
    std::fprintf(out, "%s\n", Text(reply, "message", "").c_str());
    return;
  }
  std::vector<std::string> files = Strings(Member(reply, "files"));
  std::string line = "reloaded " + (files.empty() ? std::string("?") : files.front());
  if (files.size() > 1) {
    line +=
        " (+" + std::to_string(files.size() - 1) + (files.size() == 2 ? " drop-in)" : " drop-ins)");
  }
  std::string changes;
  for (const char* kind : {"changed", "added", "removed"}) {
    std::vector<std::string> names = Strings(Member(reply, kind));
    if (names.empty()) continue;
    changes += (changes.empty() ? "" : "; ") + std::string(kind);
    for (const std::string& name : names) changes += " " + name;
  }
  size_t unchanged = Strings(Member(reply, "unchanged")).size();
  if (changes.empty()) {
    line += ": no change (" + std::to_string(unchanged) + " unchanged)";
  } else {
    line += ": " + changes + "; " + std::to_string(unchanged) + " unchanged";
  }
  std::fprintf(out, "%s\n", line.c_str());
  for (const std::string& note : Strings(Member(reply, "notes"))) {
    std::fprintf(err, "thrctl: note: %s\n", note.c_str());
  }
}

// Receives the reply to a command that may take a job's stop_timeout: as long as the daemon
// keeps answering pings on a second connection, keep waiting.
Status AwaitSlowReply(Client& client, nlohmann::json* reply) {
  while (true) {
    Status s = client.Receive(kLivenessInterval, reply);
    if (s.code() != Status::Code::kTimeout) return s;
    std::unique_ptr<Client> probe;
    nlohmann::json pong;
    Status alive = Client::Connect(client.path(), kDefaultCtlTimeout, &probe);
    if (alive.ok()) alive = probe->Call({{"cmd", "ping"}}, kDefaultCtlTimeout, &pong);
    if (!alive.ok()) {
      return Status::Unavailable("thrd at " + client.path() +
                                 " stopped answering: " + alive.message());
    }
  }
}

// thrd could not be reached (exit 3). With --json, the object says so with code "unavailable"
// whatever the cause (no socket, refused, no answer in time): docs/json.md promises scripts one
// code for exit 3; the message says which cause and names the path.
int Fail(const CtlOptions& options, const Status& status, int code) {
  if (options.json) {
    nlohmann::json reply = {{"ok", false},
                            {"error", {{"code", "unavailable"}, {"message", status.message()}}}};
    std::fprintf(stdout, "%s\n", reply.dump().c_str());
  }
  std::fprintf(stderr, "thrctl: %s\n", status.message().c_str());
  return code;
}

}  // namespace

bool WaitsForJobs(const std::string& command) {
  return command == "stop" || command == "kill" || command == "restart" || command == "reload" ||
         command == "wait";
}

nlohmann::json BuildRequest(const CtlOptions& options) {
  nlohmann::json request = {{"cmd", options.command}};
  if (options.command == "show" && options.lines) request["lines"] = *options.lines;
  if (options.command == "logs" || options.command == "history") {
    request["job"] = options.jobs.empty() ? "" : options.jobs.front();
    if (options.lines) request["lines"] = *options.lines;
    if (options.follow && options.command == "logs") request["follow"] = true;
    return request;
  }
  if (options.all) {
    request["all"] = true;
  } else if (!options.jobs.empty()) {
    request["jobs"] = options.jobs;
  }
  if (options.freeze) request["freeze"] = true;
  if (options.command == "wait") {
    request["state"] = options.wait_state;
    if (options.wait_for) request["timeout_ms"] = options.wait_for->count();
  }
  return request;
}

void PrintReply(const std::string& command, const nlohmann::json& reply, std::FILE* out,
                std::FILE* err) {
  PrintReply(command, reply, FormatOptions{WallClock::now(), false, false}, out, err);
}

void PrintReply(const std::string& command, const nlohmann::json& reply,
                const FormatOptions& options, std::FILE* out, std::FILE* err) {
  if (command == "status") {
    std::fputs(FormatStatus(reply, options).c_str(), out);
  } else if (command == "show") {
    std::fputs(FormatShow(reply, options).c_str(), out);
  } else if (command == "history") {
    if (ReplyStatus(reply).ok()) std::fputs(FormatHistory(reply, options).c_str(), out);
  } else if (command == "logs") {
    const nlohmann::json& lines = Member(reply, "lines");
    if (lines.is_array()) {
      for (const auto& line : lines) std::fprintf(out, "%s\n", Cell(line).c_str());
    }
  } else if (command == "wait") {
    if (!ReplyStatus(reply).ok()) return;
    for (const auto& job : Jobs(reply)) {
      std::fprintf(out, "%s: %s\n", Text(job, "name", "?").c_str(),
                   Text(job, "state", "?").c_str());
    }
  } else if (command == "reload") {
    if (ReplyStatus(reply).ok()) PrintReload(reply, out, err);
  } else if (command == "metrics") {
    // The exposition text as is, so that it pipes into promtool or a file.
    if (ReplyStatus(reply).ok()) std::fputs(Text(reply, "text", "").c_str(), out);
  } else if (command == "ping") {
    std::fprintf(out, "thrd %s is up (pid %s)\n", Cell(Member(reply, "version")).c_str(),
                 Cell(Member(reply, "pid")).c_str());
  } else {
    PrintControl(reply, command == "run", out, err);
  }
}

std::string FormatEvent(const nlohmann::json& e) {
  std::string line = Text(e, "time", "?") + "  " + Text(e, "job", "?") + "  ";
  if (Text(e, "type", "") == "state") {
    return line + Text(e, "from", "?") + " -> " + Text(e, "to", "?");
  }
  line += Flag(e, "ok") ? "run ok" : "run failed";
  const nlohmann::json& ms = Member(e, "duration_ms");
  if (ms.is_number_integer()) line += " in " + FormatDuration(Duration(ms.get<int64_t>()));
  if (!Flag(e, "ok")) line += ": " + Text(e, "error", "?");
  return line;
}

namespace {

// events and logs -f: pushed lines until the final reply (the one with "ok"). Quiet periods
// are fine as long as thrd answers pings; --timeout bounds only connecting.
Status ReceiveStream(const CtlOptions& options, Client& client, nlohmann::json* reply) {
  while (true) {
    nlohmann::json item;
    if (Status s = AwaitSlowReply(client, &item); !s.ok()) return s;
    if (item.is_object() && item.contains("ok")) {
      *reply = std::move(item);
      return Status::Ok();
    }
    if (options.command == "events") {
      const nlohmann::json& event = Member(item, "event");
      if (!event.is_object()) continue;  // {"subscribed": true} and the like
      std::string text = options.json ? event.dump() : FormatEvent(event);
      std::fprintf(stdout, "%s\n", text.c_str());
    } else if (options.json) {
      std::fprintf(stdout, "%s\n", item.dump().c_str());
    } else {
      const nlohmann::json& dropped = Member(item, "dropped");
      if (dropped.is_number_unsigned()) {
        std::fprintf(stderr, "thrctl: %s lines dropped (this reader fell behind)\n",
                     dropped.dump().c_str());
      }
      PrintReply("logs", item, stdout, stderr);
    }
    std::fflush(stdout);  // a pipe reader sees each line as it comes
  }
}

}  // namespace

int RunCtl(const CtlOptions& options) {
  if (options.command == "status" && options.watch) return RunWatch(options);
  std::string path = ResolveClientSocket(options.socket);
  std::unique_ptr<Client> client;
  Duration connect_timeout = options.timeout.value_or(kDefaultCtlTimeout);
  if (Status s = Client::Connect(path, connect_timeout, &client); !s.ok()) {
    return Fail(options, s, kExitUnreachable);
  }
  nlohmann::json reply;
  Status s = client->Send(BuildRequest(options));
  // thrd may have refused the connection (error busy) and closed it before the request went
  // out: its one error line is then waiting to be read.
  const bool early = !s.ok() && client->Receive(Duration(0), &reply).ok();
  if (early) s = Status::Ok();
  const bool streaming =
      options.command == "events" || (options.command == "logs" && options.follow);
  if (s.ok() && !early) {
    if (streaming) {
      s = ReceiveStream(options, *client, &reply);
    } else if (WaitsForJobs(options.command) && !options.timeout) {
      s = AwaitSlowReply(*client, &reply);
    } else {
      s = client->Receive(connect_timeout, &reply);
    }
  }
  if (!s.ok()) return Fail(options, s, kExitUnreachable);

  Status result = ReplyStatus(reply);
  if (streaming) {
    if (!result.ok()) {
      if (options.json) std::fprintf(stdout, "%s\n", reply.dump().c_str());
      std::fprintf(stderr, "thrctl: %s\n", result.message().c_str());
      return kExitFailed;
    }
    std::fprintf(stderr, "thrctl: %s\n", Text(reply, "end", "end of stream").c_str());
    return kExitOk;
  }
  if (options.json) {
    std::fprintf(stdout, "%s\n", reply.dump().c_str());
    if (!result.ok()) std::fprintf(stderr, "thrctl: %s\n", result.message().c_str());
  } else {
    FormatOptions format{
        WallClock::now(), ColorWanted(isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR")),
        Utf8Locale(std::getenv("LC_ALL"), std::getenv("LC_CTYPE"), std::getenv("LANG"))};
    PrintReply(options.command, reply, format, stdout, stderr);
    // Control commands name each failed job themselves; others print the one error.
    bool per_job = !Jobs(reply).empty() && options.command != "status" &&
                   options.command != "wait" && options.command != "show";
    if (!result.ok() && !per_job) std::fprintf(stderr, "thrctl: %s\n", result.message().c_str());
  }
  return result.ok() ? kExitOk : kExitFailed;
}

}  // namespace thr
