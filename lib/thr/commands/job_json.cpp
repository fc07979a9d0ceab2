#include "thr/commands/job_json.h"

#include <cstdio>

#include "thr/iso_time.h"
#include "thr/job.h"
#include "thr/signals.h"

namespace thr {
namespace {

nlohmann::json OptionalTime(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(FormatIsoUtc(*t)) : nlohmann::json(nullptr);
}

template <typename T>
nlohmann::json OptionalValue(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json OptionalText(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

// As the config writes it: "0022".
nlohmann::json OctalText(const std::optional<unsigned>& mask) {
  if (!mask) return nullptr;
  char text[8];
  std::snprintf(text, sizeof text, "%04o", *mask & 07777u);
  return text;
}

}  // namespace

nlohmann::json InfoJson(const JobInfo& info) {
  return {
      {"name", info.name},
      {"task", TaskName(info.task)},
      {"state", StateName(info.state)},
      {"every", FormatDuration(info.every)},
      {"runs", info.runs},
      {"failures", info.failures},
      {"missed", info.missed},
      {"last_run", OptionalTime(info.last_run)},
      {"next_run", OptionalTime(info.next_run)},
      {"pid", OptionalValue(info.pid)},
      {"thread_id", OptionalValue(info.thread_id)},
      {"frozen", info.frozen},
      {"last_error", OptionalText(info.last_error)},
  };
}

nlohmann::json SettingsJson(const JobSpec& spec) {
  bool exec = spec.task == TaskKind::kExec;
  nlohmann::json command = nullptr;
  if (exec) command = spec.argv.empty() ? nlohmann::json(spec.shell) : nlohmann::json(spec.argv);
  nlohmann::json env = nullptr;
  if (exec) env = spec.env;  // std::map: an object with sorted keys
  nlohmann::json timeout = nullptr;
  if (exec && spec.timeout) timeout = FormatDuration(*spec.timeout);
  return {
      {"task", TaskName(spec.task)},
      {"every", FormatDuration(spec.every)},
      {"format", exec ? nlohmann::json(nullptr) : OptionalText(spec.format)},
      {"command", std::move(command)},
      {"cwd", exec ? OptionalText(spec.cwd) : nlohmann::json(nullptr)},
      {"env", std::move(env)},
      {"timeout", std::move(timeout)},
      {"user", exec ? OptionalText(spec.user) : nlohmann::json(nullptr)},
      {"group", exec ? OptionalText(spec.group) : nlohmann::json(nullptr)},
      {"umask", exec ? OctalText(spec.umask) : nlohmann::json(nullptr)},
      {"success_codes", exec ? nlohmann::json(spec.success_codes) : nlohmann::json(nullptr)},
      {"stop_signal", SignalName(spec.stop_signal)},
      {"stop_timeout", FormatDuration(spec.stop_timeout)},
      {"start", StateName(spec.start)},
      {"log_lines", spec.log_lines},
  };
}

}  // namespace thr
