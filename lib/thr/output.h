// Echo of job output to thrd's stdout, "name: line" or a JSON object (log.h). A writer thread
// drains a bounded queue, so a blocked stdout (a stuck pipe, a paused terminal) never stalls a
// job: past the bound, lines are dropped from the echo (never from the job's log ring) and
// counted.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "thr/log.h"

namespace thr {

class OutputEcho {
 public:
  static constexpr size_t kDefaultMaxQueued = 10000;

  // Writes to `fd` (normally 1) in `format`. `max_queued` lines may wait before dropping starts.
  explicit OutputEcho(int fd = 1, size_t max_queued = kDefaultMaxQueued,
                      LogFormat format = LogFormat::kText);
  ~OutputEcho();  // writes what is queued, then stops
  OutputEcho(const OutputEcho&) = delete;
  OutputEcho& operator=(const OutputEcho&) = delete;

  void Write(std::string_view job, std::string_view line);
  uint64_t dropped() const;

 private:
  void Drain();

  const int fd_;
  const size_t max_queued_;
  const LogFormat format_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  uint64_t dropped_ = 0;           // guarded by mu_
  uint64_t reported_ = 0;          // guarded by mu_: drops already logged
  bool closing_ = false;           // guarded by mu_
  std::thread writer_;
};

}  // namespace thr
