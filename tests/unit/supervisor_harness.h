// A Supervisor running a config given as JSON text, for tests that drive it through Dispatch or a
// Server.
#pragma once

#include <doctest/doctest.h>

#include <string_view>

#include "test_util.h"
#include "thr/clock.h"
#include "thr/config.h"
#include "thr/supervisor.h"

namespace thr::test {

// Two timestamp jobs every 10 s: "a" running, "b" starting as `b_start` says.
inline std::string TwoJobsJson(std::string_view b_start) {
  return std::string(R"({"jobs": [
    {"name": "a", "task": "timestamp", "every": "10s"},
    {"name": "b", "task": "timestamp", "every": "10s", "start": ")") +
         std::string(b_start) + "\"}]}";
}

inline Config ConfigFromJson(std::string_view json) {
  Config config;
  REQUIRE(ParseConfig(json, "t.json", &config).ok());
  return config;
}

// Logging is silenced first and restored last; the jobs end when the supervisor does.
struct RunningSupervisor {
  explicit RunningSupervisor(std::string_view json) { sup.Start(ConfigFromJson(json)); }
  QuietLogs quiet;
  Supervisor sup{DefaultClock(), nullptr};
};

}  // namespace thr::test
