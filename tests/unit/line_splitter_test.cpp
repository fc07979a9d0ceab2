// LineSplitter: a run's output stream cut into lines, long lines into marked pieces.
#include "thr/line_splitter.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace thr {
namespace {

// A splitter that collects what it emits.
struct Collector {
  explicit Collector(size_t max_line = kMaxOutputLine)
      : splitter([this](std::string_view line) { lines.emplace_back(line); }, max_line) {}

  std::vector<std::string> lines;
  LineSplitter splitter;
};

// `size` bytes of a pattern that never repeats within 10 bytes, so a piece out of place shows.
std::string Pattern(size_t size) {
  std::string out;
  out.reserve(size);
  for (size_t i = 0; i < size; ++i) out.push_back(static_cast<char>('a' + (i * 7 + i / 26) % 26));
  return out;
}

bool EndsWithMark(const std::string& piece) {
  return piece.size() >= kContinuedMark.size() &&
         piece.compare(piece.size() - kContinuedMark.size(), kContinuedMark.size(),
                       kContinuedMark) == 0;
}

// Checks that `pieces` are `line` cut at `limit`: each but the last marked, none too long, and
// put back together (marks removed) they are `line`.
void CheckPieces(const std::vector<std::string>& pieces, const std::string& line, size_t limit) {
  REQUIRE_FALSE(pieces.empty());
  CHECK(pieces.size() == (line.size() + limit - 1) / limit);
  std::string joined;
  for (size_t i = 0; i < pieces.size(); ++i) {
    CAPTURE(i);
    CAPTURE(pieces[i].size());
    CHECK(pieces[i].size() <= limit + kContinuedMark.size());
    if (i + 1 < pieces.size()) {
      REQUIRE(EndsWithMark(pieces[i]));
      CHECK(pieces[i].size() == limit + kContinuedMark.size());
      joined += pieces[i].substr(0, pieces[i].size() - kContinuedMark.size());
    } else {
      CHECK_FALSE(EndsWithMark(pieces[i]));
      joined += pieces[i];
    }
  }
  CHECK(joined == line);
}

TEST_CASE("LineSplitter: a line is emitted when its newline arrives, across feeds") {
  Collector c;
  c.splitter.Feed("ab");
  c.splitter.Feed("c");
  CHECK(c.lines.empty());
  c.splitter.Feed("\nde");
  CHECK(c.lines == std::vector<std::string>{"abc"});
  c.splitter.Feed("f\ngh\nij\n");
  CHECK(c.lines == std::vector<std::string>{"abc", "def", "gh", "ij"});
  c.splitter.Finish();
  CHECK(c.lines.size() == 4);
}

TEST_CASE("LineSplitter: empty lines are kept") {
  Collector c;
  c.splitter.Feed("\n\na\n");
  c.splitter.Feed("\n");
  c.splitter.Finish();
  CHECK(c.lines == std::vector<std::string>{"", "", "a", ""});
}

TEST_CASE("LineSplitter: an unterminated last line is emitted by Finish, once") {
  Collector c;
  c.splitter.Feed("x\ny");
  CHECK(c.lines == std::vector<std::string>{"x"});
  c.splitter.Finish();
  CHECK(c.lines == std::vector<std::string>{"x", "y"});
  c.splitter.Finish();
  CHECK(c.lines.size() == 2);

  SUBCASE("and Finish with nothing pending emits no empty line") {
    Collector d;
    d.splitter.Feed("only\n");
    d.splitter.Finish();
    CHECK(d.lines == std::vector<std::string>{"only"});
  }
  SUBCASE("a stream with no output emits nothing") {
    Collector d;
    d.splitter.Feed("");
    d.splitter.Finish();
    CHECK(d.lines.empty());
  }
}

TEST_CASE("LineSplitter: a line of exactly 64 KiB is one line, unmarked") {
  const std::string line = Pattern(kMaxOutputLine);
  SUBCASE("in one feed") {
    Collector c;
    c.splitter.Feed(line + "\nnext\n");
    REQUIRE(c.lines.size() == 2);
    CHECK(c.lines[0] == line);
    CHECK(c.lines[1] == "next");
  }
  SUBCASE("its newline in a later feed") {
    Collector c;
    c.splitter.Feed(line);
    CHECK(c.lines.empty());
    c.splitter.Feed("\n");
    REQUIRE(c.lines.size() == 1);
    CHECK(c.lines[0] == line);
  }
  SUBCASE("fed in small pieces") {
    Collector c;
    for (size_t at = 0; at < line.size(); at += 1000) c.splitter.Feed(line.substr(at, 1000));
    c.splitter.Feed("\n");
    REQUIRE(c.lines.size() == 1);
    CHECK(c.lines[0] == line);
  }
  SUBCASE("unterminated, through Finish") {
    Collector c;
    c.splitter.Feed(line);
    c.splitter.Finish();
    REQUIRE(c.lines.size() == 1);
    CHECK(c.lines[0] == line);
  }
  SUBCASE("one byte more is two pieces") {
    Collector c;
    c.splitter.Feed(line + "z\n");
    CheckPieces(c.lines, line + "z", kMaxOutputLine);
    CHECK(c.lines.back() == "z");
  }
}

TEST_CASE("LineSplitter: a 150 KiB line is cut into marked pieces of at most 64 KiB") {
  const std::string line = Pattern(150 * 1024);
  Collector c;
  SUBCASE("in one feed") { c.splitter.Feed(line + "\n"); }
  SUBCASE("in odd-sized feeds") {
    for (size_t at = 0; at < line.size(); at += 4093) c.splitter.Feed(line.substr(at, 4093));
    c.splitter.Feed("\n");
  }
  SUBCASE("unterminated, through Finish") {
    c.splitter.Feed(line);
    c.splitter.Finish();
  }
  // 64 KiB + 64 KiB + 22 KiB.
  REQUIRE(c.lines.size() == 3);
  CheckPieces(c.lines, line, kMaxOutputLine);
  CHECK(c.lines[2].size() == 22 * 1024);

  // And the line after it is whole.
  c.splitter.Feed("after\n");
  CHECK(c.lines.size() == 4);
  CHECK(c.lines.back() == "after");
}

TEST_CASE("LineSplitter: pieces with a small limit") {
  Collector c(4);
  SUBCASE("a line of a multiple of the limit has no empty last piece") {
    c.splitter.Feed("abcdefgh\n");
    CHECK(c.lines == std::vector<std::string>{"abcd" + std::string(kContinuedMark), "efgh"});
  }
  SUBCASE("lines around a long one are untouched") {
    c.splitter.Feed("ab\nabcdefghij\ncd\n");
    CHECK(c.lines == std::vector<std::string>{"ab", "abcd" + std::string(kContinuedMark),
                                              "efgh" + std::string(kContinuedMark), "ij", "cd"});
  }
  SUBCASE("byte by byte") {
    for (char ch : std::string("abcdefghij\nk")) c.splitter.Feed(std::string_view(&ch, 1));
    c.splitter.Finish();
    CHECK(c.lines == std::vector<std::string>{"abcd" + std::string(kContinuedMark),
                                              "efgh" + std::string(kContinuedMark), "ij", "k"});
  }
}

}  // namespace
}  // namespace thr
