#include "thr/metrics_export.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <filesystem>

#include "thr/atomic_file.h"
#include "thr/metrics.h"

namespace thr {
namespace {

// The Exposer holds a weak_ptr to what it serves; this one asks Metrics at every scrape.
class Collector : public prometheus::Collectable {
 public:
  explicit Collector(Metrics& metrics) : metrics_(metrics) {}
  std::vector<prometheus::MetricFamily> Collect() const override { return metrics_.Collect(); }

 private:
  Metrics& metrics_;
};

// One worker thread is plenty for a scrape every few seconds, and each costs a stack.
constexpr size_t kListenerThreads = 1;

}  // namespace

MetricsExporter::MetricsExporter(Metrics& metrics)
    : metrics_(metrics), collectable_(std::make_shared<Collector>(metrics)) {}

MetricsExporter::~MetricsExporter() { Stop(); }

Status MetricsExporter::Apply(const MetricsOutputs& outputs) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return Status::Ok();
  Status result;
  if (outputs.listen != outputs_.listen) {
    exposer_.reset();  // closes the old address before the new one is bound
    if (!outputs.listen.empty()) {
      try {
        auto exposer = std::make_unique<prometheus::Exposer>(outputs.listen, kListenerThreads);
        exposer->RegisterCollectable(collectable_, "/metrics");
        exposer_ = std::move(exposer);
        spdlog::info("metrics: serving http://{}/metrics", outputs.listen);
      } catch (const std::exception& e) {
        // Supervising the jobs matters more than exporting numbers about them: go on.
        result = Status::FromCode(Status::Code::kIo, "metrics_listen " + outputs.listen +
                                                         ": cannot listen (" + e.what() +
                                                         "); /metrics is not served");
      }
    }
  }
  const bool file_changed = outputs.file != outputs_.file || outputs.every != outputs_.every;
  outputs_ = outputs;
  if (!exposer_) outputs_.listen.clear();  // not in force: a later reload tries again
  if (file_changed && !outputs.file.empty()) {
    rewrite_ = true;
    if (!writer_.joinable()) writer_ = std::thread([this] { WriterLoop(); });
    cv_.notify_one();
  }
  return result;
}

void MetricsExporter::Stop() {
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    exposer_.reset();
    path = outputs_.file;
    cv_.notify_one();
  }
  if (writer_.joinable()) {
    writer_.join();
    // The final numbers, for a textfile collector that reads it after thrd is gone.
    if (!path.empty()) WriteFile(path);
  }
}

int MetricsExporter::port() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!exposer_) return 0;
  std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

void MetricsExporter::WriterLoop() {
  pthread_setname_np(pthread_self(), "thrd-metrics");
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (!rewrite_ && !outputs_.file.empty()) {
      cv_.wait_for(lock, outputs_.every, [this] { return stopping_ || rewrite_; });
    } else if (outputs_.file.empty()) {
      cv_.wait(lock, [this] { return stopping_ || rewrite_; });
    }
    if (stopping_) break;
    rewrite_ = false;
    if (outputs_.file.empty()) continue;
    const std::string path = outputs_.file;
    lock.unlock();  // a scrape takes every job's lock, and the write an fsync
    WriteFile(path);
    lock.lock();
  }
}

void MetricsExporter::WriteFile(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  Status s = ReplaceFile(dir, path, metrics_.Text());
  if (!s.ok()) {
    if (s.message() != last_error_) spdlog::error("metrics_file: {}", s.message());
    last_error_ = s.message();
  } else if (!last_error_.empty()) {
    spdlog::info("metrics_file: {} written again", path);
    last_error_.clear();
  }
}

}  // namespace thr
