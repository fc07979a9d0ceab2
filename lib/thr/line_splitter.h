// Cuts a byte stream (a run's stdout or stderr) into lines. A line longer than the limit is
// emitted in pieces, each but the last ending in kContinuedMark; an unterminated last line is
// emitted by Finish(). Not thread-safe: one per stream.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace thr {

inline constexpr size_t kMaxOutputLine = 64 * 1024;
inline constexpr std::string_view kContinuedMark = " [continued]";

class LineSplitter {
 public:
  explicit LineSplitter(std::function<void(std::string_view)> emit,
                        size_t max_line = kMaxOutputLine)
      : emit_(std::move(emit)), max_line_(max_line) {}

  void Feed(std::string_view data);
  void Finish();

 private:
  std::function<void(std::string_view)> emit_;
  size_t max_line_;
  std::string partial_;
};

}  // namespace thr
