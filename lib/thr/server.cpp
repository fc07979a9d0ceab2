#include "thr/server.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "thr/access.h"
#include "thr/commands/command.h"
#include "thr/identity.h"
#include "thr/protocol.h"

namespace thr {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How long shutdown lets connections finish their last reply.
constexpr std::chrono::seconds kReplyGrace{2};
// A connection waiting for a request re-reads idle_timeout at least this often, so that a value
// lowered by a reload applies without waking idle connections more often than that.
constexpr std::chrono::seconds kIdleRecheck{30};
// While accept fails for want of something thrd cannot free (no spare descriptor, ENOBUFS),
// the accept loop waits before trying again, twice as long each time up to the maximum,
// instead of spinning on a listen socket that stays readable.
constexpr int kMinBackoffMs = 10;
constexpr int kMaxBackoffMs = 1000;

// poll()'s timeout for `d`, rounded up so that a wait never ends just short of a deadline and
// turns into a busy loop.
int PollMs(SteadyClock::duration d) {
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  return static_cast<int>(std::clamp<int64_t>(ms, 0, 1 << 30));
}

// Writes one error line to a connection thrd will not serve, then closes it. Never blocks: the
// new socket's send buffer is empty.
void Refuse(UniqueFd fd, const Status& status) {
  std::string line = EncodeLine(ErrorReply(status));
  (void)!::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

// Sends one line to a connection being served. A client that read nothing for kSendTimeout is
// cut off: its socket is shut down, so that no later write on it waits again.
Status SendLine(int fd, const std::string& line) {
  Status s = SendAll(fd, line);
  if (!s.ok()) {
    if (s.code() == Status::Code::kTimeout) {
      spdlog::warn("connection: the client read nothing for {}s and its buffer is full; cut off",
                   kSendTimeout.count());
    }
    ::shutdown(fd, SHUT_RDWR);
  }
  return s;
}

UniqueFd OpenSpare() { return UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)); }

// "1024" or "unlimited": the soft RLIMIT_NOFILE, for messages.
std::string NofileText() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return "unknown";
  return rl.rlim_cur == RLIM_INFINITY ? "unlimited" : std::to_string(rl.rlim_cur);
}

Status MakeAddress(const std::string& path, sockaddr_un* addr) {
  *addr = {};
  addr->sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr->sun_path)) {
    return Status::Io("socket " + path + ": path longer than " +
                          std::to_string(sizeof(addr->sun_path) - 1) + " bytes",
                      ENAMETOOLONG);
  }
  std::memcpy(addr->sun_path, path.c_str(), path.size() + 1);
  return Status::Ok();
}

// Decides whether an existing file at `path` may be replaced. Only a socket nobody accepts on
// (connect refused) is stale. Like tmux's client_connect, this is racy against a second thrd
// starting at the same instant; the loser's bind() then fails with EADDRINUSE, which is safe.
Status CheckExisting(const std::string& path, const sockaddr_un& addr) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::Io("socket " + path, errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status::Io("socket " + path + ": exists and is not a socket; not replacing it", EEXIST);
  }
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) return Status::Io("socket", errno);
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) {
    return Status::Refused("another thrd is already serving " + path);
  }
  if (errno != ECONNREFUSED)
    return Status::Refused("socket " + path + " is in use: " + std::strerror(errno));
  spdlog::info("replacing stale socket {}", path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Status::Io("unlink " + path, errno);
  return Status::Ok();
}

}  // namespace

Server::~Server() { Shutdown(); }

