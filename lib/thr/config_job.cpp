// The job keys of the config: one table row per key, each with its parser. Top-level keys and
// file handling are in config.cpp, drop-ins in config_include.cpp.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "thr/config.h"
#include "thr/config_internal.h"
#include "thr/cron.h"
#include "thr/identity.h"
#include "thr/signals.h"
#include "thr/zone.h"

namespace thr::config_internal {

using nlohmann::json;

namespace {

// The kinds of job a key applies to, as bits: timestamp jobs are always periodic, exec jobs are
// periodic (with a schedule) or services (without one).
enum Applies : unsigned {
  kTimestampJob = 1,
  kPeriodicExec = 2,
  kServiceJob = 4,
  kAny = kTimestampJob | kPeriodicExec | kServiceJob,
  kTimestamp = kTimestampJob,
  kExec = kPeriodicExec | kServiceJob,
  kPeriodic = kTimestampJob | kPeriodicExec,
  kService = kServiceJob,
};

// "exec jobs only": how a refusal names the jobs a key is for.
std::string_view AppliesTo(unsigned applies) {
  switch (applies) {
    case kTimestamp:
      return "timestamp jobs only";
    case kExec:
      return "exec jobs only";
    case kPeriodic:
      return "periodic jobs only (jobs with \"every\" or \"cron\")";
    case kPeriodicExec:
      return "periodic exec jobs only (jobs with \"every\" or \"cron\"; a service has no "
             "timeout)";
    case kService:
      return "services only (exec jobs without \"every\" or \"cron\")";
    default:
      return "some jobs only";
  }
}

// The keys that give a job a schedule; an exec job with none of them is a service.
constexpr std::string_view kScheduleKeys[] = {"every", "cron"};
// Keys that only a calendar (`cron`) job takes; the Applies bits cannot tell `every` from
// `cron`, so ParseJob checks these after the table.
constexpr std::string_view kCalendarKeys[] = {"tz", "catch_up"};

// One row per job key (tmux options-table.c): what it applies to and how it is read.
// `task` and `name` are read before the table, so they appear here only to be known.
struct JobKey {
  std::string_view name;
  unsigned applies;  // Applies bits
  Status (*parse)(const json& value, JobSpec* spec);
};

Status ExpectString(const json& v, std::string* out) {
  if (!v.is_string())
    return Status::InvalidConfig("expected a string, got " + std::string(v.type_name()));
  *out = v.get<std::string>();
  return Status::Ok();
}

Status ParseEvery(const json& v, JobSpec* spec) {
  Duration every;
  if (Status s = ParseDurationJson(v, &every); !s.ok()) return s;
  if (every < kMinEvery) {
    return Status::InvalidConfig(FormatDuration(every) + " is below the minimum of " +
                                 FormatDuration(kMinEvery));
  }
  spec->every = every;
  return Status::Ok();
}

Status ParseCronKey(const json& v, JobSpec* spec) {
  std::string text;
  if (Status s = ExpectString(v, &text); !s.ok()) return s;
  CronExpr expr;
  if (Status s = ParseCron(text, &expr); !s.ok()) return s;
  spec->cron = text;
  return Status::Ok();
}

Status ParseTz(const json& v, JobSpec* spec) {
  std::string name;
  if (Status s = ExpectString(v, &name); !s.ok()) return s;
  const date::time_zone* zone = nullptr;
  if (Status s = LocateZone(name, &zone); !s.ok()) return s;
  spec->tz = name;
  return Status::Ok();
}

Status ParseJitter(const json& v, JobSpec* spec) { return ParseDurationJson(v, &spec->jitter); }

Status ParseCatchUp(const json& v, JobSpec* spec) {
  if (!v.is_boolean())
    return Status::InvalidConfig("expected true or false, got " + std::string(v.type_name()));
  spec->catch_up = v.get<bool>();
  return Status::Ok();
}

Status NonEmptyString(const json& v, std::string* out) {
  if (Status s = ExpectString(v, out); !s.ok()) return s;
  if (out->empty()) return Status::InvalidConfig("must not be empty");
  return Status::Ok();
}

// A user or group: a name, or a numeric id kept as text (read as 64 bits: 2^32 must not wrap
// round to root).

Status ParseFormat(const json& v, JobSpec* spec) { return NonEmptyString(v, &spec->format); }

// An argv array (run directly) into `argv` or a string (run by /bin/sh -c) into `shell`.
Status ParseArgvOrShell(const json& v, std::vector<std::string>* argv, std::string* shell) {
  if (v.is_string()) {
    *shell = v.get<std::string>();
    if (shell->empty()) return Status::InvalidConfig("must not be empty");
    return Status::Ok();
  }
  if (!v.is_array()) {
    return Status::InvalidConfig(
        "expected an argv array of strings or a shell command string, got " +
        std::string(v.type_name()));
  }
  if (v.empty()) return Status::InvalidConfig("argv must not be empty");
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      return Status::InvalidConfig("argv[" + std::to_string(i) + "] is " + v[i].type_name() +
                                   ", expected a string");
    }
    argv->push_back(v[i].get<std::string>());
  }
  if ((*argv)[0].empty()) return Status::InvalidConfig("argv[0] must not be empty");
  return Status::Ok();
}

