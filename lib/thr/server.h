// The control socket: listen, accept, one thread per connection, each handing its request lines
// to Dispatch() (dispatch.h) and enforcing the limits (docs/protocol.md "Limits").
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>

#include "thr/access.h"
#include "thr/commands/command.h"
#include "thr/dispatch.h"
#include "thr/duration.h"
#include "thr/fd.h"
#include "thr/status.h"

namespace thr {

class Supervisor;

// A reply or stream line that cannot be written for this long (the client stopped reading and
// the kernel's buffer is full) cuts the connection off (SO_SNDTIMEO).
inline constexpr std::chrono::seconds kSendTimeout{10};

// Connections past max_connections that only root and thrd's own user may open, so that clients
// allowed nothing cannot lock the operator out by holding every place.
inline constexpr size_t kPrivilegedReserve = 8;

// Warns (log) when the soft RLIMIT_NOFILE is below what `max_connections` connections and
// `exec_jobs` exec jobs, all running at once, may need.
void CheckNofileBudget(size_t max_connections, size_t exec_jobs);

// Thread-safe. Connections are served concurrently, so a stop waiting on one never delays
// status or ping on another.
class Server {
 public:
  explicit Server(Supervisor& sup) : ctx_{sup} { ctx_.access = &access_; }
  ~Server();  // Shutdown()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds `path`: creates a missing parent directory, refuses when a live thrd serves it (the
  // message names the path), replaces a stale socket file, and sets its access (SetAccess)
  // before anyone can connect.
  Status Listen(const std::string& path, unsigned mode = 0660, const std::string& group = "");
  // The socket file's permission bits and group (a name or gid; empty: thrd's own). The file's
  // permissions are the first gate: who cannot open it cannot talk to thrd at all.
  Status SetAccess(unsigned mode, const std::string& group);
  // The access policy (access.h) for every request from now on, on every connection. Until
  // the first call: nobody but root and thrd's own user.
  void SetAccessPolicy(std::shared_ptr<const AccessPolicy> policy) {
    access_.Set(std::move(policy));
  }
  // Before Serve(): lets `reload` through.
  void SetReloader(Reloader* reloader) { ctx_.reloader = reloader; }
  // Before Serve(): lets `metrics` through and counts every request.
  void SetMetrics(Metrics* metrics) { ctx_.metrics = metrics; }
  // The config's max_connections and idle_timeout (docs/protocol.md "Limits"). Any time, from
  // any thread: a lower cap refuses only new connections; a new idle timeout applies to a
  // waiting connection within kIdleRecheck.
  void SetLimits(size_t max_connections, Duration idle_timeout);
  // Open connections being served (not counting those refused). For tests.
  size_t active_connections();
  // Starts the accept thread.
  void Serve();
  // Stops accepting, closes every connection, joins their threads, removes the socket file.
  void Shutdown();

 private:
  struct Connection {
    UniqueFd fd;
    Peer peer;  // read once, at accept
    std::thread thread;
    bool done = false;  // guarded by mu_
  };
  void AcceptLoop();
  // Takes `fd` on: a thread of its own, or a busy error line and a close past the cap.
  void Admit(UniqueFd fd);
  // EMFILE/ENFILE from accept: refuses one waiting client through the spare descriptor.
  // Returns false when even that failed, so the caller backs off.
  bool RefuseWithSpare();
  void ServeConnection(Connection* conn);
  void ReapDoneLocked();

  AccessControl access_;
  CommandContext ctx_;
  std::string path_;
  dev_t bound_dev_ = 0;  // the socket file bind() made, so that SetAccess touches only it
  ino_t bound_ino_ = 0;
  UniqueFd listen_fd_;
  UniqueFd wake_fd_;  // eventfd: wakes the accept loop for shutdown
  std::thread accept_thread_;
  std::mutex mu_;
  std::condition_variable done_cv_;    // a connection became done
  std::list<Connection> connections_;  // guarded by mu_
  size_t active_ = 0;                  // guarded by mu_: connections not yet done
  bool shutting_down_ = false;         // guarded by mu_
  std::atomic<size_t> max_connections_{1024};
  std::atomic<int64_t> idle_timeout_ms_{5 * 60'000};
  // Accept thread only: an open /dev/null given up on EMFILE so that one waiting client can
  // be accepted and told why it is refused (the reserve-descriptor trick), and the state of
  // the current episode of refusals, logged once when it starts and once when it ends.
  UniqueFd spare_fd_;
  size_t refused_at_cap_ = 0;   // guarded by mu_
  size_t accept_failures_ = 0;  // accept thread only: failed accepts this episode
  size_t refused_no_fds_ = 0;   // accept thread only: clients refused through the spare
};

}  // namespace thr
