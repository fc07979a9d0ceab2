// A job's most recent output lines, for `thrctl logs`. Thread-safe.
#pragma once

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

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<std::string> lines_;  // guarded by mu_
  uint64_t total_ = 0;             // guarded by mu_
};

}  // namespace thr
