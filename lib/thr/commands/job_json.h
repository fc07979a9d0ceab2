// The job objects of `status` and `show` replies (docs/protocol.md, "Job objects"), built in
// one place so that the two commands cannot drift apart.
#pragma once

#include <nlohmann/json.hpp>

namespace thr {

struct JobInfo;
struct JobSpec;

// A job's observed state and counters: the `status` entry.
nlohmann::json InfoJson(const JobInfo& info);

// A job's settings with defaults filled in, keyed as in the config file. Every key is present;
// those that do not apply to the job's task, or are unset, are null.
nlohmann::json SettingsJson(const JobSpec& spec);

}  // namespace thr
