// The full-screen pieces of `thrctl status --watch`: frames that fit the window and overwrite
// the last one, and a terminal session that gives the terminal back as it found it.
#include "thr/terminal.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <pty.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "test_util.h"
#include "thr/fd.h"

namespace thr {
namespace {

TEST_CASE("Terminal: FitColumns cuts at visible columns, not bytes or colour codes") {
  size_t width = 0;
  CHECK(FitColumns("abc", 5, &width) == "abc");
  CHECK(width == 3);
  CHECK(FitColumns("abcdef", 4, &width) == "abcd");
  CHECK(width == 4);
  SUBCASE("a colour takes no column, and one cut off is reset") {
    const std::string paused = "a \x1b[33mpaused\x1b[0m b";
    CHECK(FitColumns(paused, 100, &width) == paused);
    CHECK(width == 10);
    CHECK(FitColumns(paused, 5, &width) == "a \x1b[33mpau\x1b[0m");
    CHECK(width == 5);
  }
  SUBCASE("a multi-byte character is one column and never split") {
    CHECK(FitColumns("é…x", 2, &width) == "é…");
    CHECK(width == 2);
  }
}

TEST_CASE("Terminal: a frame starts at the top-left corner and clears what it does not cover") {
  std::string frame = ComposeFrame({"head", "", "row"}, 10, 20);
  CHECK(frame == "\x1b[Hhead\x1b[K\n\x1b[K\nrow\x1b[K\x1b[J");
  SUBCASE(
      "a line that fills the row is not followed by an erase (it would take its last "
      "character)") {
    CHECK(ComposeFrame({"abcd", "abcdefgh"}, 10, 4) == "\x1b[Habcd\nabcd\x1b[J");
  }
}

TEST_CASE("Terminal: a frame taller than the window says how many lines were left out") {
  std::string frame = ComposeFrame({"h", "1", "2", "3", "4", "5"}, 3, 80);
  CHECK(frame ==
        "\x1b[Hh\x1b[K\n1\x1b[K\n... 4 more lines: name jobs or enlarge the window\x1b[K\x1b[J");
  // Never more newlines than rows - 1: one more would scroll the header away.
  CHECK(std::count(frame.begin(), frame.end(), '\n') == 2);
}

TEST_CASE("Terminal: a session switches screens and modes and restores them on every path") {
  int master = -1, slave = -1;
  REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
  UniqueFd master_fd(master), slave_fd(slave);
  termios before{};
  REQUIRE(::tcgetattr(slave, &before) == 0);
  REQUIRE((before.c_lflag & ICANON) != 0);
  ::fcntl(master, F_SETFL, O_NONBLOCK);
  {
    TerminalSession session(slave, slave);
    REQUIRE(session.Enter());
    termios during{};
    REQUIRE(::tcgetattr(slave, &during) == 0);
    CHECK((during.c_lflag & (ICANON | ECHO)) == 0);
    CHECK((during.c_lflag & ISIG) != 0);  // Ctrl-C still makes SIGINT
    session.Draw("frame");
    int rows = 0, cols = 0;
    session.Size(&rows, &cols);  // a new pty says 0 x 0
    CHECK(rows == 24);
    CHECK(cols == 80);
  }  // the destructor restores, as an error path that returns early would
  termios after{};
  REQUIRE(::tcgetattr(slave, &after) == 0);
  CHECK(after.c_lflag == before.c_lflag);
  std::string seen = test::ReadAvailable(master);
  CHECK(seen.find(std::string(kEnterScreen)) != std::string::npos);
  CHECK(seen.find("frame") != std::string::npos);
  size_t left = seen.rfind(std::string(kLeaveScreen));
  REQUIRE(left != std::string::npos);
  CHECK(left > seen.find("frame"));

  SUBCASE("Leave twice is harmless, and Enter again works (Ctrl-Z, then fg)") {
    TerminalSession session(slave, slave);
    REQUIRE(session.Enter());
    session.Leave();
    session.Leave();
    CHECK_FALSE(session.entered());
    REQUIRE(session.Enter());
    CHECK(session.entered());
  }
}

TEST_CASE("Terminal: a keyboard that is not a terminal is left alone") {
  test::Pipe pipe;
  TerminalSession session(pipe.write_end.get(), -1);
  CHECK(session.Enter());
  session.Leave();
  CHECK(test::ReadAvailable(pipe.read_end.get()) ==
        std::string(kEnterScreen) + std::string(kLeaveScreen));
  TerminalSession bad(pipe.write_end.get(), pipe.read_end.get());  // a pipe has no termios
  CHECK_FALSE(bad.Enter());
}

}  // namespace
}  // namespace thr
