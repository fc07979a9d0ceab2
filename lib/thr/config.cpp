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
using config_internal::NameOrId;
using config_internal::ParseOctal;
using config_internal::UnknownKey;
using nlohmann::json;

namespace {

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
  if (auto it = root.find("allow"); it != root.end()) {
    if (Status s = config_internal::ParseAllow(*it, &config->allow); !s.ok()) return s;
  }
  if (auto it = root.find("max_connections"); it != root.end()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() < 1 ||
        it->get<uint64_t>() > kMaxMaxConnections) {
      return Status::InvalidConfig("key \"max_connections\": expected an integer from 1 to " +
                                   std::to_string(kMaxMaxConnections) + ", got " + it->dump());
    }
    config->max_connections = it->get<size_t>();
  }
  if (auto it = root.find("idle_timeout"); it != root.end()) {
    Status s = ParseDurationJson(*it, &config->idle_timeout);
    if (s.ok() && config->idle_timeout < kMinIdleTimeout) {
      s = Status::InvalidConfig(FormatDuration(config->idle_timeout) + " is below the minimum of " +
                                FormatDuration(kMinIdleTimeout));
    }
    if (!s.ok()) return Status::InvalidConfig("key \"idle_timeout\": " + s.message());
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
  return config_internal::ParseMetricsKeys(root, config);
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

}  // namespace config_internal

std::string_view TaskName(TaskKind kind) { return kind == TaskKind::kExec ? "exec" : "timestamp"; }

std::string_view RestartModeName(RestartMode mode) {
  switch (mode) {
    case RestartMode::kAlways:
      return "always";
    case RestartMode::kOnFailure:
      return "on-failure";
    case RestartMode::kNever:
      return "never";
  }
  return "always";
}

std::string DescribeKind(const JobSpec& spec) {
  std::string kind(TaskName(spec.task));
  if (spec.every) return kind + " every " + FormatDuration(*spec.every);
  if (IsCalendar(spec))
    return kind + " cron \"" + spec.cron + "\" (" + (spec.tz.empty() ? "local time" : spec.tz) +
           ")";
  return kind + " service (restart " + std::string(RestartModeName(spec.restart)) + ")";
}

size_t ExecJobs(const Config& config) {
  return static_cast<size_t>(
      std::count_if(config.jobs.begin(), config.jobs.end(),
                    [](const JobSpec& j) { return j.task == TaskKind::kExec; }));
}

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
