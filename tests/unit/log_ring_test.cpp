// LogRing: a job's most recent output lines, for `thrctl logs`.
#include "thr/log_ring.h"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

namespace thr {
namespace {

using Lines = std::vector<std::string>;

TEST_CASE("LogRing: a full ring drops the oldest line") {
  LogRing ring(3);
  for (const char* line : {"a", "b", "c", "d", "e"}) ring.Append(line);
  CHECK(ring.Tail(10) == Lines{"c", "d", "e"});
  CHECK(ring.total() == 5);
}

TEST_CASE("LogRing: Tail(n) gives the last n lines, oldest first") {
  LogRing ring(10);
  for (const char* line : {"1", "2", "3", "4"}) ring.Append(line);
  SUBCASE("fewer than held") { CHECK(ring.Tail(2) == Lines{"3", "4"}); }
  SUBCASE("exactly as many as held") { CHECK(ring.Tail(4) == Lines{"1", "2", "3", "4"}); }
  SUBCASE("more than held gives all") { CHECK(ring.Tail(100) == Lines{"1", "2", "3", "4"}); }
  SUBCASE("SIZE_MAX gives all") { CHECK(ring.Tail(SIZE_MAX) == Lines{"1", "2", "3", "4"}); }
  SUBCASE("zero gives none") { CHECK(ring.Tail(0).empty()); }
}

TEST_CASE("LogRing: an empty ring has no lines and a zero total") {
  LogRing ring(4);
  CHECK(ring.Tail(5).empty());
  CHECK(ring.total() == 0);
}

TEST_CASE("LogRing: total counts every line appended, kept or not") {
  LogRing ring(1);
  ring.Append("x");
  CHECK(ring.total() == 1);
  ring.Append("y");
  ring.Append("z");
  CHECK(ring.total() == 3);
  CHECK(ring.Tail(5) == Lines{"z"});
}

TEST_CASE("LogRing: appends from several threads are all counted") {
  LogRing ring(50);
  constexpr int kThreads = 4, kLines = 500;
  {
    std::vector<std::jthread> writers;  // joined at the end of the block, even on a throw
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&ring, t] {
        for (int i = 0; i < kLines; ++i) ring.Append(std::to_string(t) + ":" + std::to_string(i));
      });
    }
  }
  CHECK(ring.total() == kThreads * kLines);
  CHECK(ring.Tail(SIZE_MAX).size() == 50);
}

}  // namespace
}  // namespace thr

namespace thr {
namespace {

TEST_CASE("LogRing: Wait returns the lines after a position, and what the ring lost") {
  LogRing ring(3);
  for (const char* line : {"1", "2", "3", "4", "5"}) ring.Append(line);
  std::vector<std::string> lines;
  uint64_t next = 0, dropped = 0;
  auto now = std::chrono::steady_clock::now();
  CHECK(ring.Wait(3, now, &lines, &next, &dropped) == LogRing::Follow::kLines);
  CHECK(lines == std::vector<std::string>{"4", "5"});
  CHECK(next == 5);
  CHECK(dropped == 0);
  CHECK(ring.Wait(0, now, &lines, &next, &dropped) == LogRing::Follow::kLines);
  CHECK(lines == std::vector<std::string>{"3", "4", "5"});
  CHECK(dropped == 2);
  CHECK(ring.Wait(5, now, &lines, &next, &dropped) == LogRing::Follow::kTimeout);
  CHECK(lines.empty());
}

TEST_CASE("LogRing: a follower is woken by Append and ended by Close") {
  LogRing ring(10);
  std::vector<std::string> lines;
  uint64_t next = 0, dropped = 0;
  auto soon = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::thread writer([&] { ring.Append("x"); });
  CHECK(ring.Wait(0, soon, &lines, &next, &dropped) == LogRing::Follow::kLines);
  writer.join();
  CHECK(lines == std::vector<std::string>{"x"});
  std::thread closer([&] { ring.Close(); });
  CHECK(ring.Wait(next, soon, &lines, &next, &dropped) == LogRing::Follow::kClosed);
  closer.join();
}

}  // namespace
}  // namespace thr
