#include "thr/fd.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace thr {

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Status SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      // SO_SNDTIMEO ran out with nothing sent: the peer reads nothing.
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return Status::Timeout("send: the peer read nothing in time");
      }
      return Status::Io("send", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace thr
