#include "thr/metrics.h"

#include <malloc.h>
#include <prometheus/client_metric.h>
#include <prometheus/metric_type.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <limits>
#include <unordered_set>

#include "thr/job_state.h"
#include "thr/version.h"

namespace thr {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// A scrape of this many jobs leaves megabytes of freed families behind; give them back to the
// system rather than keep them in malloc's free lists until the next scrape.
constexpr size_t kTrimAfterJobs = 1000;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

ClientMetric Sample(std::vector<ClientMetric::Label> labels, double value, MetricType type) {
  ClientMetric m;
  m.label = std::move(labels);
  if (type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return m;
}

// Index of the first bucket whose upper bound holds `value`; the last index is +Inf.
template <size_t N>
size_t BucketOf(const std::array<double, N>& bounds, double value) {
  return static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) -
                             bounds.begin());
}

// A histogram sample from per-bucket counts (the last one +Inf), made cumulative here.
template <size_t N>
ClientMetric Histogram(const std::string& job, const std::array<double, N>& bounds,
                       const std::array<uint64_t, N + 1>& counts, double sum) {
  ClientMetric m;
  m.label = {{"job", job}};
  uint64_t cumulative = 0;
  m.histogram.bucket.reserve(N + 1);
  for (size_t i = 0; i <= N; ++i) {
    cumulative += counts[i];
    ClientMetric::Bucket bucket;
    bucket.cumulative_count = cumulative;
    bucket.upper_bound = i < N ? bounds[i] : std::numeric_limits<double>::infinity();
    m.histogram.bucket.push_back(bucket);
  }
  m.histogram.sample_count = cumulative;
  m.histogram.sample_sum = sum;
  return m;
}

}  // namespace

void Metrics::OnEvent(const Event& event) {
  if (event.type != Event::Type::kRun) return;
  const double seconds = static_cast<double>(std::max<int64_t>(event.duration_ms, 0)) / 1e3;
  std::lock_guard<std::mutex> lock(mu_);
  // The job's entry is made at its first run: a job that never runs costs nothing here.
  RunStats& stats = runs_[event.job];
  stats.last_seq = ++seq_;
  ++stats.duration[BucketOf(kRunDurationBuckets, seconds)];
  stats.duration_ms_sum += std::max<int64_t>(event.duration_ms, 0);
  if (event.lateness_us) {
    const int64_t us = std::max<int64_t>(*event.lateness_us, 0);
    ++stats.lateness[BucketOf(kRunLatenessBuckets, static_cast<double>(us) / 1e6)];
    stats.lateness_us_sum += us;
  }
}

void Metrics::CountRequest(std::string_view command, std::string_view code) {
  std::lock_guard<std::mutex> lock(requests_mu_);
  ++requests_[{std::string(command), std::string(code)}];
}

