// Framing and request/reply shapes of the wire format (CONTRACT.md "Protocol").
#include "thr/protocol.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

namespace thr {
namespace {

using Result = LineReader::Result;

TEST_CASE("Protocol: LineReader returns several lines fed at once, in order") {
  LineReader reader;
  reader.Feed("one\ntwo\nthree\n");
  std::string line;
  REQUIRE(reader.Next(&line) == Result::kLine);
  CHECK(line == "one");
  REQUIRE(reader.Next(&line) == Result::kLine);
  CHECK(line == "two");
  REQUIRE(reader.Next(&line) == Result::kLine);
  CHECK(line == "three");
  CHECK(reader.Next(&line) == Result::kNeedMore);
  CHECK_FALSE(reader.has_partial());
}

TEST_CASE("Protocol: LineReader joins a line split across feeds") {
  LineReader reader;
  std::string line;
  reader.Feed("{\"cmd\":");
  CHECK(reader.Next(&line) == Result::kNeedMore);
  CHECK(reader.has_partial());
  reader.Feed("\"ping\"");
  CHECK(reader.Next(&line) == Result::kNeedMore);
  reader.Feed("}\n{\"cm");
  REQUIRE(reader.Next(&line) == Result::kLine);
  CHECK(line == "{\"cmd\":\"ping\"}");
  CHECK(reader.Next(&line) == Result::kNeedMore);
  CHECK(reader.has_partial());
  reader.Feed("d\":1}\n");
  REQUIRE(reader.Next(&line) == Result::kLine);
  CHECK(line == "{\"cmd\":1}");
  CHECK_FALSE(reader.has_partial());
}

TEST_CASE("Protocol: LineReader drops the carriage return of a CRLF line") {
  LineReader reader;
  reader.Feed("a\r\nb\r");
  std::string line;
  REQUIRE(reader.Next(&line) == Result::kLine);
  CHECK(line == "a");
  CHECK(reader.Next(&line) == Result::kNeedMore);
  reader.Feed("\n");
  REQUIRE(reader.Next(&line) == Result::kLine);
  CHECK(line == "b");
}

TEST_CASE("Protocol: LineReader returns an empty line for a bare newline") {
  LineReader reader;
  reader.Feed("\n");
  std::string line = "stale";
  REQUIRE(reader.Next(&line) == Result::kLine);
  CHECK(line.empty());
}

TEST_CASE("Protocol: LineReader reports a line over the limit") {
  LineReader reader(8);
  std::string line;
  SUBCASE("without a newline yet") {
    reader.Feed("123456789");  // 9 bytes and still no end
    CHECK(reader.Next(&line) == Result::kTooLong);
  }
  SUBCASE("with its newline") {
    reader.Feed("123456789\n");
    CHECK(reader.Next(&line) == Result::kTooLong);
  }
  SUBCASE("after a good line") {
    reader.Feed("ok\n123456789\n");
    REQUIRE(reader.Next(&line) == Result::kLine);
    CHECK(line == "ok");
    CHECK(reader.Next(&line) == Result::kTooLong);
  }
  SUBCASE("a line of exactly the limit is fine") {
    reader.Feed("12345678");
    CHECK(reader.Next(&line) == Result::kNeedMore);
    reader.Feed("\n");
    REQUIRE(reader.Next(&line) == Result::kLine);
    CHECK(line == "12345678");
  }
}

TEST_CASE("Protocol: the default limit is kMaxLineBytes") {
  LineReader reader;
  std::string line;
  reader.Feed(std::string(kMaxLineBytes, 'x'));
  CHECK(reader.Next(&line) == Result::kNeedMore);
  reader.Feed("y");
  CHECK(reader.Next(&line) == Result::kTooLong);
}

TEST_CASE("Protocol: a 10 MiB line fed in chunks is refused once past the limit, never held") {
  LineReader reader;
  const std::string chunk(16384, 'x');
  std::string line;
  size_t fed = 0, most_held = 0;
  Result r = Result::kNeedMore;
  while (fed < 10 * 1024 * 1024) {
    reader.Feed(chunk);
    fed += chunk.size();
    most_held = std::max(most_held, reader.buffered());
    r = reader.Next(&line);
    if (r != Result::kNeedMore) break;
  }
  CHECK(r == Result::kTooLong);
  // Refused within one chunk of the limit; it never held more than the limit plus a chunk.
  CHECK(fed <= kMaxLineBytes + chunk.size());
  CHECK(most_held <= kMaxLineBytes + chunk.size());
}

TEST_CASE("Protocol: LineReader takes a line fed one byte at a time, in linear time") {
  LineReader reader;
  const std::string request = R"({"cmd":"ping","pad":")" + std::string(60000, 'p') + "\"}";
  std::string line;
  for (char c : request) {
    reader.Feed(std::string_view(&c, 1));
    REQUIRE(reader.Next(&line) == Result::kNeedMore);
  }
  reader.Feed("\nnext");
  REQUIRE(reader.Next(&line) == Result::kLine);
  CHECK(line == request);
  CHECK(reader.Next(&line) == Result::kNeedMore);
  // After compaction the scan position follows the bytes it moved with.
  CHECK(reader.buffered() == 4);
  reader.Feed("\n");
  REQUIRE(reader.Next(&line) == Result::kLine);
  CHECK(line == "next");
}

TEST_CASE("Protocol: EncodeLine is compact JSON ending in exactly one newline") {
  std::string line = EncodeLine({{"ok", true}, {"jobs", {{{"name", "a"}, {"runs", 3}}}}});
  CHECK(line == "{\"jobs\":[{\"name\":\"a\",\"runs\":3}],\"ok\":true}\n");
  CHECK(line.find('\n') == line.size() - 1);
  CHECK(line.find(' ') == std::string::npos);

  SUBCASE("a newline inside a string is escaped") {
    std::string encoded = EncodeLine({{"line", "a\nb"}});
    CHECK(encoded == "{\"line\":\"a\\nb\"}\n");
  }
}

TEST_CASE("Protocol: EncodeLine replaces invalid UTF-8 instead of throwing") {
  std::string line;
  CHECK_NOTHROW(line = EncodeLine({{"line", std::string("bad \xff\xfe bytes")}}));
  CHECK(line.back() == '\n');
  CHECK(line.find("\xef\xbf\xbd") != std::string::npos);  // U+FFFD
  nlohmann::json back = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  CHECK_FALSE(back.is_discarded());
}

TEST_CASE("Protocol: DecodeRequest takes an object with a string cmd") {
  Request req;
  REQUIRE(DecodeRequest(R"({"cmd":"pause","jobs":["a"],"id":7})", &req).ok());
  CHECK(req.cmd == "pause");
  CHECK(req.body["jobs"] == nlohmann::json::array({"a"}));
  CHECK(req.body["id"] == 7);
}

TEST_CASE("Protocol: DecodeRequest refuses malformed requests with bad_request") {
  Request req;
  auto check_bad = [&](const std::string& line, const std::string& part) {
    CAPTURE(line);
    Status s = DecodeRequest(line, &req);
    CHECK(s.code() == Status::Code::kBadRequest);
    CHECK(s.message().find(part) != std::string::npos);
  };
  SUBCASE("invalid JSON") {
    check_bad("{\"cmd\":", "not valid JSON");
    check_bad("", "not valid JSON");
    check_bad("{\"cmd\":\"ping\"} trailing", "not valid JSON");
  }
  SUBCASE("not an object") {
    check_bad("[\"ping\"]", "JSON object");
    check_bad("\"ping\"", "JSON object");
    check_bad("42", "JSON object");
  }
  SUBCASE("cmd missing or not a string") {
    check_bad("{}", "\"cmd\"");
    check_bad("{\"command\":\"ping\"}", "\"cmd\"");
    check_bad("{\"cmd\":1}", "\"cmd\"");
    check_bad("{\"cmd\":null}", "\"cmd\"");
    check_bad("{\"cmd\":[\"ping\"]}", "\"cmd\"");
  }
}

TEST_CASE("Protocol: OkReply merges the result into {\"ok\":true}") {
  CHECK(OkReply() == nlohmann::json{{"ok", true}});
  nlohmann::json reply = OkReply({{"jobs", nlohmann::json::array()}, {"version", "1"}});
  CHECK(reply == nlohmann::json{{"ok", true}, {"jobs", nlohmann::json::array()}, {"version", "1"}});
}

TEST_CASE("Protocol: ErrorReply carries the code name and message") {
  nlohmann::json reply = ErrorReply(Status::UnknownJob("nope"));
  CHECK(reply ==
        nlohmann::json{{"ok", false},
                       {"error", {{"code", "unknown_job"}, {"message", "no job named 'nope'"}}}});

  SUBCASE("with a result, whose ok cannot override false") {
    nlohmann::json with = ErrorReply(Status::Refused("job a is stopped; use start"),
                                     {{"ok", true}, {"jobs", nlohmann::json::array({1})}});
    CHECK(with["ok"] == false);
    CHECK(with["jobs"] == nlohmann::json::array({1}));
    CHECK(with["error"]["code"] == "refused");
  }
}

TEST_CASE("Protocol: ReplyStatus reads a reply back into a Status") {
  SUBCASE("ok") { CHECK(ReplyStatus(OkReply()).ok()); }
  SUBCASE("round trip of an error") {
    Status s = ReplyStatus(ErrorReply(Status::UnknownCommand("frob")));
    CHECK(s.code() == Status::Code::kUnknownCommand);
    CHECK(s.message() == "unknown command: frob");
  }
  SUBCASE("malformed replies are internal") {
    for (const nlohmann::json& reply :
         {nlohmann::json::array(), nlohmann::json::object(), nlohmann::json{{"ok", "yes"}}}) {
      CAPTURE(reply.dump());
      CHECK(ReplyStatus(reply).code() == Status::Code::kInternal);
    }
  }
  SUBCASE("false without an error object is internal, never ok") {
    Status s = ReplyStatus({{"ok", false}});
    CHECK(s.code() == Status::Code::kInternal);
    CHECK_FALSE(s.message().empty());
  }
  SUBCASE("an unknown or ok code is internal") {
    CHECK(ReplyStatus({{"ok", false}, {"error", {{"code", "weird"}, {"message", "m"}}}}).code() ==
          Status::Code::kInternal);
    CHECK(ReplyStatus({{"ok", false}, {"error", {{"code", "ok"}, {"message", "m"}}}}).code() ==
          Status::Code::kInternal);
  }
}

TEST_CASE("Protocol: ReplyStatus treats an error with non-string members as internal") {
  for (const nlohmann::json& reply :
       {nlohmann::json{{"ok", false}, {"error", {{"code", 5}, {"message", "m"}}}},
        nlohmann::json{{"ok", false}, {"error", {{"code", "refused"}, {"message", 3}}}}}) {
    CAPTURE(reply.dump());
    Status s;
    CHECK_NOTHROW(s = ReplyStatus(reply));
    CHECK(s.code() == Status::Code::kInternal);
  }
}

}  // namespace
}  // namespace thr
