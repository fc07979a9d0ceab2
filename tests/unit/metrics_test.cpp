// Metrics: run histograms from fed events, the series built from snapshots, removal of jobs a
// reload dropped, requests counted by Dispatch, and the text format.
#include "thr/metrics.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "supervisor_harness.h"
#include "thr/dispatch.h"
#include "thr/version.h"

namespace thr {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;

JobInfo Info(const std::string& name, JobState state, uint64_t runs = 0, uint64_t failures = 0) {
  JobInfo info;
  info.name = name;
  info.task = TaskKind::kExec;
  info.state = state;
  info.runs = runs;
  info.failures = failures;
  return info;
}

Event Run(const std::string& job, bool ok, int64_t duration_ms,
          std::optional<int64_t> lateness_us = std::nullopt) {
  Event e;
  e.type = Event::Type::kRun;
  e.job = job;
  e.ok = ok;
  e.duration_ms = duration_ms;
  e.lateness_us = lateness_us;
  return e;
}

// The jobs a test's fake daemon has; the test changes them between scrapes.
struct Fake {
  std::vector<JobInfo> jobs;
  size_t connections = 0;
  Metrics metrics{[this](MetricsSnapshot* snap) {
    snap->jobs = jobs;
    snap->connections = connections;
  }};
};

const MetricFamily* FindFamily(const std::vector<MetricFamily>& families, const std::string& name) {
  for (const MetricFamily& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// The sample of `family` whose labels include all of `want`; nullptr if none.
const ClientMetric* FindSample(const std::vector<MetricFamily>& families, const std::string& family,
                               const std::vector<ClientMetric::Label>& want) {
  const MetricFamily* f = FindFamily(families, family);
  if (f == nullptr) return nullptr;
  for (const ClientMetric& m : f->metric) {
    size_t matched = 0;
    for (const auto& w : want) {
      for (const auto& l : m.label) matched += l.name == w.name && l.value == w.value ? 1 : 0;
    }
    if (matched == want.size()) return &m;
  }
  return nullptr;
}

TEST_CASE("Metrics: run events fill the duration and lateness histograms of their job") {
  Fake fake;
  fake.jobs = {Info("a", JobState::kRunning, 3, 1)};
  fake.metrics.OnEvent(Run("a", true, 3, 200));      // 3 ms, 0.2 ms late
  fake.metrics.OnEvent(Run("a", true, 700, 20000));  // 0.7 s, 20 ms late
  fake.metrics.OnEvent(Run("a", false, 12000));      // 12 s, a `thrctl run`: no lateness
  Event state;
  state.type = Event::Type::kState;
  state.job = "a";
  fake.metrics.OnEvent(state);  // not a run: ignored

  auto families = fake.metrics.Collect();
  const ClientMetric* d = FindSample(families, "thrd_run_duration_seconds", {{"job", "a"}});
  REQUIRE(d != nullptr);
  CHECK(d->histogram.sample_count == 3);
  CHECK(d->histogram.sample_sum == doctest::Approx(12.703));
  REQUIRE(d->histogram.bucket.size() == kRunDurationBuckets.size() + 1);
  CHECK(d->histogram.bucket[0].upper_bound == 0.005);
  CHECK(d->histogram.bucket[0].cumulative_count == 1);  // 3 ms
  CHECK(d->histogram.bucket[6].upper_bound == 0.5);
  CHECK(d->histogram.bucket[6].cumulative_count == 1);
  CHECK(d->histogram.bucket[7].upper_bound == 1);
  CHECK(d->histogram.bucket[7].cumulative_count == 2);  // 0.7 s
  CHECK(d->histogram.bucket[10].upper_bound == 10);
  CHECK(d->histogram.bucket[10].cumulative_count == 2);
  CHECK(d->histogram.bucket[11].cumulative_count == 3);  // 12 s <= 30 s
  CHECK(d->histogram.bucket.back().cumulative_count == 3);

  const ClientMetric* l = FindSample(families, "thrd_run_lateness_seconds", {{"job", "a"}});
  REQUIRE(l != nullptr);
  CHECK(l->histogram.sample_count == 2);
  CHECK(l->histogram.sample_sum == doctest::Approx(0.0202));
  CHECK(l->histogram.bucket[1].upper_bound == 0.00025);
  CHECK(l->histogram.bucket[1].cumulative_count == 1);
  CHECK(l->histogram.bucket[7].upper_bound == 0.025);
  CHECK(l->histogram.bucket[7].cumulative_count == 2);
}

TEST_CASE("Metrics: runs, missed and state come from the snapshot, so they agree with status") {
  Fake fake;
  fake.jobs = {Info("a", JobState::kPaused, 5, 2), Info("b", JobState::kRunning)};
  fake.jobs[0].missed = 4;
  fake.jobs[1].service = true;
  fake.jobs[1].restarts = 7;
  fake.connections = 3;
  auto families = fake.metrics.Collect();

  const ClientMetric* ok =
      FindSample(families, "thrd_runs_total", {{"job", "a"}, {"result", "ok"}});
  const ClientMetric* failed =
      FindSample(families, "thrd_runs_total", {{"job", "a"}, {"result", "failed"}});
  REQUIRE(ok != nullptr);
  REQUIRE(failed != nullptr);
  CHECK(ok->counter.value == 3);
  CHECK(failed->counter.value == 2);
  CHECK(FindSample(families, "thrd_missed_slots_total", {{"job", "a"}})->counter.value == 4);
  for (int i = 0; i < kJobStateCount; ++i) {
    const std::string s(StateName(static_cast<JobState>(i)));
    CAPTURE(s);
    const ClientMetric* g = FindSample(families, "thrd_job_state", {{"job", "a"}, {"state", s}});
    REQUIRE(g != nullptr);
    CHECK(g->gauge.value == (s == "paused" ? 1 : 0));
  }
  // A job that never ran has empty histograms, not missing ones.
  CHECK(FindSample(families, "thrd_run_duration_seconds", {{"job", "b"}})->histogram.sample_count ==
        0);
  // Restarts for services only; lateness for scheduled jobs only.
  CHECK(FindSample(families, "thrd_job_restarts", {{"job", "b"}})->gauge.value == 7);
  CHECK(FindSample(families, "thrd_job_restarts", {{"job", "a"}}) == nullptr);
  CHECK(FindSample(families, "thrd_run_lateness_seconds", {{"job", "b"}}) == nullptr);
  CHECK(FindSample(families, "thrd_jobs", {{"state", "paused"}})->gauge.value == 1);
  CHECK(FindSample(families, "thrd_jobs", {{"state", "running"}})->gauge.value == 1);
  CHECK(FindSample(families, "thrd_jobs", {{"state", "failed"}})->gauge.value == 0);
  CHECK(FindSample(families, "thrd_connections", {})->gauge.value == 3);
  CHECK(FindSample(families, "thrd_build_info", {{"version", kVersion}})->gauge.value == 1);
}

TEST_CASE("Metrics: a job a reload removed disappears, histograms and all") {
  Fake fake;
  fake.jobs = {Info("a", JobState::kRunning), Info("gone", JobState::kRunning)};
  fake.metrics.OnEvent(Run("gone", true, 5, 10));
  fake.metrics.OnEvent(Run("a", true, 5, 10));
  CHECK(FindSample(fake.metrics.Collect(), "thrd_run_duration_seconds", {{"job", "gone"}})
            ->histogram.sample_count == 1);
  fake.jobs.pop_back();
  std::string text = fake.metrics.Text();
  CHECK(text.find("job=\"gone\"") == std::string::npos);
  CHECK(text.find("thrd_runs_total{job=\"a\",result=\"ok\"}") != std::string::npos);
  // Added back (a later reload): it starts from an empty histogram, its old runs dropped.
  fake.jobs.push_back(Info("gone", JobState::kRunning));
  CHECK(FindSample(fake.metrics.Collect(), "thrd_run_duration_seconds", {{"job", "gone"}})
            ->histogram.sample_count == 0);
  CHECK(FindSample(fake.metrics.Collect(), "thrd_run_duration_seconds", {{"job", "a"}})
            ->histogram.sample_count == 1);
}

TEST_CASE("Metrics: Dispatch counts requests by command and result code") {
  test::RunningSupervisor h(test::TwoJobsJson("stopped"));
  Metrics metrics([&h](MetricsSnapshot* snap) { (void)h.sup.Snapshot({}, &snap->jobs); });
  CommandContext ctx{h.sup};
  ctx.metrics = &metrics;
  Dispatch(ctx, R"({"cmd":"ping"})");
  Dispatch(ctx, R"({"cmd":"ping"})");
  Dispatch(ctx, R"({"cmd":"pause","jobs":["nope"]})");
  Dispatch(ctx, R"({"cmd":"no-such-command"})");
  Dispatch(ctx, "{not json");
  auto families = metrics.Collect();
  auto count = [&](const std::string& command, const std::string& code) {
    const ClientMetric* m =
        FindSample(families, "thrd_requests_total", {{"command", command}, {"code", code}});
    return m == nullptr ? -1.0 : m->counter.value;
  };
  CHECK(count("ping", "ok") == 2);
  CHECK(count("pause", "unknown_job") == 1);
  CHECK(count("", "unknown_command") == 1);  // a client's made-up name is no label value
  CHECK(count("", "bad_request") == 1);

  SUBCASE("and `metrics` answers with the text; without metrics it is refused") {
    nlohmann::json reply = Dispatch(ctx, R"({"cmd":"metrics"})");
    REQUIRE(reply["ok"] == true);
    const std::string text = reply["text"].get<std::string>();
    CHECK(text.find("thrd_job_state{job=\"b\",state=\"stopped\"} 1\n") != std::string::npos);
    CommandContext bare{h.sup};
    reply = Dispatch(bare, R"({"cmd":"metrics"})");
    CHECK(reply["ok"] == false);
    CHECK(reply["error"]["code"] == "refused");
  }
}

TEST_CASE("Metrics: Text is the exposition format with HELP and TYPE lines") {
  Fake fake;
  fake.jobs = {Info("a", JobState::kRunning, 2, 0)};
  fake.metrics.OnEvent(Run("a", true, 20, 100));
  fake.metrics.CountRequest("status", "ok");
  const std::string text = fake.metrics.Text();
  for (const char* line : {
           "# TYPE thrd_runs_total counter\n",
           "thrd_runs_total{job=\"a\",result=\"ok\"} 2\n",
           "thrd_runs_total{job=\"a\",result=\"failed\"} 0\n",
           "# TYPE thrd_run_duration_seconds histogram\n",
           "thrd_run_duration_seconds_count{job=\"a\"} 1\n",
           "thrd_run_duration_seconds_bucket{job=\"a\",le=\"0.025\"} 1\n",
           "thrd_run_duration_seconds_bucket{job=\"a\",le=\"0.01\"} 0\n",
           "thrd_run_duration_seconds_bucket{job=\"a\",le=\"+Inf\"} 1\n",
           "# TYPE thrd_job_state gauge\n",
           "thrd_job_state{job=\"a\",state=\"running\"} 1\n",
           "thrd_requests_total{command=\"status\",code=\"ok\"} 1\n",
           "# HELP thrd_build_info ",
       }) {
    CAPTURE(line);
    CHECK(text.find(line) != std::string::npos);
  }
  // One +Inf bucket per histogram: the serializer adds none of its own.
  size_t infs = 0;
  for (size_t pos = 0; (pos = text.find("thrd_run_duration_seconds_bucket{job=\"a\",le=\"+Inf\"}",
                                        pos)) != std::string::npos;
       ++pos) {
    ++infs;
  }
  CHECK(infs == 1);
}

}  // namespace
}  // namespace thr
