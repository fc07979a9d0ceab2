// A job's most recent output lines, for `thrctl logs`. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace thr {

class LogRing {
 public:
  explicit LogRing(size_t capacity) : capacity_(capacity) {}

  void Append(std::string line);
  // Takes over `older`'s lines (as many as fit) and count: a job replaced by reload keeps
  // its output history.
  void Inherit(const LogRing& older);
  // The last `n` lines (all when fewer), oldest first.
  std::vector<std::string> Tail(size_t n) const;
  // Lines appended since the start, kept or not.
  uint64_t total() const;

  // For `logs -f`: the lines appended after the first `from` (a total() value), waiting until
  // there is one, the deadline passes, or Close(). `*next` is the position after them and
  // `*dropped` how many between `from` and the oldest kept line were lost to the ring's size.
  enum class Follow { kLines, kTimeout, kClosed };
  Follow Wait(uint64_t from, std::chrono::steady_clock::time_point deadline,
              std::vector<std::string>* lines, uint64_t* next, uint64_t* dropped) const;
  // The job behind it ended for good (reload, shutdown): followers get kClosed.
  void Close();

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<std::string> lines_;  // guarded by mu_
  uint64_t total_ = 0;             // guarded by mu_
  bool closed_ = false;            // guarded by mu_
  mutable std::condition_variable cv_;
};

}  // namespace thr
