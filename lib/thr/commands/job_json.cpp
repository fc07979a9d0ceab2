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
      {"every", info.every ? nlohmann::json(FormatDuration(*info.every)) : nlohmann::json(nullptr)},
      {"cron", OptionalText(info.cron)},
      {"service", info.service},
      {"runs", info.runs},
      {"failures", info.failures},
      {"missed", info.missed},
      {"last_run", OptionalTime(info.last_run)},
      {"next_run", OptionalTime(info.next_run)},
      {"pid", OptionalValue(info.pid)},
      {"thread_id", OptionalValue(info.thread_id)},
      {"frozen", info.frozen},
      {"last_error", OptionalText(info.last_error)},
      {"failure_streak", info.failure_streak},
      {"restarts", info.restarts},
      {"started", OptionalTime(info.started)},
      {"uptime_ms", OptionalValue(info.uptime_ms)},
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
  const bool service = IsService(spec);
  const bool calendar = IsCalendar(spec);
  // The service keys, null for a periodic job (and max_failures, null for a service).
  auto for_service = [&](nlohmann::json v) { return service ? v : nlohmann::json(nullptr); };
  nlohmann::json hook = nullptr;
  if (spec.has_hook()) {
    hook = spec.on_failure_argv.empty() ? nlohmann::json(spec.on_failure_shell)
                                        : nlohmann::json(spec.on_failure_argv);
  }
  nlohmann::json window = nullptr;
  if (spec.restart_window) window = FormatDuration(*spec.restart_window);
  return {
      {"task", TaskName(spec.task)},
      {"every", spec.every ? nlohmann::json(FormatDuration(*spec.every)) : nlohmann::json(nullptr)},
      {"cron", OptionalText(spec.cron)},
      {"tz", calendar ? OptionalText(spec.tz) : nlohmann::json(nullptr)},
      {"jitter", service ? nlohmann::json(nullptr) : nlohmann::json(FormatDuration(spec.jitter))},
      {"catch_up", calendar ? nlohmann::json(spec.catch_up) : nlohmann::json(nullptr)},
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
      {"history", spec.history},
      {"max_failures", service ? nlohmann::json(nullptr) : nlohmann::json(spec.max_failures)},
      {"restart", for_service(RestartModeName(spec.restart))},
      {"backoff", for_service(FormatDuration(spec.backoff))},
      {"backoff_max", for_service(FormatDuration(spec.backoff_max))},
      {"healthy_after", for_service(FormatDuration(spec.healthy_after))},
      {"max_restarts", for_service(spec.max_restarts)},
      {"restart_window", for_service(window)},
      {"on_failure", std::move(hook)},
      {"hook_timeout", FormatDuration(spec.hook_timeout)},
  };
}

}  // namespace thr