Status ParseCommand(const json& v, JobSpec* spec) {
  return ParseArgvOrShell(v, &spec->argv, &spec->shell);
}

Status ParseOnFailure(const json& v, JobSpec* spec) {
  return ParseArgvOrShell(v, &spec->on_failure_argv, &spec->on_failure_shell);
}

// A count from 0 to 1,000,000 (0 meaning "never", for the keys that take one).
Status ParseCount(const json& v, uint32_t* out) {
  constexpr int64_t kMax = 1'000'000;
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > kMax) {
    return Status::InvalidConfig("expected an integer from 0 to " + std::to_string(kMax));
  }
  *out = static_cast<uint32_t>(v.get<int64_t>());
  return Status::Ok();
}

Status ParseMaxFailures(const json& v, JobSpec* spec) { return ParseCount(v, &spec->max_failures); }
Status ParseMaxRestarts(const json& v, JobSpec* spec) { return ParseCount(v, &spec->max_restarts); }

Status ParseRestart(const json& v, JobSpec* spec) {
  std::string text;
  if (Status s = ExpectString(v, &text); !s.ok()) return s;
  for (RestartMode mode : {RestartMode::kAlways, RestartMode::kOnFailure, RestartMode::kNever}) {
    if (text == RestartModeName(mode)) {
      spec->restart = mode;
      return Status::Ok();
    }
  }
  return Status::InvalidConfig("\"" + text + "\" is not one of always, on-failure, never");
}

Status ParseBackoff(const json& v, JobSpec* spec) { return ParseDurationJson(v, &spec->backoff); }
Status ParseBackoffMax(const json& v, JobSpec* spec) {
  return ParseDurationJson(v, &spec->backoff_max);
}
Status ParseHealthyAfter(const json& v, JobSpec* spec) {
  return ParseDurationJson(v, &spec->healthy_after);
}
Status ParseHookTimeout(const json& v, JobSpec* spec) {
  return ParseDurationJson(v, &spec->hook_timeout);
}
Status ParseRestartWindow(const json& v, JobSpec* spec) {
  Duration d;
  if (Status s = ParseDurationJson(v, &d); !s.ok()) return s;
  spec->restart_window = d;
  return Status::Ok();
}

Status ParseCwd(const json& v, JobSpec* spec) { return NonEmptyString(v, &spec->cwd); }

Status ParseEnv(const json& v, JobSpec* spec) {
  if (!v.is_object())
    return Status::InvalidConfig("expected an object of strings, got " +
                                 std::string(v.type_name()));
  for (const auto& [key, value] : v.items()) {
    if (key.empty() || key.find('=') != std::string::npos) {
      return Status::InvalidConfig("invalid variable name \"" + key + "\"");
    }
    if (!value.is_string()) {
      return Status::InvalidConfig("value of \"" + key + "\" is " + value.type_name() +
                                   ", expected a string");
    }
    spec->env[key] = value.get<std::string>();
  }
  return Status::Ok();
}

Status ParseTimeout(const json& v, JobSpec* spec) {
  Duration d;
  if (Status s = ParseDurationJson(v, &d); !s.ok()) return s;
  spec->timeout = d;
  return Status::Ok();
}