std::vector<MetricFamily> Metrics::Collect() {
  uint64_t seq_before = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seq_before = seq_;
  }
  MetricsSnapshot snap;
  source_(&snap);

  std::vector<MetricFamily> out;
  MetricFamily build = Family("thrd_build_info", "thrd's version; always 1", MetricType::Gauge);
  build.metric.push_back(Sample({{"version", kVersion}}, 1, MetricType::Gauge));
  out.push_back(std::move(build));

  std::array<size_t, kJobStateCount> counts{};
  for (const JobInfo& job : snap.jobs) ++counts[static_cast<size_t>(job.state)];
  MetricFamily jobs = Family("thrd_jobs", "configured jobs by state", MetricType::Gauge);
  for (int i = 0; i < kJobStateCount; ++i) {
    jobs.metric.push_back(Sample({{"state", std::string(StateName(static_cast<JobState>(i)))}},
                                 static_cast<double>(counts[static_cast<size_t>(i)]),
                                 MetricType::Gauge));
  }
  out.push_back(std::move(jobs));

  MetricFamily conns =
      Family("thrd_connections", "open control socket connections", MetricType::Gauge);
  conns.metric.push_back(Sample({}, static_cast<double>(snap.connections), MetricType::Gauge));
  out.push_back(std::move(conns));

  MetricFamily requests =
      Family("thrd_requests_total", "control requests handled, by command and result code",
             MetricType::Counter);
  {
    std::lock_guard<std::mutex> lock(requests_mu_);
    for (const auto& [key, n] : requests_) {
      requests.metric.push_back(Sample({{"command", key.first}, {"code", key.second}},
                                       static_cast<double>(n), MetricType::Counter));
    }
  }
  // An empty family is valid text, but some readers (textfile collectors) frown on it.
  if (!requests.metric.empty()) out.push_back(std::move(requests));

  AddJobFamilies(snap.jobs, &out);

  // Drop the histograms of jobs a reload removed. An entry whose latest event came after
  // seq_before may belong to a job added after the snapshot was taken: it stays.
  std::unordered_set<std::string_view> names;
  names.reserve(snap.jobs.size());
  for (const JobInfo& job : snap.jobs) names.insert(job.name);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (it->second.last_seq <= seq_before && names.count(it->first) == 0) {
      it = runs_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

void Metrics::AddJobFamilies(const std::vector<JobInfo>& jobs, std::vector<MetricFamily>* out) {
  MetricFamily runs = Family("thrd_runs_total", "completed runs by result (as status counts them)",
                             MetricType::Counter);
  MetricFamily missed = Family("thrd_missed_slots_total",
                               "slots missed because a run overran into them", MetricType::Counter);
  MetricFamily state = Family("thrd_job_state", "1 for the job's current state, 0 for the others",
                              MetricType::Gauge);
  MetricFamily restarts =
      Family("thrd_job_restarts", "a service's restarts since its thread began (start, restart)",
             MetricType::Gauge);
  MetricFamily duration =
      Family("thrd_run_duration_seconds", "how long completed runs took", MetricType::Histogram);
  MetricFamily lateness =
      Family("thrd_run_lateness_seconds", "how long after its due time a scheduled run began",
             MetricType::Histogram);
  runs.metric.reserve(2 * jobs.size());
  missed.metric.reserve(jobs.size());
  state.metric.reserve(kJobStateCount * jobs.size());
  duration.metric.reserve(jobs.size());
  lateness.metric.reserve(jobs.size());
  for (const JobInfo& job : jobs) {
    const auto ok = static_cast<double>(job.runs - std::min(job.failures, job.runs));
    runs.metric.push_back(Sample({{"job", job.name}, {"result", "ok"}}, ok, MetricType::Counter));
    runs.metric.push_back(Sample({{"job", job.name}, {"result", "failed"}},
                                 static_cast<double>(job.failures), MetricType::Counter));
    missed.metric.push_back(
        Sample({{"job", job.name}}, static_cast<double>(job.missed), MetricType::Counter));
    for (int i = 0; i < kJobStateCount; ++i) {
      const auto s = static_cast<JobState>(i);
      state.metric.push_back(Sample({{"job", job.name}, {"state", std::string(StateName(s))}},
                                    job.state == s ? 1 : 0, MetricType::Gauge));
    }
    if (job.service) {
      restarts.metric.push_back(
          Sample({{"job", job.name}}, static_cast<double>(job.restarts), MetricType::Gauge));
    }
    // Copied out under the lock, one job at a time, so that a scrape never holds up runs.
    RunStats stats;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = runs_.find(job.name); it != runs_.end()) stats = it->second;
    }
    duration.metric.push_back(Histogram(job.name, kRunDurationBuckets, stats.duration,
                                        static_cast<double>(stats.duration_ms_sum) / 1e3));
    if (!job.service) {
      lateness.metric.push_back(Histogram(job.name, kRunLatenessBuckets, stats.lateness,
                                          static_cast<double>(stats.lateness_us_sum) / 1e6));
    }
  }
  for (MetricFamily* f : {&runs, &missed, &state, &restarts, &duration, &lateness}) {
    if (!f->metric.empty()) out->push_back(std::move(*f));
  }
}

std::string Metrics::Text() {
  std::string text;
  size_t jobs = 0;
  {
    std::vector<MetricFamily> families = Collect();
    for (const MetricFamily& f : families) {
      if (f.name == "thrd_runs_total") jobs = f.metric.size() / 2;
    }
    text = prometheus::TextSerializer().Serialize(families);
  }
  if (jobs >= kTrimAfterJobs) ::malloc_trim(0);
  return text;
}

}  // namespace thr
