// File descriptor ownership and the few blocking I/O helpers both binaries share.
#pragma once

#include <string_view>
#include <utility>

#include "thr/status.h"

namespace thr {

// Owns one file descriptor; closes it on destruction. Movable, not copyable.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Writes all of `data` to a socket, retrying on EINTR and short writes; never raises SIGPIPE.
// Timeout when the socket's SO_SNDTIMEO passed with nothing sent.
Status SendAll(int fd, std::string_view data);

}  // namespace thr