// Capped so that a service manager's stop timeout (thrd.service: TimeoutStopSec=6min) can
// always cover a graceful shutdown, which stops every job in parallel.
Status ParseStopTimeout(const json& v, JobSpec* spec) {
  if (Status s = ParseDurationJson(v, &spec->stop_timeout); !s.ok()) return s;
  if (spec->stop_timeout > kMaxStopTimeout) {
    return Status::InvalidConfig(FormatDuration(spec->stop_timeout) + " is above the maximum of " +
                                 FormatDuration(kMaxStopTimeout));
  }
  return Status::Ok();
}

Status ParseStart(const json& v, JobSpec* spec) {
  std::string text;
  if (Status s = ExpectString(v, &text); !s.ok()) return s;
  std::optional<JobState> state = ParseState(text);
  if (!state || (*state != JobState::kRunning && *state != JobState::kPaused &&
                 *state != JobState::kStopped)) {
    return Status::InvalidConfig("\"" + text + "\" is not one of running, paused, stopped");
  }
  spec->start = *state;
  return Status::Ok();
}

Status ParseLogLines(const json& v, JobSpec* spec) {
  if (!v.is_number_integer() || v.get<int64_t>() < 1 ||
      v.get<int64_t>() > static_cast<int64_t>(kMaxLogLines)) {
    return Status::InvalidConfig("expected an integer from 1 to " + std::to_string(kMaxLogLines));
  }
  spec->log_lines = v.get<size_t>();
  return Status::Ok();
}

// Runs kept per job; 0 turns the history off. Bounded so that a typo cannot make each entry of
// 10,000 jobs cost megabytes.
Status ParseHistory(const json& v, JobSpec* spec) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
      v.get<int64_t>() > static_cast<int64_t>(kMaxHistory)) {
    return Status::InvalidConfig("expected an integer from 0 to " + std::to_string(kMaxHistory));
  }
  spec->history = static_cast<uint32_t>(v.get<int64_t>());
  return Status::Ok();
}

Status ParseUser(const json& v, JobSpec* spec) { return NameOrId(v, &spec->user); }

Status ParseGroup(const json& v, JobSpec* spec) { return NameOrId(v, &spec->group); }

// Four octal digits, as umask(1) takes them; the kernel uses only the low nine bits.
Status ParseUmask(const json& v, JobSpec* spec) {
  unsigned mask = 0;
  if (Status s = ParseOctal(v, "022", 07777, &mask); !s.ok()) return s;
  spec->umask = mask;
  return Status::Ok();
}

Status ParseSuccessCodes(const json& v, JobSpec* spec) {
  if (!v.is_array() || v.empty())
    return Status::InvalidConfig("expected a non-empty array of exit statuses");
  spec->success_codes.clear();
  for (const auto& code : v) {
    if (!code.is_number_integer() || code.get<int64_t>() < 0 || code.get<int64_t>() > 255) {
      return Status::InvalidConfig(code.dump() + " is not an exit status (0 to 255)");
    }
    spec->success_codes.push_back(code.get<int>());
  }
  return Status::Ok();
}

Status ParseStopSignal(const json& v, JobSpec* spec) {
  std::optional<int> sig;
  if (v.is_string()) sig = ParseSignal(v.get<std::string>());
  if (v.is_number_integer()) sig = ParseSignal(std::to_string(v.get<int64_t>()));
  if (!sig)
    return Status::InvalidConfig(v.dump() + " is not a signal (e.g. \"SIGTERM\", \"SIGINT\")");
  spec->stop_signal = *sig;
  return Status::Ok();
}

Status Known(const json&, JobSpec*) { return Status::Ok(); }

