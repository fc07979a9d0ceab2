// ClockWatch: a wall-clock step is noticed, measured and logged; schedules (the monotonic
// clock) are not moved by one. Nothing here sets the real clock: that would disturb the
// whole machine. The watcher runs on an injected source, and jobs on an injected clock.
#include "thr/clock_watch.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "test_util.h"
#include "thr/job.h"
#include "thr/output.h"

namespace thr {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// An eventfd stands for the timerfd: Set() moves the offset and makes the fd readable.
class FakeSource final : public WallClockSource {
 public:
  FakeSource() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  Status Arm(int* fd) override {
    ++arms;
    *fd = fd_.get();
    return Status::Ok();
  }
  bool Consume() override {
    uint64_t n;
    return ::read(fd_.get(), &n, sizeof(n)) == sizeof(n) && set_.exchange(false);
  }
  nanoseconds Offset() const override { return nanoseconds(offset_.load()); }

  void Step(nanoseconds step) {
    offset_ += step.count();
    set_ = true;
    Poke();
  }
  // Readable without a set (a spurious wake-up): nothing to report.
  void Poke() {
    uint64_t one = 1;
    (void)!::write(fd_.get(), &one, sizeof(one));
  }
  std::atomic<int> arms{0};

 private:
  UniqueFd fd_;
  std::atomic<int64_t> offset_{123'456'789};
  std::atomic<bool> set_{false};
};

// Captures what spdlog's default logger writes, for the scope.
class CapturedLog {
 public:
  CapturedLog() : saved_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_, /*force_flush=*/true);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(saved_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  // Only once every thread that logs has been joined: the sink writes without our lock.
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> saved_;
};

// Monotonic time is the real one; wall time is the real one plus a step the test sets.
class SteppedClock final : public Clock {
 public:
  SteadyTime Now() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override {
    return std::chrono::system_clock::now() +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(
               nanoseconds(step_.load()));
  }
  void Step(nanoseconds step) { step_ += step.count(); }
  nanoseconds step() const { return nanoseconds(step_.load()); }

 private:
  std::atomic<int64_t> step_{0};
};

TEST_CASE("ClockWatch: DescribeClockStep signs the step and trims zero decimals") {
  CHECK(DescribeClockStep(hours(1)) == "+3600s");
  CHECK(DescribeClockStep(-hours(2)) == "-7200s");
  CHECK(DescribeClockStep(milliseconds(1500)) == "+1.5s");
  CHECK(DescribeClockStep(milliseconds(-250)) == "-0.25s");
  CHECK(DescribeClockStep(milliseconds(4)) == "+0.004s");
  CHECK(DescribeClockStep(nanoseconds(0)) == "+0s");
}

TEST_CASE("ClockWatch: each set is reported once, with its step, and logged at warn") {
  CapturedLog log;
  auto source = std::make_unique<FakeSource>();
  FakeSource* fake = source.get();
  std::mutex mu;
  std::vector<nanoseconds> steps;
  ClockWatch watch(
      [&](nanoseconds step) {
        std::lock_guard<std::mutex> lock(mu);
        steps.push_back(step);
      },
      std::move(source));
  REQUIRE(watch.Start().ok());
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return steps.size();
  };

  fake->Step(hours(1));
  REQUIRE(test::WaitUntil([&] { return count() == 1; }));
  fake->Poke();  // readable, but the clock was not set: nothing reported
  fake->Step(-hours(2));
  REQUIRE(test::WaitUntil([&] { return count() == 2; }));
  watch.Stop();
  {
    std::lock_guard<std::mutex> lock(mu);
    CHECK(steps[0] == hours(1));
    CHECK(steps[1] == -hours(2));
  }
  CHECK(fake->arms.load() == 3);  // at Start, and again after each set
  std::string text = log.text();
  CHECK(text.find("[warning] wall clock stepped by +3600s") != std::string::npos);
  CHECK(text.find("[warning] wall clock stepped by -7200s") != std::string::npos);
}

TEST_CASE("ClockWatch: the real timerfd source arms, and reads no set while none happens") {
  std::unique_ptr<WallClockSource> source = MakeRealWallClockSource();
  int fd = -1;
  REQUIRE(source->Arm(&fd).ok());
  CHECK(fd >= 0);
  CHECK_FALSE(source->Consume());  // EAGAIN: neither expired nor cancelled
  auto wall_minus_mono = std::chrono::system_clock::now().time_since_epoch() -
                         std::chrono::steady_clock::now().time_since_epoch();
  CHECK(std::chrono::abs(source->Offset() - wall_minus_mono) < seconds(1));

  ClockWatch watch;  // the real source, as thrd runs it
  CHECK(watch.Start().ok());
  watch.Stop();
  watch.Stop();  // idempotent
}

// A job every 1h ran once at start; its next run is an hour of monotonic time away. Wall
// steps either way change only how that instant is shown: no run happens early (no burst)
// and none is pushed later (no gap).
TEST_CASE("ClockWatch: a wall-clock step moves no job's next run and makes no burst") {
  test::QuietLogs quiet;
  SteppedClock clock;
  UniqueFd dev_null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  OutputEcho echo(dev_null.get());
  JobSpec slow;
  slow.name = "hourly";
  slow.task = TaskKind::kTimestamp;
  slow.every = hours(1);
  JobSpec fast = slow;
  fast.name = "fast";
  fast.every = milliseconds(20);
  Job hourly(slow, clock, &echo);
  Job quick(fast, clock, &echo);
  hourly.Begin(JobState::kRunning);
  quick.Begin(JobState::kRunning);
  REQUIRE(test::WaitUntil([&] { return hourly.Info().runs == 1 && hourly.Info().next_run; }));
  REQUIRE(test::WaitUntil([&] { return quick.Info().runs >= 3; }));
  const WallTime next_before = *hourly.Info().next_run;

  for (nanoseconds step : {nanoseconds(hours(1)), nanoseconds(-hours(3))}) {
    CAPTURE(DescribeClockStep(step));
    clock.Step(step);
    uint64_t quick_before = quick.Info().runs;
    // A 20 ms job keeps running across the step: at least 5 more runs soon.
    CHECK(test::WaitUntil([&] { return quick.Info().runs >= quick_before + 5; }));
    JobInfo info = hourly.Info();
    CHECK(info.runs == 1);  // no run brought forward by a forward step
    REQUIRE(info.next_run);
    // Shown in the new wall time, the same monotonic instant: moved by exactly the step.
    nanoseconds shown_shift = *info.next_run - next_before;
    CHECK(std::chrono::abs(shown_shift - clock.step()) < milliseconds(100));
  }
  // No burst after the backward step either: the fast job stays on its 20 ms grid, so a
  // window holds at most window / 20 ms + 2 runs.
  auto t0 = std::chrono::steady_clock::now();
  uint64_t runs0 = quick.Info().runs;
  std::this_thread::sleep_for(milliseconds(300));
  uint64_t runs = quick.Info().runs - runs0;
  auto window = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0);
  CAPTURE(window.count());
  CHECK(runs <= static_cast<uint64_t>(window.count() / 20 + 2));
  CHECK(quick.Info().state == JobState::kRunning);
  CHECK(hourly.Info().runs == 1);
}

}  // namespace
}  // namespace thr
