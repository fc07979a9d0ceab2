// RunHistory: the per-job rings of runs behind `thrctl history` and the `show` strip, and the
// run events that feed it (their `missed` and `interrupted`, set by Job).
#include "thr/history.h"

#include <doctest/doctest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"
#include "thr/events.h"
#include "thr/iso_time.h"
#include "thr/job.h"

namespace thr {
namespace {

// A run event of `job` started at second `n` of a fixed day, taking `ms`.
Event Run(const std::string& job, int n, int64_t ms = 5, bool ok = true) {
  Event e;
  e.type = Event::Type::kRun;
  e.job = job;
  e.started = *ParseIsoUtc("2026-11-27T10:00:00.000Z") + std::chrono::seconds(n);
  e.time = e.started + std::chrono::milliseconds(ms);
  e.duration_ms = ms;
  e.ok = ok;
  if (!ok) {
    e.error = "exit status 3";
    e.exit_status = 3;
  }
  return e;
}

std::vector<int> Seconds(const std::vector<RunEntry>& runs) {
  std::vector<int> out;
  const WallTime day = *ParseIsoUtc("2026-11-27T10:00:00.000Z");
  for (const RunEntry& r : runs) {
    out.push_back(static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(r.started - day).count()));
  }
  return out;
}

TEST_CASE("RunHistory: keeps the last `capacity` runs, oldest first") {
  RunHistory h;
  h.Configure("a", 3);
  std::vector<RunEntry> runs;
  REQUIRE(h.Recent("a", 10, &runs));
  CHECK(runs.empty());
  for (int n = 0; n < 5; ++n) h.Record(Run("a", n));
  REQUIRE(h.Recent("a", 10, &runs));
  CHECK(Seconds(runs) == std::vector<int>{2, 3, 4});
  REQUIRE(h.Recent("a", 2, &runs));
  CHECK(Seconds(runs) == std::vector<int>{3, 4});
  REQUIRE(h.Recent("a", 0, &runs));
  CHECK(runs.empty());
  SUBCASE("an unknown job, and a run of one, are neither an error nor kept") {
    h.Record(Run("nope", 0));
    CHECK_FALSE(h.Recent("nope", 10, &runs));
  }
}

TEST_CASE("RunHistory: an entry holds what the run event said, to the millisecond") {
  RunHistory h;
  h.Configure("a", 10);
  Event ok = Run("a", 0, 1503);
  ok.started += std::chrono::microseconds(4999);  // kept as 4 ms
  ok.exit_status = 0;
  h.Record(ok);
  Event failed = Run("a", 1, 20, false);
  failed.missed = 2;
  h.Record(failed);
  Event interrupted = Run("a", 2, 7);
  interrupted.interrupted = true;
  interrupted.error = "killed by signal 9";
  h.Record(interrupted);
  Event state;  // not a run: ignored
  state.job = "a";
  h.Record(state);
  std::vector<RunEntry> runs;
  REQUIRE(h.Recent("a", 10, &runs));
  REQUIRE(runs.size() == 3);
  CHECK(FormatIsoUtc(runs[0].started) == "2026-11-27T10:00:00.004Z");
  CHECK(runs[0].duration_ms == 1503);
  CHECK(runs[0].outcome == RunOutcome::kOk);
  CHECK(runs[0].exit_status == 0);
  CHECK(runs[0].reason.empty());
  CHECK(runs[0].missed == 0);
  CHECK(runs[1].outcome == RunOutcome::kFailed);
  CHECK(runs[1].exit_status == 3);
  CHECK(runs[1].reason == "exit status 3");
  CHECK(runs[1].missed == 2);
  CHECK(runs[2].outcome == RunOutcome::kInterrupted);
  CHECK_FALSE(runs[2].exit_status.has_value());
  CHECK(runs[2].reason == "killed by signal 9");
  CHECK(RunOutcomeName(RunOutcome::kOk) == "ok");
  CHECK(RunOutcomeName(RunOutcome::kFailed) == "failed");
  CHECK(RunOutcomeName(RunOutcome::kInterrupted) == "interrupted");
}

TEST_CASE("RunHistory: a changed capacity keeps the newest runs; 0 keeps none; Drop forgets") {
  RunHistory h;
  h.Configure("a", 4);
  for (int n = 0; n < 6; ++n) h.Record(Run("a", n));  // wrapped: 2 3 4 5
  std::vector<RunEntry> runs;
  SUBCASE("smaller") {
    h.Configure("a", 2);
    REQUIRE(h.Recent("a", 10, &runs));
    CHECK(Seconds(runs) == std::vector<int>{4, 5});
    h.Record(Run("a", 6));
    REQUIRE(h.Recent("a", 10, &runs));
    CHECK(Seconds(runs) == std::vector<int>{5, 6});
  }
  SUBCASE("larger") {
    h.Configure("a", 6);
    h.Record(Run("a", 6));
    REQUIRE(h.Recent("a", 10, &runs));
    CHECK(Seconds(runs) == std::vector<int>{2, 3, 4, 5, 6});
  }
  SUBCASE("the same: nothing changes") {
    h.Configure("a", 4);
    REQUIRE(h.Recent("a", 10, &runs));
    CHECK(Seconds(runs) == std::vector<int>{2, 3, 4, 5});
  }
  SUBCASE("zero") {
    h.Configure("a", 0);
    h.Record(Run("a", 6));
    REQUIRE(h.Recent("a", 10, &runs));  // still known: the job exists, keeping nothing
    CHECK(runs.empty());
  }
  SUBCASE("dropped") {
    h.Drop("a");
    CHECK_FALSE(h.Recent("a", 10, &runs));
    h.Record(Run("a", 6));
    CHECK_FALSE(h.Recent("a", 10, &runs));
  }
}

TEST_CASE("RunHistory: entries are 32 bytes, the reason on the heap only when there is one") {
  CHECK(RunHistory::kEntryBytes == 32);
  // The missed count saturates rather than wrapping.
  RunHistory h;
  h.Configure("a", 1);
  Event e = Run("a", 0);
  e.missed = uint64_t{1} << 40;
  h.Record(e);
  std::vector<RunEntry> runs;
  REQUIRE(h.Recent("a", 1, &runs));
  CHECK(runs.at(0).missed == 0xffffffffu);
}

TEST_CASE("RunHistory: many jobs' threads record at once; each ring gets exactly its runs") {
  RunHistory h;
  constexpr int kJobs = 16, kRuns = 500;
  for (int j = 0; j < kJobs; ++j) h.Configure("job" + std::to_string(j), 100);
  std::vector<std::thread> threads;
  for (int j = 0; j < kJobs; ++j) {
    threads.emplace_back([&h, j] {
      for (int n = 0; n < kRuns; ++n) h.Record(Run("job" + std::to_string(j), n, n % 7, n % 3));
    });
  }
  // A reader meanwhile, as `thrctl history` would be.
  std::vector<RunEntry> runs;
  for (int i = 0; i < 100; ++i) h.Recent("job0", 100, &runs);
  for (auto& t : threads) t.join();
  for (int j = 0; j < kJobs; ++j) {
    REQUIRE(h.Recent("job" + std::to_string(j), 1000, &runs));
    REQUIRE(runs.size() == 100);
    CHECK(Seconds(runs).front() == kRuns - 100);
    CHECK(Seconds(runs).back() == kRuns - 1);
  }
}

// A task that takes `ms` per run.
class SlowTask final : public Task {
 public:
  explicit SlowTask(int ms) : ms_(ms) {}
  RunResult Run(RunContext&) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms_));
    return {};
  }

 private:
  int ms_;
};