constexpr JobKey kJobKeys[] = {
    {"name", Applies::kAny, Known},
    {"task", Applies::kAny, Known},
    {"every", Applies::kAny, ParseEvery},
    {"cron", Applies::kAny, ParseCronKey},
    {"tz", Applies::kPeriodic, ParseTz},
    {"jitter", Applies::kPeriodic, ParseJitter},
    {"catch_up", Applies::kPeriodic, ParseCatchUp},
    {"format", Applies::kTimestamp, ParseFormat},
    {"command", Applies::kExec, ParseCommand},
    {"cwd", Applies::kExec, ParseCwd},
    {"env", Applies::kExec, ParseEnv},
    {"timeout", Applies::kPeriodicExec, ParseTimeout},
    {"stop_timeout", Applies::kAny, ParseStopTimeout},
    {"start", Applies::kAny, ParseStart},
    {"log_lines", Applies::kAny, ParseLogLines},
    {"history", Applies::kAny, ParseHistory},
    {"user", Applies::kExec, ParseUser},
    {"group", Applies::kExec, ParseGroup},
    {"umask", Applies::kExec, ParseUmask},
    {"success_codes", Applies::kExec, ParseSuccessCodes},
    {"stop_signal", Applies::kExec, ParseStopSignal},
    {"max_failures", Applies::kPeriodic, ParseMaxFailures},
    {"restart", Applies::kService, ParseRestart},
    {"backoff", Applies::kService, ParseBackoff},
    {"backoff_max", Applies::kService, ParseBackoffMax},
    {"healthy_after", Applies::kService, ParseHealthyAfter},
    {"max_restarts", Applies::kService, ParseMaxRestarts},
    {"restart_window", Applies::kService, ParseRestartWindow},
    {"on_failure", Applies::kAny, ParseOnFailure},
    {"hook_timeout", Applies::kAny, ParseHookTimeout},
};

std::vector<std::string_view> JobKeyNames() {
  std::vector<std::string_view> names;
  for (const JobKey& k : kJobKeys) names.push_back(k.name);
  return names;
}

// Job `index` (from 0) of `file`'s jobs; its name goes into `origins`.
Status ParseJob(const json& j, size_t index, const std::string& file, JobOrigins* origins,
                JobSpec* spec) {
  std::string who = "job #" + std::to_string(index + 1);
  if (!j.is_object())
    return Status::InvalidConfig(who + ": expected an object, got " + j.type_name());
  auto name_it = j.find("name");
  if (name_it == j.end()) return Status::InvalidConfig(who + ": missing key \"name\"");
  if (!name_it->is_string()) {
    return Status::InvalidConfig(who + ": key \"name\": expected a string, got " +
                                 name_it->type_name());
  }
  spec->name = name_it->get<std::string>();
  if (!IsValidJobName(spec->name)) {
    return Status::InvalidConfig(who + ": key \"name\": \"" + spec->name +
                                 "\" is not 1 to 64 of A-Za-z0-9_.-");
  }
  who = "job \"" + spec->name + "\"";
  if (auto [it, added] = origins->emplace(spec->name, file); !added) {
    // Within one file the position says enough; across files, say where the first one is.
    return Status::InvalidConfig(
        who + ": duplicate name" +
        (it->second == file ? "" : " (already defined in " + it->second + ")"));
  }

  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    bool known = std::any_of(std::begin(kJobKeys), std::end(kJobKeys),
                             [&](const JobKey& k) { return k.name == key; });
    if (!known) return Status::InvalidConfig(who + ": " + UnknownKey(key, JobKeyNames()));
  }
  auto task_it = j.find("task");
  if (task_it == j.end())
    return Status::InvalidConfig(who + ": missing key \"task\" (timestamp or exec)");
  std::string task = task_it->is_string() ? task_it->get<std::string>() : "";
  if (task == "timestamp") {
    spec->task = TaskKind::kTimestamp;
  } else if (task == "exec") {
    spec->task = TaskKind::kExec;
  } else {
    return Status::InvalidConfig(who + ": key \"task\": " + task_it->dump() +
                                 " is not one of timestamp, exec");
  }
  bool scheduled = std::any_of(std::begin(kScheduleKeys), std::end(kScheduleKeys),
                               [&](std::string_view k) { return j.contains(k); });
  if (!scheduled && spec->task != TaskKind::kExec) {
    return Status::InvalidConfig(who +
                                 ": missing key \"every\" or \"cron\" (a timestamp task needs a "
                                 "schedule; only an exec job runs as a service)");
  }
  if (j.contains("every") && j.contains("cron")) {
    return Status::InvalidConfig(who +
                                 ": keys \"every\" and \"cron\" exclude each other (a job has "
                                 "one schedule)");
  }
  if (!j.contains("cron")) {
    for (std::string_view key : kCalendarKeys) {
      if (j.contains(key)) {
        return Status::InvalidConfig(who + ": key \"" + std::string(key) +
                                     "\" applies to cron jobs only (jobs with \"cron\")");
      }
    }
  }
  if (spec->task == TaskKind::kExec && !j.contains("command")) {
    return Status::InvalidConfig(who + ": missing key \"command\" (exec jobs need one)");
  }
  const unsigned kind = spec->task == TaskKind::kTimestamp ? kTimestampJob
                        : scheduled                        ? kPeriodicExec
                                                           : kServiceJob;

  for (const auto& [key, value] : j.items()) {
    const JobKey* def = nullptr;
    for (const JobKey& k : kJobKeys) {
      if (k.name == key) def = &k;
    }
    if (def == nullptr) return Status::InvalidConfig(who + ": " + UnknownKey(key, JobKeyNames()));
    if ((def->applies & kind) == 0) {
      // `timeout` on a timestamp job: what it lacks is being an exec job, not a schedule.
      unsigned shown =
          kind == kTimestampJob && def->applies == kPeriodicExec ? kExec : def->applies;
      return Status::InvalidConfig(who + ": key \"" + key + "\" applies to " +
                                   std::string(AppliesTo(shown)));
    }
    if (Status s = def->parse(value, spec); !s.ok()) {
      return Status::InvalidConfig(who + ": key \"" + key + "\": " + s.message());
    }
  }
  if (spec->backoff_max < spec->backoff) {
    return Status::InvalidConfig(who +
                                 ": key \"backoff_max\": " + FormatDuration(spec->backoff_max) +
                                 " is below backoff (" + FormatDuration(spec->backoff) + ")");
  }
  // Unknown users and groups are refused here, at --check, not first at a run.
  for (const auto& [key, value] :
       {std::pair{"user", &spec->user}, std::pair{"group", &spec->group}}) {
    Identity identity;
    if (value->empty()) continue;
    Status s = key == std::string_view("user") ? ResolveIdentity(*value, "", &identity)
                                               : ResolveIdentity("", *value, &identity);
    if (!s.ok()) return Status::InvalidConfig(who + ": key \"" + key + "\": " + s.message());
  }

  return Status::Ok();
}
}  // namespace

