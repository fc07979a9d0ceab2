// The duration grammar of the config and of thrctl --timeout (CONTRACT.md "Config").
#include "thr/duration.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace thr {
namespace {

// The parsed value in milliseconds; fails the test with the message when parsing fails.
int64_t ParseMs(std::string_view text) {
  Duration d{-1};
  Status s = ParseDuration(text, &d);
  INFO("text: ", std::string(text), ", status: ", s.ToString());
  CHECK(s.ok());
  return d.count();
}

// The error message for `text`, which must not parse.
std::string ParseError(std::string_view text) {
  Duration d{-1};
  Status s = ParseDuration(text, &d);
  INFO("text: ", std::string(text));
  CHECK_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kInvalidConfig);
  CHECK(d == Duration(-1));  // the output is untouched on error
  return s.message();
}

TEST_CASE("Duration: integer-and-unit parts in falling order parse to milliseconds") {
  CHECK(ParseMs("250ms") == 250);
  CHECK(ParseMs("1s") == 1'000);
  CHECK(ParseMs("5m") == 300'000);
  CHECK(ParseMs("1h30m") == 5'400'000);
  CHECK(ParseMs("1m30s") == 90'000);
  CHECK(ParseMs("2d") == 172'800'000);
  CHECK(ParseMs("1d1h1m1s1ms") == 90'061'001);
  CHECK(ParseMs("10ms") == 10);
}

TEST_CASE("Duration: a bare number is seconds and may have a fraction") {
  CHECK(ParseMs("2") == 2'000);
  CHECK(ParseMs("0.25") == 250);
  CHECK(ParseMs("1.5") == 1'500);
  CHECK(ParseMs(".5") == 500);
}

TEST_CASE("Duration: a JSON number or string is accepted by ParseDurationJson") {
  Duration d{0};
  SUBCASE("integer number of seconds") {
    REQUIRE(ParseDurationJson(nlohmann::json(2), &d).ok());
    CHECK(d == Duration(2'000));
  }
  SUBCASE("fractional number of seconds") {
    REQUIRE(ParseDurationJson(nlohmann::json(0.25), &d).ok());
    CHECK(d == Duration(250));
  }
  SUBCASE("string with units") {
    REQUIRE(ParseDurationJson(nlohmann::json("1h30m"), &d).ok());
    CHECK(d == Duration(5'400'000));
  }
  SUBCASE("numeric string") {
    REQUIRE(ParseDurationJson(nlohmann::json("0.25"), &d).ok());
    CHECK(d == Duration(250));
  }
}

TEST_CASE("Duration: each kind of invalid text is refused with a message saying why") {
  SUBCASE("zero") {
    CHECK(ParseError("0s").find("zero") != std::string::npos);
    CHECK(ParseError("0ms").find("zero") != std::string::npos);
    CHECK(ParseError("0").find("at least 1ms") != std::string::npos);
    // Rounds to 0ms.
    CHECK(ParseError("0.0004").find("at least 1ms") != std::string::npos);
  }
  SUBCASE("negative") {
    CHECK(ParseError("-5").find("negative") != std::string::npos);
    CHECK(ParseError("-0.5").find("negative") != std::string::npos);
    CHECK(ParseError("-5s").find("negative") != std::string::npos);
  }
  SUBCASE("out of order") {
    CHECK(ParseError("1s1m").find("order") != std::string::npos);
    CHECK(ParseError("30m1h").find("order") != std::string::npos);
    CHECK(ParseError("1ms1s").find("order") != std::string::npos);
  }
  SUBCASE("repeated unit") {
    std::string msg = ParseError("1s1s");
    CHECK(msg.find("1s1s") != std::string::npos);
    CHECK(msg.find("each once") != std::string::npos);
    CHECK(ParseError("1ms1ms").find("each once") != std::string::npos);
  }
  SUBCASE("overflow") {
    CHECK(ParseError("99999999999999999999d").find("overflow") != std::string::npos);
    CHECK(ParseError("99999999999999999999").find("too large") != std::string::npos);
    CHECK(ParseError("99999999d").find("too large") != std::string::npos);
  }
  SUBCASE("unknown unit") {
    std::string msg = ParseError("5x");
    CHECK(msg.find("unknown unit \"x\"") != std::string::npos);
    CHECK(ParseError("5sec").find("unknown unit \"sec\"") != std::string::npos);
    CHECK(ParseError("1e3").find("unknown unit") != std::string::npos);
  }
  SUBCASE("missing unit") {
    std::string msg = ParseError("5s3");
    CHECK(msg.find("5s3") != std::string::npos);
    CHECK(msg.find("needs a unit") != std::string::npos);
  }
  SUBCASE("empty") { CHECK(ParseError("").find("empty") != std::string::npos); }
  SUBCASE("no number") {
    CHECK(ParseError("ms").find("expected a number") != std::string::npos);
    CHECK(ParseError(" 1s").find("expected a number") != std::string::npos);
  }
}

TEST_CASE("Duration: a JSON value that is neither a number nor a string is refused") {
  Duration d{-1};
  for (const nlohmann::json& value :
       {nlohmann::json(true), nlohmann::json(nullptr), nlohmann::json::array({1}),
        nlohmann::json::object({{"s", 1}})}) {
    CAPTURE(value.dump());
    Status s = ParseDurationJson(value, &d);
    CHECK(s.code() == Status::Code::kInvalidConfig);
    CHECK(s.message().find(value.type_name()) != std::string::npos);
  }
  CHECK(d == Duration(-1));
}

TEST_CASE("Duration: a zero or negative JSON number is refused") {
  Duration d{-1};
  CHECK(ParseDurationJson(nlohmann::json(0), &d).message().find("at least 1ms") !=
        std::string::npos);
  CHECK(ParseDurationJson(nlohmann::json(-1), &d).message().find("negative") != std::string::npos);
  CHECK(ParseDurationJson(nlohmann::json(-0.5), &d).message().find("negative") !=
        std::string::npos);
  CHECK(d == Duration(-1));
}

TEST_CASE("Duration: FormatDuration gives the shortest canonical text") {
  CHECK(FormatDuration(Duration(0)) == "0s");
  CHECK(FormatDuration(Duration(250)) == "250ms");
  CHECK(FormatDuration(Duration(1'000)) == "1s");
  CHECK(FormatDuration(Duration(90'000)) == "1m30s");
  CHECK(FormatDuration(Duration(5'400'000)) == "1h30m");
  CHECK(FormatDuration(Duration(172'800'000)) == "2d");
  CHECK(FormatDuration(Duration(1'001)) == "1s1ms");
}

TEST_CASE("Duration: FormatDuration output parses back to the same value") {
  for (int64_t ms : {int64_t{1}, int64_t{10}, int64_t{999}, int64_t{1'000}, int64_t{1'001},
                     int64_t{59'999}, int64_t{90'000}, int64_t{3'600'000}, int64_t{5'400'000},
                     int64_t{86'400'000}, int64_t{90'061'001}, int64_t{36500} * 86'400'000}) {
    CAPTURE(ms);
    std::string text = FormatDuration(Duration(ms));
    CAPTURE(text);
    Duration back{0};
    REQUIRE(ParseDuration(text, &back).ok());
    CHECK(back == Duration(ms));
  }
  SUBCASE("and canonical text formats back to itself") {
    for (const std::string text : {"250ms", "1s", "5m", "1h30m", "1m30s", "2d", "1d1h1m1s1ms"}) {
      CAPTURE(text);
      Duration d{0};
      REQUIRE(ParseDuration(text, &d).ok());
      CHECK(FormatDuration(d) == text);
    }
  }
}

}  // namespace
}  // namespace thr
