#include "thr/output.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace thr {

OutputEcho::OutputEcho(int fd, size_t max_queued, LogFormat format)
    : fd_(fd), max_queued_(max_queued), format_(format) {
  writer_ = std::thread([this] { Drain(); });
}

OutputEcho::~OutputEcho() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_one();
  writer_.join();
}

void OutputEcho::Write(std::string_view job, std::string_view line) {
  // The time is taken here, on the job's thread, when the line was read.
  std::string text =
      FormatOutputLine(format_,
                       format_ == LogFormat::kJson ? std::chrono::system_clock::now()
                                                   : std::chrono::system_clock::time_point(),
                       job, line);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= max_queued_) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(text));
  }
  cv_.notify_one();
}

uint64_t OutputEcho::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void OutputEcho::Drain() {
  pthread_setname_np(pthread_self(), "thrd-output");
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing, all written
    std::string batch;
    while (!queue_.empty() && batch.size() < 65536) {
      batch += queue_.front();
      queue_.pop_front();
    }
    lock.unlock();
    std::string_view rest = batch;
    while (!rest.empty()) {
      ssize_t n = ::write(fd_, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // stdout gone: nowhere to echo, the ring still has the lines
      rest.remove_prefix(static_cast<size_t>(n));
    }
    lock.lock();
    if (dropped_ > reported_) {
      spdlog::warn("stdout echo could not keep up: {} line(s) dropped so far (job logs keep them)",
                   dropped_);
      reported_ = dropped_;
    }
  }
}

}  // namespace thr
