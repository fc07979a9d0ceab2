#include "thr/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <nlohmann/json.hpp>

#include "thr/iso_time.h"

namespace thr {
namespace {

thread_local LogContext tls_context;

// The journal stamps every line itself; a second timestamp would only be noise there.
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%e %l %v";
constexpr const char* kJournalTextPattern = "%l %v";

// A job's output may be any bytes: invalid UTF-8 is replaced rather than thrown on.
std::string Dump(const nlohmann::ordered_json& object) {
  return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void Append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

// {"time":..,"level":..,"job":..,"event":..,"message":..}: job and event only when known.
class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::ordered_json line;
    line["time"] = FormatIsoUtc(msg.time);
    spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
    line["level"] = std::string(level.data(), level.size());
    const LogContext& context = tls_context;
    if (!context.job.empty()) line["job"] = std::string(context.job);
    if (!context.event.empty()) line["event"] = std::string(context.event);
    line["message"] = std::string(msg.payload.data(), msg.payload.size());
    Append(dest, Dump(line));
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// "<N>" before each line, so that journald stores the line's priority (sd-daemon(3)) and
// strips the prefix.
class JournalPrefix : public spdlog::formatter {
 public:
  explicit JournalPrefix(std::unique_ptr<spdlog::formatter> inner) : inner_(std::move(inner)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const char prefix[] = {'<', static_cast<char>('0' + JournalPriority(msg.level)), '>'};
    dest.append(prefix, prefix + sizeof(prefix));
    inner_->format(msg, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JournalPrefix>(inner_->clone());
  }

 private:
  std::unique_ptr<spdlog::formatter> inner_;
};

}  // namespace

bool ParseLogFormat(std::string_view text, LogFormat* out) {
  if (text == "text") {
    *out = LogFormat::kText;
  } else if (text == "json") {
    *out = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

int JournalPriority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
      return 2;
    case spdlog::level::err:
      return 3;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::debug:
    case spdlog::level::trace:
      return 7;
    default:
      return 6;
  }
}

std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format, bool journal) {
  std::unique_ptr<spdlog::formatter> inner;
  if (format == LogFormat::kJson) {
    inner = std::make_unique<JsonFormatter>();
  } else {
    inner =
        std::make_unique<spdlog::pattern_formatter>(journal ? kJournalTextPattern : kTextPattern);
  }
  if (!journal) return inner;
  return std::make_unique<JournalPrefix>(std::move(inner));
}

void SetUpLogging(const LogSetup& setup) {
  auto logger = spdlog::stderr_logger_mt("thrd");
  logger->set_formatter(MakeLogFormatter(setup.format, setup.journal));
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(setup.level));
  spdlog::flush_on(spdlog::level::trace);
}

std::string FormatOutputLine(LogFormat format, std::chrono::system_clock::time_point time,
                             std::string_view job, std::string_view line) {
  std::string text;
  if (format == LogFormat::kText) {
    text.reserve(job.size() + line.size() + 3);
    text.append(job).append(": ").append(line);
  } else {
    nlohmann::ordered_json object;
    object["time"] = FormatIsoUtc(time);
    object["job"] = std::string(job);
    object["stream"] = "output";
    object["line"] = std::string(line);
    text = Dump(object);
  }
  text.push_back('\n');
  return text;
}

const LogContext& CurrentLogContext() { return tls_context; }

ScopedLogContext::ScopedLogContext(std::string_view job, std::string_view event)
    : saved_(tls_context) {
  tls_context = LogContext{job, event};
}

ScopedLogContext::~ScopedLogContext() { tls_context = saved_; }

}  // namespace thr