Status NameOrId(const json& v, std::string* out) {
  if (v.is_number_unsigned()) {
    *out = std::to_string(v.get<uint64_t>());
    return Status::Ok();
  }
  return NonEmptyString(v, out);
}

// Permission bits as an octal string of 1 to 4 digits, such as "022" or "0660"; numbers are
// refused, since JSON would read 660 in decimal. Shared by `umask` and `socket_mode`.
Status ParseOctal(const json& v, std::string_view example, unsigned max, unsigned* out) {
  std::string text;
  if (!v.is_string() || (text = v.get<std::string>()).empty() || text.size() > 4 ||
      text.find_first_not_of("01234567") != std::string::npos) {
    return Status::InvalidConfig("expected an octal string such as \"" + std::string(example) +
                                 "\"");
  }
  unsigned value = static_cast<unsigned>(std::stoul(text, nullptr, 8));
  if (value > max) {
    std::ostringstream limit;
    limit << std::oct << max;
    return Status::InvalidConfig("\"" + text + "\" is above \"0" + limit.str() + "\"");
  }
  *out = value;
  return Status::Ok();
}

Status ParseJobs(const json& root, const std::string& file, JobOrigins* origins,
                 std::vector<JobSpec>* jobs) {
  const std::string where = "config " + file;
  auto list = root.find("jobs");
  if (list == root.end()) return Status::InvalidConfig(where + ": missing key \"jobs\"");
  if (!list->is_array()) {
    return Status::InvalidConfig(where + ": key \"jobs\": expected an array, got " +
                                 list->type_name());
  }
  for (size_t i = 0; i < list->size(); ++i) {
    JobSpec spec;
    if (Status s = ParseJob((*list)[i], i, file, origins, &spec); !s.ok()) {
      return Status::InvalidConfig(where + ": " + s.message());
    }
    jobs->push_back(std::move(spec));
  }
  return Status::Ok();
}

}  // namespace thr::config_internal
