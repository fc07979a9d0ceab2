// StateWatch: what `wait` sleeps on.
#include "thr/state_watch.h"

#include <doctest/doctest.h>

#include <thread>

#include "test_util.h"

namespace thr {
namespace {

using Clock = std::chrono::steady_clock;

TEST_CASE("StateWatch: a Bump from another thread wakes a waiter at once") {
  StateWatch watch;
  uint64_t seen = watch.version();
  auto start = Clock::now();
  std::thread bumper([&] { watch.Bump(); });
  bool open = watch.WaitChange(seen, start + test::DefaultDeadline());
  bumper.join();
  CHECK(open);
  CHECK(watch.version() == seen + 1);
  CHECK(Clock::now() - start < test::DefaultDeadline());
}

TEST_CASE("StateWatch: with no change, WaitChange returns at the deadline") {
  StateWatch watch;
  auto deadline = Clock::now() + std::chrono::milliseconds(30);
  CHECK(watch.WaitChange(watch.version(), deadline));
  CHECK(Clock::now() >= deadline);
}

TEST_CASE("StateWatch: a version already past `seen` returns at once") {
  StateWatch watch;
  uint64_t seen = watch.version();
  watch.Bump();
  auto start = Clock::now();
  CHECK(watch.WaitChange(seen, start + test::DefaultDeadline()));
  CHECK(Clock::now() - start < test::DefaultDeadline());
}

TEST_CASE("StateWatch: Close ends every wait, now and later") {
  StateWatch watch;
  uint64_t seen = watch.version();
  std::thread closer([&] { watch.Close(); });
  CHECK_FALSE(watch.WaitChange(seen, Clock::now() + test::DefaultDeadline()));
  closer.join();
  CHECK_FALSE(watch.WaitChange(seen, Clock::now() + test::DefaultDeadline()));
}

}  // namespace
}  // namespace thr