Status Server::SetAccess(unsigned mode, const std::string& group) {
  // No group given means thrd's own, so that dropping socket_group at reload undoes it.
  gid_t gid = ::getegid();
  if (!group.empty()) {
    Identity identity;
    if (Status s = ResolveIdentity("", group, &identity); !s.ok()) {
      return Status::InvalidConfig("socket " + path_ + ": " + s.message());
    }
    gid = identity.gid;
  }
  // Through a descriptor of the very socket thrd bound, never by path: at a reload the path
  // could meanwhile name a symlink or another file, which root must not chown or chmod.
  UniqueFd file(::open(path_.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!file.valid()) return Status::Io("socket " + path_, errno);
  if (::fstat(file.get(), &st) != 0) return Status::Io("stat " + path_, errno);
  if (!S_ISSOCK(st.st_mode) || st.st_dev != bound_dev_ || st.st_ino != bound_ino_) {
    return Status::Refused("socket " + path_ +
                           " is no longer the socket thrd bound; access left unchanged");
  }
  if (::fchownat(file.get(), "", static_cast<uid_t>(-1), gid, AT_EMPTY_PATH) != 0) {
    return Status::Io("chown " + path_ + " to group " + (group.empty() ? "of thrd" : group), errno);
  }
  // fchmod does not take an O_PATH descriptor; its /proc link names the same inode.
  std::string via_proc = "/proc/self/fd/" + std::to_string(file.get());
  if (::chmod(via_proc.c_str(), mode) != 0) return Status::Io("chmod " + path_, errno);
  return Status::Ok();
}

Status Server::Listen(const std::string& path, unsigned mode, const std::string& group) {
  sockaddr_un addr;
  if (Status s = MakeAddress(path, &addr); !s.ok()) return s;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) return Status::Io("socket directory " + parent.string(), ec.value());
  }
  if (Status s = CheckExisting(path, addr); !s.ok()) return s;

  // Non-blocking: the accept loop never waits in accept() for a client that gave up.
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return Status::Io("socket", errno);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno == EADDRINUSE) return Status::Refused("another thrd is already serving " + path);
    return Status::Io("bind " + path, errno);
  }
  // From here on the file is ours: remove it again on any failure.
  path_ = path;
  struct stat bound;
  if (::lstat(path.c_str(), &bound) != 0) {
    Status s = Status::Io("stat " + path, errno);
    ::unlink(path.c_str());
    path_.clear();
    return s;
  }
  bound_dev_ = bound.st_dev;
  bound_ino_ = bound.st_ino;
  Status s = SetAccess(mode, group);
  // The kernel's maximum backlog, not 128: a burst of clients (a fleet script, a monitoring
  // wave) waits in the queue instead of failing connect() with EAGAIN while thrd accepts.
  if (s.ok() && ::listen(fd.get(), SOMAXCONN) != 0) s = Status::Io("listen " + path, errno);
  if (!s.ok()) {
    ::unlink(path.c_str());
    path_.clear();
    return s;
  }
  wake_fd_ = UniqueFd(::eventfd(0, EFD_CLOEXEC));
  if (!wake_fd_.valid()) {
    s = Status::Io("eventfd", errno);
    ::unlink(path.c_str());
    path_.clear();
    return s;
  }
  listen_fd_ = std::move(fd);
  return Status::Ok();
}

void Server::SetLimits(size_t max_connections, Duration idle_timeout) {
  max_connections_ = std::max<size_t>(max_connections, 1);
  idle_timeout_ms_ = std::max<int64_t>(idle_timeout.count(), 1);
}

void CheckNofileBudget(size_t max_connections, size_t exec_jobs) {
  // Each connection holds one descriptor; an exec job's run a few (its pipes, pidfd and wake
  // eventfd); thrd itself a few dozen (socket, spare, logs, state files).
  const uint64_t need = max_connections + 4 * static_cast<uint64_t>(exec_jobs) + 64;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return;
  if (rl.rlim_cur < need) {
    spdlog::warn(
        "the open-files limit ({}) is below what max_connections {} and {} exec job(s) may "
        "need (about {}); raise LimitNOFILE, or past it clients get \"thrd is out of file "
        "descriptors\"",
        rl.rlim_cur, max_connections, exec_jobs, need);
  }
}

size_t Server::active_connections() {
  std::lock_guard<std::mutex> lock(mu_);
  return active_;
}