TEST_CASE("Job: a run event carries the slots missed since the previous run") {
  test::QuietLogs quiet;
  EventBus bus;
  std::mutex mu;
  std::vector<uint64_t> missed;  // guarded by mu
  bus.AddObserver([&](const Event& e) {
    if (e.type != Event::Type::kRun) return;
    std::lock_guard<std::mutex> lock(mu);
    missed.push_back(e.missed);
  });
  JobSpec spec;
  spec.name = "slow";
  spec.task = TaskKind::kTimestamp;
  spec.every = Duration(20);
  // Each 60 ms run overlaps at least the next two 20 ms slots.
  Job job(spec, DefaultClock(), nullptr, std::make_unique<SlowTask>(60));
  job.Observe(nullptr, &bus);
  job.Begin(JobState::kRunning);
  REQUIRE(test::WaitUntil([&] { return job.Info().runs >= 4; }));
  job.Request(Control::kStop);
  job.Settle();
  // Read before taking mu: the observer takes mu under the job's lock, never the other way.
  const uint64_t job_missed = job.Info().missed;
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(missed.size() >= 4);
  CHECK(missed[0] == 0);  // nothing before the first run
  uint64_t sum = 0;
  for (size_t i = 0; i < missed.size(); ++i) {
    CAPTURE(i);
    if (i > 0) CHECK(missed[i] >= 2);
    sum += missed[i];
  }
  // The last run's own overlap is counted in the job but reported with the next run.
  CHECK(sum <= job_missed);
  CHECK(sum >= 2 * (missed.size() - 1));
}

}  // namespace
}  // namespace thr
