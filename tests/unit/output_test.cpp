// OutputEcho: job lines echoed as "job: line" through a bounded queue that drops rather than
// stall a job when the output is blocked.
#include "thr/output.h"

#include <doctest/doctest.h>
#include <fcntl.h>

#include <string>

#include "test_util.h"

namespace thr {
namespace {

TEST_CASE("Output: each line is written as \"job: line\"") {
  test::Pipe pipe;
  {
    OutputEcho echo(pipe.write_end.get());
    echo.Write("tick", "1795678200");
    echo.Write("sync", "sent 3 files");
    echo.Write("empty", "");
    CHECK(echo.dropped() == 0);
  }  // the destructor writes what is queued
  CHECK(test::ReadAvailable(pipe.read_end.get()) ==
        "tick: 1795678200\nsync: sent 3 files\nempty: \n");
}

TEST_CASE("Output: lines reach the fd while the echo lives") {
  test::Pipe pipe;
  OutputEcho echo(pipe.write_end.get());
  echo.Write("a", "x");
  std::string text;
  CHECK(test::WaitUntil([&] {
    text += test::ReadAvailable(pipe.read_end.get());
    return text == "a: x\n";
  }));
}

TEST_CASE("Output: a blocked writer makes lines drop and count, never block the caller") {
  test::IgnoreSigpipe no_sigpipe;
  test::Pipe pipe;
  // The smallest pipe the kernel allows, which nobody reads: the writer thread soon blocks.
  ::fcntl(pipe.write_end.get(), F_SETPIPE_SZ, 4096);
  constexpr size_t kMaxQueued = 2;
  constexpr uint64_t kLines = 2000;
  const std::string line(100, 'x');

  OutputEcho echo(pipe.write_end.get(), kMaxQueued);
  // Closing the read end ends the blocked write with EPIPE, so the echo's destructor (which
  // runs after this) can join its writer even when a check below fails.
  test::ScopeExit unblock([&] { pipe.read_end.Reset(); });

  for (uint64_t i = 0; i < kLines; ++i) echo.Write("job", line);
  // At most a pipe's worth (well under 64 KiB, so under 640 lines of 105 bytes) plus the
  // queue got through; the rest was dropped.
  uint64_t dropped = echo.dropped();
  CAPTURE(dropped);
  CHECK(dropped >= kLines - 640 - kMaxQueued);
  CHECK(dropped <= kLines);
}

}  // namespace
}  // namespace thr
