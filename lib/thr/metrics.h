// Prometheus metrics of thrd (README "Metrics"): what runs did (from EventBus observers), what
// jobs and the daemon are (from snapshots at scrape time), and requests by command and result.
// The text served on /metrics, by `thrctl metrics` and in metrics_file is all made here.
#pragma once

#include <prometheus/metric_family.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "thr/events.h"
#include "thr/job.h"

namespace thr {

// Fixed histogram buckets, in seconds (Prometheus base units); +Inf is implicit.
inline constexpr std::array<double, 15> kRunDurationBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600};
inline constexpr std::array<double, 12> kRunLatenessBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1};

// What a scrape reads besides the run histograms: every job's snapshot and the open control
// connections. Called without any lock of Metrics held.
struct MetricsSnapshot {
  std::vector<JobInfo> jobs;
  size_t connections = 0;
};
using MetricsSource = std::function<void(MetricsSnapshot*)>;

// Thread-safe. Per job it keeps only two small bucket arrays, made at the job's first run
// (about 300 bytes); every other series is built at scrape time from the snapshot, so it costs
// nothing between scrapes. Counters a snapshot already has (runs, failures, missed) come from
// it, so they always agree with `status`.
class Metrics {
 public:
  explicit Metrics(MetricsSource source) : source_(std::move(source)) {}
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The EventBus observer: O(1), one short lock of its own, never calls into a job.
  void OnEvent(const Event& event);
  // One request handled by Dispatch: `command` is a table name (or "" for a line that named
  // none), `code` its Status code name ("ok", "unknown_job", ...).
  void CountRequest(std::string_view command, std::string_view code);

  // Every family, jobs in snapshot order. Jobs no longer in the snapshot (removed by a reload)
  // are absent, and their histograms are dropped.
  std::vector<prometheus::MetricFamily> Collect();
  // Collect() in the text exposition format (version 0.0.4).
  std::string Text();

 private:
  struct RunStats {
    std::array<uint64_t, kRunDurationBuckets.size() + 1> duration{};  // per bucket, last: +Inf
    std::array<uint64_t, kRunLatenessBuckets.size() + 1> lateness{};
    int64_t duration_ms_sum = 0;
    int64_t lateness_us_sum = 0;
    uint64_t last_seq = 0;  // seq_ at this job's latest event: see Collect's pruning
  };
  void AddJobFamilies(const std::vector<JobInfo>& jobs, std::vector<prometheus::MetricFamily>* out);

  const MetricsSource source_;
  std::mutex mu_;
  std::unordered_map<std::string, RunStats> runs_;  // guarded by mu_; by job name
  uint64_t seq_ = 0;                                // guarded by mu_: events seen
  std::mutex requests_mu_;
  // guarded by requests_mu_: (command, code) -> count; a few dozen entries at most
  std::map<std::pair<std::string, std::string>, uint64_t> requests_;
};

}  // namespace thr
