// thrd's log formats: text as before, JSON lines with job and event for shippers, the journal's
// "<N>" priority prefix in both, and job output lines as JSON objects.
#include "thr/log.h"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "test_util.h"
#include "thr/output.h"

namespace thr {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

// 2026-11-27T10:00:00.250Z
const system_clock::time_point kTime = system_clock::time_point(milliseconds(1795773600250));

std::string Format(LogFormat format, bool journal, spdlog::level::level_enum level,
                   std::string_view text) {
  spdlog::details::log_msg msg("thrd", level, spdlog::string_view_t(text.data(), text.size()));
  msg.time = kTime;
  spdlog::memory_buf_t out;
  MakeLogFormatter(format, journal)->format(msg, out);
  return std::string(out.data(), out.size());
}

nlohmann::json ParseLine(const std::string& line) {
  REQUIRE(!line.empty());
  CHECK(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);  // one line, whatever the message held
  return nlohmann::json::parse(line);
}

TEST_CASE("Log: --log-format takes text and json only") {
  LogFormat f = LogFormat::kJson;
  CHECK(ParseLogFormat("text", &f));
  CHECK(f == LogFormat::kText);
  CHECK(ParseLogFormat("json", &f));
  CHECK(f == LogFormat::kJson);
  CHECK_FALSE(ParseLogFormat("JSON", &f));
  CHECK_FALSE(ParseLogFormat("", &f));
}

TEST_CASE("Log: the text format is the one thrd always had") {
  std::string line = Format(LogFormat::kText, false, spdlog::level::info, "job tick: x");
  CHECK(std::regex_match(
      line, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} info job tick: x\n)")));
  CHECK(Format(LogFormat::kText, true, spdlog::level::warn, "job tick: run failed: x") ==
        "<4>warning job tick: run failed: x\n");
}

TEST_CASE("Log: a JSON line has time, level and message; job and event only when known") {
  nlohmann::json j = ParseLine(Format(LogFormat::kJson, false, spdlog::level::info, "stopped"));
  CHECK(j == nlohmann::json{
                 {"time", "2026-11-27T10:00:00.250Z"}, {"level", "info"}, {"message", "stopped"}});

  ScopedLogContext context("sync", "pause");
  std::string line = Format(LogFormat::kJson, false, spdlog::level::err, "pause sync: x");
  // Fields in a fixed order, so that a person reading the raw lines finds them easily.
  CHECK(line.rfind(R"({"time":"2026-11-27T10:00:00.250Z","level":"error","job":"sync",)", 0) == 0);
  j = ParseLine(line);
  CHECK(j["job"] == "sync");
  CHECK(j["event"] == "pause");
  CHECK(j["message"] == "pause sync: x");
}

TEST_CASE("Log: JSON escapes what a message may hold and survives bytes that are not UTF-8") {
  std::string text = "quote \" backslash \\ newline \n tab \t bell \x07 é";
  nlohmann::json j = ParseLine(Format(LogFormat::kJson, false, spdlog::level::info, text));
  CHECK(j["message"] == text);

  std::string bad = "bad \xff\xfe bytes";
  j = ParseLine(Format(LogFormat::kJson, false, spdlog::level::info, bad));
  CHECK(j["message"] == "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");  // U+FFFD each
}

TEST_CASE("Log: the journal gets the sd-daemon priority before each line in both formats") {
  CHECK(JournalPriority(spdlog::level::critical) == 2);
  CHECK(JournalPriority(spdlog::level::err) == 3);
  CHECK(JournalPriority(spdlog::level::warn) == 4);
  CHECK(JournalPriority(spdlog::level::info) == 6);
  CHECK(JournalPriority(spdlog::level::debug) == 7);
  CHECK(JournalPriority(spdlog::level::trace) == 7);
  CHECK(Format(LogFormat::kText, true, spdlog::level::err, "x") == "<3>error x\n");
  std::string line = Format(LogFormat::kJson, true, spdlog::level::debug, "x");
  REQUIRE(line.rfind("<7>{", 0) == 0);
  CHECK(ParseLine(line.substr(3))["level"] == "debug");
}

TEST_CASE("Log: a context lasts for its scope and nests") {
  CHECK(CurrentLogContext().job.empty());
  {
    ScopedLogContext outer("a", "x");
    {
      ScopedLogContext inner("b", "y");
      CHECK(CurrentLogContext().job == "b");
    }
    CHECK(CurrentLogContext().job == "a");
    CHECK(CurrentLogContext().event == "x");
  }
  CHECK(CurrentLogContext().job.empty());
  CHECK(CurrentLogContext().event.empty());
}

TEST_CASE("Log: LogJob writes the same text, and carries job and event into JSON") {
  std::ostringstream stream;
  auto saved = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "log_test", std::make_shared<spdlog::sinks::ostream_sink_st>(stream));
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);

  logger->set_formatter(MakeLogFormatter(LogFormat::kText, true));
  LogJob(spdlog::level::info, "tick", "pause", "pause {}: {} -> {}", "tick", "running", "paused");
  LogJob(spdlog::level::debug, "tick", "hidden", "below the level: {}", 1);
  CHECK(stream.str() == "<6>info pause tick: running -> paused\n");

  stream.str("");
  logger->set_formatter(MakeLogFormatter(LogFormat::kJson, false));
  LogJob(spdlog::level::warn, "sync", "run_failed", "job {}: run failed: {}", "sync", "exit 1");
  spdlog::info("no job here");
  spdlog::set_default_logger(saved);

  std::istringstream lines(stream.str());
  std::string line;
  REQUIRE(std::getline(lines, line));
  nlohmann::json j = nlohmann::json::parse(line);
  CHECK(j["job"] == "sync");
  CHECK(j["event"] == "run_failed");
  CHECK(j["level"] == "warning");
  CHECK(j["message"] == "job sync: run failed: exit 1");
  REQUIRE(std::getline(lines, line));
  j = nlohmann::json::parse(line);
  CHECK_FALSE(j.contains("job"));  // the context ended with the LogJob call
  CHECK(j["message"] == "no job here");
  CHECK_FALSE(std::getline(lines, line));
}

TEST_CASE("Log: job output lines are \"job: line\" in text and objects in JSON") {
  CHECK(FormatOutputLine(LogFormat::kText, kTime, "tick", "1795773600") == "tick: 1795773600\n");
  std::string line = FormatOutputLine(LogFormat::kJson, kTime, "sync", "say \"hi\"\r");
  CHECK(line == R"({"time":"2026-11-27T10:00:00.250Z","job":"sync","stream":"output",)"
                R"("line":"say \"hi\"\r"})"
                "\n");
  nlohmann::json j = ParseLine(FormatOutputLine(LogFormat::kJson, kTime, "x", "\xff"));
  CHECK(j["line"] == "\xEF\xBF\xBD");
}

TEST_CASE("Log: the output echo writes JSON lines in the JSON format") {
  test::Pipe pipe;
  {
    OutputEcho echo(pipe.write_end.get(), OutputEcho::kDefaultMaxQueued, LogFormat::kJson);
    echo.Write("tick", "1795773600");
  }
  std::string text = test::ReadAvailable(pipe.read_end.get());
  nlohmann::json j = ParseLine(text);
  CHECK(j["job"] == "tick");
  CHECK(j["stream"] == "output");
  CHECK(j["line"] == "1795773600");
  CHECK(j["time"].get<std::string>().size() == 24);
}

}  // namespace
}  // namespace thr
