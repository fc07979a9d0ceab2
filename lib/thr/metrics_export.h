// Where the metrics text goes besides `thrctl metrics`: an HTTP listener serving /metrics
// (prometheus-cpp's Exposer, `metrics_listen`) and a file replaced whole every
// `metrics_every` (`metrics_file`, for node_exporter's textfile collector).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "thr/config.h"
#include "thr/duration.h"
#include "thr/status.h"

namespace prometheus {
class Exposer;
class Collectable;
}  // namespace prometheus

namespace thr {

class Metrics;

// The config's three metrics keys. Empty strings: off.
struct MetricsOutputs {
  std::string listen;  // "127.0.0.1:9464", "[::1]:9464"
  std::string file;    // absolute path
  Duration every{15'000};

  bool operator==(const MetricsOutputs&) const = default;
};

inline MetricsOutputs MetricsOutputsOf(const Config& config) {
  return {config.metrics_listen, config.metrics_file, config.metrics_every};
}

// Thread-safe. Owns the listener's threads (civetweb's) and one writer thread ("thrd-metrics")
// that sleeps on a condition variable between writes, so Stop ends it at once.
class MetricsExporter {
 public:
  explicit MetricsExporter(Metrics& metrics);
  ~MetricsExporter();  // Stop()
  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;

  // Makes the outputs match `outputs`, at start and at every reload. A changed listen address
  // closes the old listener and binds the new one; a failure to bind (the port is taken) is
  // returned, and thrd goes on without a listener. A new file or interval takes effect at
  // once, with a write now.
  Status Apply(const MetricsOutputs& outputs);
  // Closes the listener, ends the writer and writes the file a last time.
  void Stop();
  // The bound TCP port, 0 when not listening (tests).
  int port();

 private:
  void WriterLoop();
  void WriteFile(const std::string& path);

  Metrics& metrics_;
  std::shared_ptr<prometheus::Collectable> collectable_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<prometheus::Exposer> exposer_;  // guarded by mu_
  MetricsOutputs outputs_;                        // guarded by mu_
  bool rewrite_ = false;                          // guarded by mu_: write now
  bool stopping_ = false;                         // guarded by mu_
  std::string last_error_;  // writer thread only: logged once until the writes succeed again
  std::thread writer_;
};

}  // namespace thr
