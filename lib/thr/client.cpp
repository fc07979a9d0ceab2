#include "thr/client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace thr {
namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds left until `deadline`, for poll(); -1 = forever.
int PollTimeout(std::optional<Clock::time_point> deadline) {
  if (!deadline) return -1;
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 1 << 30));
}

std::string Unreachable(const std::string& path, int err) {
  std::string msg = "cannot reach thrd at " + path + ": " + std::strerror(err);
  if (err == ENOENT || err == ECONNREFUSED)
    msg += " (is thrd running? use -s or THRD_SOCKET for another socket)";
  return msg;
}

}  // namespace

Status Client::Connect(const std::string& path, Duration timeout, std::unique_ptr<Client>* out) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return Status::Unavailable("cannot reach thrd at " + path + ": socket path too long");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return Status::Io("socket", errno);

  // Non-blocking so a daemon whose accept backlog is full cannot hang us past `timeout`.
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EAGAIN && errno != EINPROGRESS)
      return Status::Unavailable(Unreachable(path, errno));
    pollfd p{fd.get(), POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n == 0) {
      return Status::Timeout("cannot reach thrd at " + path + ": no answer within " +
                             FormatDuration(timeout));
    }
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Status::Unavailable(Unreachable(path, err));
  }
  out->reset(new Client(path, std::move(fd)));
  return Status::Ok();
}

Status Client::Send(const nlohmann::json& request) {
  std::string line = EncodeLine(request);
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::send(fd_.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd_.get(), POLLOUT, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    if (n < 0)
      return Status::Unavailable("lost connection to thrd at " + path_ + ": " +
                                 std::strerror(errno));
    rest.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status Client::Receive(std::optional<Duration> timeout, nlohmann::json* reply) {
  std::optional<Clock::time_point> deadline;
  if (timeout) deadline = Clock::now() + *timeout;
  std::string line;
  while (reader_.Next(&line) != LineReader::Result::kLine) {
    pollfd p{fd_.get(), POLLIN, 0};
    int n = ::poll(&p, 1, PollTimeout(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      return Status::Timeout("thrd at " + path_ + " did not answer within " +
                             FormatDuration(*timeout));
    }
    char buf[65536];
    ssize_t got = ::read(fd_.get(), buf, sizeof(buf));
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got <= 0) {
      return Status::Unavailable("thrd at " + path_ + " closed the connection" +
                                 (got < 0 ? std::string(": ") + std::strerror(errno) : ""));
    }
    reader_.Feed(std::string_view(buf, static_cast<size_t>(got)));
  }
  *reply = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (reply->is_discarded() || !reply->is_object()) {
    return Status::Internal("thrd at " + path_ + " sent a reply that is not a JSON object");
  }
  return Status::Ok();
}

Status Client::Call(const nlohmann::json& request, std::optional<Duration> timeout,
                    nlohmann::json* reply) {
  if (Status s = Send(request); !s.ok()) return s;
  return Receive(timeout, reply);
}

}  // namespace thr