void Server::Serve() {
  spare_fd_ = OpenSpare();
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

void Server::AcceptLoop() {
  pthread_setname_np(pthread_self(), "thrd-accept");
  int backoff_ms = 0;  // > 0: accept failed for want of resources; wait this long first
  while (true) {
    // While backing off, only the wake eventfd is watched, with a timeout.
    pollfd fds[2] = {{wake_fd_.get(), POLLIN, 0}, {listen_fd_.get(), POLLIN, 0}};
    if (::poll(fds, backoff_ms > 0 ? 1 : 2, backoff_ms > 0 ? backoff_ms : -1) < 0) {
      if (errno == EINTR) continue;
      // ENOMEM, the only error a valid call can meet: thrd must not stop accepting for good.
      // poll itself fails, so the wait cannot be a poll timeout; shutdown waits at most this.
      spdlog::error("accept loop: poll: {}; retrying in 1s", std::strerror(errno));
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    if (fds[0].revents != 0) return;
    int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      backoff_ms = 0;
      if (accept_failures_ > 0) {
        spdlog::info("accept: works again; {} connection(s) refused meanwhile", refused_no_fds_);
        accept_failures_ = 0;
        refused_no_fds_ = 0;
      }
      if (!spare_fd_.valid()) spare_fd_ = OpenSpare();
      Admit(UniqueFd(fd));
      continue;
    }
    const int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      backoff_ms = 0;  // nobody waits (any more): block in poll again
      continue;
    }
    if (err == EINTR || err == ECONNABORTED) continue;
    // Out of descriptors (EMFILE: thrd's limit; ENFILE: the system's) or kernel memory. Said
    // once per episode; its end is logged at the next accept that works.
    const bool out_of_fds = err == EMFILE || err == ENFILE;
    if (accept_failures_++ == 0) {
      if (out_of_fds) {
        spdlog::warn(
            "accept: {} (open-files limit {}); refusing new connections with \"thrd is out of "
            "file descriptors\" until some close",
            std::strerror(err), NofileText());
      } else {
        spdlog::warn("accept: {}; retrying, at most once a second, until it works",
                     std::strerror(err));
      }
    }
    if (out_of_fds && RefuseWithSpare()) {
      backoff_ms = 0;
      continue;
    }
    backoff_ms = backoff_ms == 0 ? kMinBackoffMs : std::min(backoff_ms * 2, kMaxBackoffMs);
  }
}

