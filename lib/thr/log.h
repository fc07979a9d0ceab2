// thrd's own log (spdlog on stderr) and the echo of job output (stdout), in text or JSON
// lines (`thrd --log-format`), with the sd-daemon priority prefix when stderr is the journal.
// JSON log lines carry the job and event that LogJob names: spdlog 1.10 has no MDC, so the
// context is thread_local, set around one synchronous spdlog call (the formatter runs on the
// caller's thread, inside the sink's lock).
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace thr {

enum class LogFormat { kText, kJson };

// "text" or "json"; false for anything else.
bool ParseLogFormat(std::string_view text, LogFormat* out);

struct LogSetup {
  LogFormat format = LogFormat::kText;
  bool journal = false;  // stderr is the journal: "<N>" priority prefix, no text timestamp
  std::string level = "info";
};

// Installs the default logger "thrd", writing to stderr.
void SetUpLogging(const LogSetup& setup);

// The formatter SetUpLogging installs; one line per message, ending in '\n'.
std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format, bool journal);

// sd-daemon(3) priority of an spdlog level: 2 crit, 3 err, 4 warning, 6 info, 7 debug.
int JournalPriority(spdlog::level::level_enum level);

// A job output line as thrd's stdout shows it: "job: line\n", or in JSON
// {"time":..,"job":..,"stream":"output","line":..}\n (a run's stdout and stderr are one
// stream: both pipes feed the same log ring). Invalid UTF-8 becomes U+FFFD in JSON.
std::string FormatOutputLine(LogFormat format, std::chrono::system_clock::time_point time,
                             std::string_view job, std::string_view line);

// What the log line being formatted on this thread is about; empty when unknown.
struct LogContext {
  std::string_view job;
  std::string_view event;
};
const LogContext& CurrentLogContext();

// Sets this thread's LogContext for its lifetime, restoring the previous one after.
class ScopedLogContext {
 public:
  ScopedLogContext(std::string_view job, std::string_view event);
  ~ScopedLogContext();
  ScopedLogContext(const ScopedLogContext&) = delete;
  ScopedLogContext& operator=(const ScopedLogContext&) = delete;

 private:
  LogContext saved_;
};

// spdlog::log(level, fmt, args...) about `job`: the text line is what the format makes it
// (call sites keep their "job NAME: ..." wording); a JSON line also gets "job" and "event".
template <typename... Args>
void LogJob(spdlog::level::level_enum level, std::string_view job, std::string_view event,
            spdlog::format_string_t<Args...> fmt, Args&&... args) {
  if (!spdlog::should_log(level)) return;
  ScopedLogContext scope(job, event);
  spdlog::log(level, fmt, std::forward<Args>(args)...);
}

}  // namespace thr
