// Pieces of config loading shared by config.cpp (the main file) and config_include.cpp (the
// drop-ins it includes), so both report errors in the same words. Not for use elsewhere.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "thr/config.h"
#include "thr/status.h"

namespace thr::config_internal {

// The keys of the main file. A drop-in holds only "jobs".
inline constexpr std::string_view kTopKeys[] = {
    "socket", "socket_mode", "socket_group",   "max_connections", "idle_timeout", "include",
    "jobs",   "allow",       "metrics_listen", "metrics_file",    "metrics_every"};

// Job name -> the file that defined it, to keep names unique across the main file and its
// drop-ins.
using JobOrigins = std::map<std::string, std::string>;

// Reads the whole of `path`. Errors: "config PATH: cannot open: REASON", "config PATH: is a
// directory, expected a JSON file", "config PATH: read error".
Status ReadConfigFile(const std::string& path, std::string* text);

// Parses `text` (`//` and `/* */` comments allowed) as read from `file`, which must hold a JSON
// object. Errors: "config FILE:L:C: syntax error: ..." or "config FILE:1:1: expected a JSON
// object at the top, got array".
Status ParseJsonObject(std::string_view text, const std::string& file, nlohmann::json* root);

// Reads `root["jobs"]` of `file`, appending to `jobs`; a name already in `origins` is a
// duplicate (naming the other file when it is another one). Errors start "config FILE: ".
Status ParseJobs(const nlohmann::json& root, const std::string& file, JobOrigins* origins,
                 std::vector<JobSpec>* jobs);

// A user or group as a name or a numeric id (string or number), into `out`.
Status NameOrId(const nlohmann::json& v, std::string* out);

// Permission bits as an octal string of 1 to 4 digits ("022", "0660"), at most `max`.
Status ParseOctal(const nlohmann::json& v, std::string_view example, unsigned max, unsigned* out);

// The `allow` key (its whole value) into `out`, users and groups resolved to ids. Errors name
// the key: `key "allow.control.users[0]": unknown user "bob"`. Defined in config_allow.cpp.
Status ParseAllow(const nlohmann::json& v, Allow* out);

// metrics_listen, metrics_file and metrics_every into `config`. Errors name the key. Defined in
// config_metrics.cpp.
Status ParseMetricsKeys(const nlohmann::json& root, Config* config);

// `unknown key "jbos" (did you mean "jobs"?)`, suggesting the closest of `names`, if close.
std::string UnknownKey(std::string_view key, std::span<const std::string_view> names);

// Reads the drop-ins that `config->include` names (relative patterns against the directory of
// `config->origin`), appending each file read to `config->files` and its jobs to
// `config->jobs`. Defined in config_include.cpp.
Status LoadDropIns(JobOrigins* origins, Config* config);

}  // namespace thr::config_internal
