#include "thr/config.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "thr/config_internal.h"
#include "thr/identity.h"
#include "thr/signals.h"

namespace thr {

using config_internal::JobOrigins;
using config_internal::kTopKeys;
using config_internal::UnknownKey;
using nlohmann::json;

namespace {

enum class Applies { kAny, kTimestamp, kExec };

// One row per job key (tmux options-table.c): what it applies to and how it is read.
// `task` and `name` are read before the table, so they appear here only to be known.
struct JobKey {
  std::string_view name;
  Applies applies;
  Status (*parse)(const json& value, JobSpec* spec);
};

Status ExpectString(const json& v, std::string* out) {
  if (!v.is_string())
    return Status::InvalidConfig("expected a string, got " + std::string(v.type_name()));
  *out = v.get<std::string>();
  return Status::Ok();
}

Status ParseEvery(const json& v, JobSpec* spec) {
  if (Status s = ParseDurationJson(v, &spec->every); !s.ok()) return s;
  if (spec->every < kMinEvery) {
    return Status::InvalidConfig(FormatDuration(spec->every) + " is below the minimum of " +
                                 FormatDuration(kMinEvery));
  }
  return Status::Ok();
}

Status NonEmptyString(const json& v, std::string* out) {
  if (Status s = ExpectString(v, out); !s.ok()) return s;
  if (out->empty()) return Status::InvalidConfig("must not be empty");
  return Status::Ok();
}

// A user or group: a name, or a numeric id kept as text (read as 64 bits: 2^32 must not wrap
// round to root).
Status NameOrId(const json& v, std::string* out) {
  if (v.is_number_unsigned()) {
    *out = std::to_string(v.get<uint64_t>());
    return Status::Ok();
  }
  return NonEmptyString(v, out);
}

Status ParseFormat(const json& v, JobSpec* spec) { return NonEmptyString(v, &spec->format); }

Status ParseCommand(const json& v, JobSpec* spec) {
  if (v.is_string()) {
    spec->shell = v.get<std::string>();
    if (spec->shell.empty()) return Status::InvalidConfig("must not be empty");
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
    spec->argv.push_back(v[i].get<std::string>());
  }
  if (spec->argv[0].empty()) return Status::InvalidConfig("argv[0] must not be empty");
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

Status ParseUser(const json& v, JobSpec* spec) { return NameOrId(v, &spec->user); }

Status ParseGroup(const json& v, JobSpec* spec) { return NameOrId(v, &spec->group); }

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
    {"format", Applies::kTimestamp, ParseFormat},
    {"command", Applies::kExec, ParseCommand},
    {"cwd", Applies::kExec, ParseCwd},
    {"env", Applies::kExec, ParseEnv},
    {"timeout", Applies::kExec, ParseTimeout},
    {"stop_timeout", Applies::kAny, ParseStopTimeout},
    {"start", Applies::kAny, ParseStart},
    {"log_lines", Applies::kAny, ParseLogLines},
    {"user", Applies::kExec, ParseUser},
    {"group", Applies::kExec, ParseGroup},
    {"umask", Applies::kExec, ParseUmask},
    {"success_codes", Applies::kExec, ParseSuccessCodes},
    {"stop_signal", Applies::kExec, ParseStopSignal},
};

// Levenshtein distance, for "did you mean" on unknown keys.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::vector<std::string_view> JobKeyNames() {
  std::vector<std::string_view> names;
  for (const JobKey& k : kJobKeys) names.push_back(k.name);
  return names;
}

// The "line:col" of byte offset `byte` (1-based, as nlohmann reports it) in `text`.
std::string LineColumn(std::string_view text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

// nlohmann's what() starts "[json.exception.parse_error.101] parse error at line 3, column 14: ".
std::string ParseErrorDetail(const std::string& what) {
  size_t pos = what.find("column ");
  if (pos != std::string::npos) pos = what.find(": ", pos);
  std::string detail = pos == std::string::npos ? what : what.substr(pos + 2);
  // "syntax error while parsing object - invalid literal; ..." -> "syntax error: invalid literal;
  // ..."
  if (detail.rfind("syntax error while parsing ", 0) == 0) {
    size_t dash = detail.find(" - ");
    if (dash != std::string::npos) detail = "syntax error: " + detail.substr(dash + 3);
  }
  return detail;
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
  if (!j.contains("every")) return Status::InvalidConfig(who + ": missing key \"every\"");
  if (spec->task == TaskKind::kExec && !j.contains("command")) {
    return Status::InvalidConfig(who + ": missing key \"command\" (exec jobs need one)");
  }

  for (const auto& [key, value] : j.items()) {
    const JobKey* def = nullptr;
    for (const JobKey& k : kJobKeys) {
      if (k.name == key) def = &k;
    }
    if (def == nullptr) return Status::InvalidConfig(who + ": " + UnknownKey(key, JobKeyNames()));
    if ((def->applies == Applies::kExec && spec->task != TaskKind::kExec) ||
        (def->applies == Applies::kTimestamp && spec->task != TaskKind::kTimestamp)) {
      return Status::InvalidConfig(who + ": key \"" + key + "\" applies to " +
                                   (def->applies == Applies::kExec ? "exec" : "timestamp") +
                                   " jobs only");
    }
    if (Status s = def->parse(value, spec); !s.ok()) {
      return Status::InvalidConfig(who + ": key \"" + key + "\": " + s.message());
    }
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

// The top-level keys other than "jobs". Errors name the key; the caller adds the file.
Status ParseTopKeys(const json& root, Config* config) {
  if (auto it = root.find("socket"); it != root.end()) {
    if (!it->is_string() || it->get<std::string>().empty()) {
      return Status::InvalidConfig("key \"socket\": expected a non-empty path string");
    }
    config->socket = it->get<std::string>();
  }
  if (auto it = root.find("socket_mode"); it != root.end()) {
    if (Status s = ParseOctal(*it, "0660", 0777, &config->socket_mode); !s.ok()) {
      return Status::InvalidConfig("key \"socket_mode\": " + s.message());
    }
  }
  if (auto it = root.find("socket_group"); it != root.end()) {
    // Checked now, as a job's `group` is, so that --check catches a typo.
    Identity identity;
    Status s = NameOrId(*it, &config->socket_group);
    if (s.ok()) s = ResolveIdentity("", config->socket_group, &identity);
    if (!s.ok()) return Status::InvalidConfig("key \"socket_group\": " + s.message());
  }
  if (auto it = root.find("include"); it != root.end()) {
    if (!it->is_array()) {
      return Status::InvalidConfig("key \"include\": expected an array of glob patterns, got " +
                                   std::string(it->type_name()));
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const json& pattern = (*it)[i];
      if (!pattern.is_string() || pattern.get<std::string>().empty()) {
        return Status::InvalidConfig("key \"include\": [" + std::to_string(i) + "] is " +
                                     pattern.dump() + ", expected a non-empty string");
      }
      config->include.push_back(pattern.get<std::string>());
    }
  }
  return Status::Ok();
}

}  // namespace

namespace config_internal {

std::string UnknownKey(std::string_view key, std::span<const std::string_view> names) {
  std::string msg = "unknown key \"" + std::string(key) + "\"";
  std::string_view best;
  size_t best_distance = 3;  // suggest only close matches
  for (std::string_view name : names) {
    size_t d = EditDistance(key, name);
    if (d < best_distance) best = name, best_distance = d;
  }
  if (!best.empty()) msg += " (did you mean \"" + std::string(best) + "\"?)";
  return msg;
}

Status ParseJsonObject(std::string_view text, const std::string& file, json* root) {
  try {
    *root = json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    return Status::InvalidConfig("config " + file + ":" + LineColumn(text, e.byte) + ": " +
                                 ParseErrorDetail(e.what()));
  } catch (const json::exception& e) {
    // E.g. out_of_range for a number beyond a double ("1e999"): no position is known.
    std::string what = e.what();
    size_t end = what.find("] ");
    return Status::InvalidConfig("config " + file + ": " +
                                 (end == std::string::npos ? what : what.substr(end + 2)));
  }
  if (!root->is_object()) {
    return Status::InvalidConfig(
        "config " + file + ":1:1: expected a JSON object at the top, got " + root->type_name());
  }
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

}  // namespace config_internal

std::string_view TaskName(TaskKind kind) { return kind == TaskKind::kExec ? "exec" : "timestamp"; }

bool IsValidJobName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

Status ParseConfig(std::string_view text, const std::string& origin, Config* out) {
  const std::string where = "config " + origin;
  json root;
  if (Status s = config_internal::ParseJsonObject(text, origin, &root); !s.ok()) return s;
  for (const auto& [key, value] : root.items()) {
    if (std::find(std::begin(kTopKeys), std::end(kTopKeys), key) == std::end(kTopKeys)) {
      return Status::InvalidConfig(where + ": " + UnknownKey(key, kTopKeys));
    }
  }
  Config config;
  config.origin = origin;
  config.files = {origin};
  if (Status s = ParseTopKeys(root, &config); !s.ok()) {
    return Status::InvalidConfig(where + ": " + s.message());
  }
  JobOrigins origins;
  if (Status s = config_internal::ParseJobs(root, origin, &origins, &config.jobs); !s.ok())
    return s;
  if (Status s = config_internal::LoadDropIns(&origins, &config); !s.ok()) return s;
  *out = std::move(config);
  return Status::Ok();
}

Status LoadConfig(const std::string& path, Config* out) {
  std::string text;
  if (Status s = config_internal::ReadConfigFile(path, &text); !s.ok()) return s;
  return ParseConfig(text, path, out);
}

Status LoadDefaultConfig(Config* out) {
  if (Status s = ParseConfig(kDefaultConfigJson, "<embedded default>", out); !s.ok()) return s;
  out->files.clear();  // compiled in: no file to name or to re-read
  return Status::Ok();
}

std::string DescribeConfig(const Config& config) {
  std::string text = config.origin;
  if (config.files.size() > 1) {
    size_t drop_ins = config.files.size() - 1;
    text += " (+" + std::to_string(drop_ins) + " drop-in" + (drop_ins == 1 ? "" : "s") + ")";
  }
  size_t jobs = config.jobs.size();
  return text + ": ok, " + std::to_string(jobs) + " job" + (jobs == 1 ? "" : "s");
}

}  // namespace thr
