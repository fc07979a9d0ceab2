#include "thr/server.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "thr/access.h"
#include "thr/commands/command.h"
#include "thr/identity.h"
#include "thr/protocol.h"

namespace thr {
namespace {

// How long shutdown lets connections finish their last reply.
constexpr std::chrono::seconds kReplyGrace{2};

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

nlohmann::json Dispatch(Supervisor& sup, std::string_view line) {
  CommandContext ctx{sup};
  return Dispatch(ctx, line);
}

nlohmann::json Dispatch(CommandContext& ctx, std::string_view line) {
  Request req;
  if (Status s = DecodeRequest(line, &req); !s.ok()) return ErrorReply(s);
  nlohmann::json id = req.body.contains("id") ? req.body["id"] : nlohmann::json();
  auto with_id = [&id](nlohmann::json reply) {
    if (!id.is_null()) reply["id"] = id;
    return reply;
  };
  const CommandDef* def = FindCommand(req.cmd);
  if (def == nullptr) return with_id(ErrorReply(Status::UnknownCommand(req.cmd)));
  spdlog::debug("dispatch {}", def->name);
  // The access check: here, once, before any handler runs.
  const Peer peer = ctx.peer ? *ctx.peer : SelfPeer();
  std::shared_ptr<const AccessPolicy> policy =
      ctx.access != nullptr ? ctx.access->Get() : std::make_shared<const AccessPolicy>();
  if (!policy->Decide(peer, def->access)) {
    Status refusal = policy->Refusal(peer, def->name, def->access);
    Audit(peer, def->name, def->access, req.body, refusal);
    return with_id(ErrorReply(refusal));
  }
  policy.reset();  // checked; a stream must not keep a policy a reload has replaced
  Status s;
  nlohmann::json reply;
  try {
    nlohmann::json result = nlohmann::json::object();
    s = def->handle(ctx, req.body, &result);
    reply = s.ok() ? OkReply(std::move(result)) : ErrorReply(s, std::move(result));
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", def->name, e.what());
    s = Status::Internal(e.what());
    reply = ErrorReply(s);
  }
  Audit(peer, def->name, def->access, req.body, s);
  return with_id(std::move(reply));
}

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

  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
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
  if (s.ok() && ::listen(fd.get(), 128) != 0) s = Status::Io("listen " + path, errno);
  if (!s.ok()) {
    ::unlink(path.c_str());
    path_.clear();
    return s;
  }
  wake_fd_ = UniqueFd(::eventfd(0, EFD_CLOEXEC));
  if (!wake_fd_.valid()) return Status::Io("eventfd", errno);
  listen_fd_ = std::move(fd);
  return Status::Ok();
}

void Server::Serve() {
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

void Server::AcceptLoop() {
  pthread_setname_np(pthread_self(), "thrd-accept");
  while (true) {
    pollfd fds[2] = {{listen_fd_.get(), POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("poll: {}", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      // EMFILE and friends: log and go on; the client sees its connect time out or fail.
      if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
        spdlog::warn("accept: {}", std::strerror(errno));
      }
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    ReapDoneLocked();
    if (shutting_down_) {
      ::close(fd);
      return;
    }
    Connection& conn = connections_.emplace_back();
    conn.fd = UniqueFd(fd);
    conn.thread = std::thread([this, c = &conn] { ServeConnection(c); });
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
  CommandContext ctx = ctx_;
  ctx.peer = ReadPeer(fd);
  ctx.client_gone = [fd] {
    pollfd p{fd, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  };
  ctx.push = [fd](const nlohmann::json& line) { return SendAll(fd, EncodeLine(line)); };
  LineReader reader;
  char buf[16384];
  bool open = true;
  while (open) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF between messages is not an error
    reader.Feed(std::string_view(buf, static_cast<size_t>(n)));
    std::string line;
    while (open) {
      LineReader::Result r = reader.Next(&line);
      if (r == LineReader::Result::kNeedMore) break;
      if (r == LineReader::Result::kTooLong) {
        SendAll(fd,
                EncodeLine(ErrorReply(Status::TooLarge(
                    "request line over " + std::to_string(kMaxLineBytes) + " bytes; closing"))));
        open = false;
        break;
      }
      if (line.empty()) continue;  // blank lines are keep-alives, not requests
      if (!SendAll(fd, EncodeLine(Dispatch(ctx, line))).ok()) open = false;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  ::shutdown(fd, SHUT_RDWR);
  conn->done = true;
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