bool Server::RefuseWithSpare() {
  if (!spare_fd_.valid()) return false;
  spare_fd_.Reset();
  UniqueFd fd(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  const int err = errno;
  const bool accepted = fd.valid();
  if (accepted) {
    ++refused_no_fds_;
    Refuse(std::move(fd), Status::Busy("thrd is out of file descriptors; try again later"));
  }
  spare_fd_ = OpenSpare();
  return accepted || err == EAGAIN || err == EWOULDBLOCK || err == ECONNABORTED;
}

void Server::Admit(UniqueFd fd) {
  std::lock_guard<std::mutex> lock(mu_);
  ReapDoneLocked();
  if (shutting_down_) return;
  const size_t cap = max_connections_;
  // Root and thrd's own user get a few places past the cap, so that clients who may do
  // nothing cannot lock the operator out by holding every connection.
  Peer peer = ReadPeer(fd.get());
  const bool privileged = peer.uid == 0 || peer.uid == ::geteuid();
  if (active_ >= cap + (privileged ? kPrivilegedReserve : 0)) {
    if (refused_at_cap_++ == 0) {
      spdlog::warn("connections: {} open (max_connections); refusing new ones until some close",
                   active_);
    }
    Refuse(std::move(fd), Status::Busy("too many connections (" + std::to_string(cap) +
                                       ", max_connections); try again later"));
    return;
  }
  if (refused_at_cap_ > 0) {
    spdlog::info("connections: below max_connections again; {} refused meanwhile", refused_at_cap_);
    refused_at_cap_ = 0;
  }
  Connection& conn = connections_.emplace_back();
  conn.fd = std::move(fd);
  conn.peer = std::move(peer);
  ++active_;  // the thread cannot end before this: ending takes mu_
  try {
    conn.thread = std::thread([this, c = &conn] { ServeConnection(c); });
  } catch (const std::system_error& e) {
    --active_;
    spdlog::warn("connection: cannot start a thread: {}", e.what());
    Refuse(std::move(conn.fd), Status::Busy(std::string("thrd cannot start a thread for this "
                                                        "connection; try again later: ") +
                                            e.what()));
    connections_.pop_back();
  }
}

void Server::ReapDoneLocked() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->done) {
      it->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void Server::ServeConnection(Connection* conn) {
  pthread_setname_np(pthread_self(), "thrd-conn");
  const int fd = conn->fd.get();
  // A reply or stream line the client does not take within kSendTimeout cuts it off
  // (SendLine), so a client that stops reading holds one thread and nothing else.
  timeval send_timeout{static_cast<time_t>(kSendTimeout.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
  CommandContext ctx = ctx_;
  ctx.peer = conn->peer;
  // Only a peer that may at least look keeps its connection open by talking: one allowed
  // nothing is closed by the idle timeout however much it sends (refusals, blank lines).
  auto may_read = [this, &ctx] { return access_.Get()->Decide(*ctx.peer, Access::kRead); };
  ctx.client_gone = [fd] {
    pollfd p{fd, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  };
  ctx.push = [fd](const nlohmann::json& line) { return SendLine(fd, EncodeLine(line)); };
  LineReader reader;
  char buf[16384];
  bool open = true;
  // The idle clock: the last byte received or the last reply sent. A request being handled
  // (a stop, a wait, a stream) is not idle, however long it takes.
  auto last_activity = SteadyClock::now();
  while (open) {
    const Duration idle{idle_timeout_ms_.load()};
    const auto left = last_activity + idle - SteadyClock::now();
    if (left <= SteadyClock::duration::zero()) {
      spdlog::debug("connection: idle for {}; closing", FormatDuration(idle));
      SendLine(fd, EncodeLine(ErrorReply(
                       Status::Timeout("idle for " + FormatDuration(idle) + "; closing"))));
      break;
    }
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, PollMs(std::min<SteadyClock::duration>(left, kIdleRecheck)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;  // EINTR, or time to look at the idle clock
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF between messages is not an error
    if (may_read()) last_activity = SteadyClock::now();
    // The reader holds at most kMaxLineBytes plus this one chunk: an over-long line is
    // refused as soon as it passes the limit, however much more the client sends.
    reader.Feed(std::string_view(buf, static_cast<size_t>(n)));
    std::string line;
    while (open) {
      LineReader::Result r = reader.Next(&line);
      if (r == LineReader::Result::kNeedMore) break;
      if (r == LineReader::Result::kTooLong) {
        SendLine(fd,
                 EncodeLine(ErrorReply(Status::TooLarge(
                     "request line over " + std::to_string(kMaxLineBytes) + " bytes; closing"))));
        open = false;
        break;
      }
      if (line.empty()) continue;  // blank lines are keep-alives, not requests
      if (!SendLine(fd, EncodeLine(Dispatch(ctx, line))).ok()) open = false;
      if (may_read()) last_activity = SteadyClock::now();
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  // Closed here, not when the thread is reaped at some later accept: while thrd is out of
  // descriptors, a closed connection must give its descriptor back at once.
  conn->fd.Reset();
  conn->done = true;
  --active_;
  done_cv_.notify_all();
}

void Server::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_) return;
    shutting_down_ = true;
  }
  if (accept_thread_.joinable()) {
    uint64_t one = 1;
    (void)!::write(wake_fd_.get(), &one, sizeof(one));
    accept_thread_.join();
  }
  {
    // Wake connection threads blocked in read(), but let one inside a handler (a stream
    // ending at shutdown, a stop) still send its reply; then, after a grace, cut off whoever
    // is left, such as a stream blocked writing to a client that does not read.
    std::unique_lock<std::mutex> lock(mu_);
    for (Connection& conn : connections_) {
      if (!conn.done) ::shutdown(conn.fd.get(), SHUT_RD);
    }
    done_cv_.wait_for(lock, kReplyGrace, [this] {
      for (const Connection& conn : connections_) {
        if (!conn.done) return false;
      }
      return true;
    });
    for (Connection& conn : connections_) {
      if (!conn.done) ::shutdown(conn.fd.get(), SHUT_RDWR);
    }
  }
  for (Connection& conn : connections_) conn.thread.join();
  connections_.clear();
  if (listen_fd_.valid()) {
    listen_fd_.Reset();
    if (!path_.empty()) ::unlink(path_.c_str());
  }
}

}  // namespace thr
