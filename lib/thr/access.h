// Access control, the second gate (docs/security.md "Access control"). The socket file's mode
// and group decide who can connect at all; then each request's command class (read or control)
// is checked against the peer that connected (SO_PEERCRED) and the config's `allow`.
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "thr/config.h"
#include "thr/status.h"

namespace thr {

// Who may run a command. kRead looks (status, show, logs, events, wait, metrics, ping); kControl
// changes jobs or the daemon (pause, resume, stop, kill, start, restart, reload). Control
// implies read.
enum class Access { kRead, kControl };
// "read" or "control".
std::string_view AccessName(Access access);

// The process at the other end of a connection, as the kernel saw it at connect().
struct Peer {
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  pid_t pid = 0;
  std::vector<gid_t> groups;  // supplementary groups (SO_PEERGROUPS); may be empty
};

// The peer of Unix socket `fd`. When the kernel will not say, a peer that no rule matches
// (uid and gid -1), so that a failure refuses rather than lets anyone through; logged.
Peer ReadPeer(int fd);

// thrd's own process (euid, egid, pid): whom a request with no peer (in-process, unit tests)
// is taken for.
Peer SelfPeer();

// Who may do what: root and `self_uid` (thrd's own euid) everything; otherwise the config's
// `allow` lists. Immutable, so connection threads share one freely.
class AccessPolicy {
 public:
  // Nobody but root and thrd's own euid.
  AccessPolicy();
  // `config_path` is named in refusals as the file to change; empty for the embedded default.
  AccessPolicy(Allow allow, std::string config_path, uid_t self_uid);

  // True if `peer` may run a command of class `access`.
  bool Decide(const Peer& peer, Access access) const;
  // The permission_denied status for `peer` refused `command`: says what to ask for.
  Status Refusal(const Peer& peer, std::string_view command, Access access) const;
  // One line for the log: "control: users alice, groups ops; read: groups adm".
  std::string Describe() const;

 private:
  Allow allow_;
  std::string config_path_;
  uid_t self_uid_;
};

// The policy in force: set at start, swapped whole at reload. Thread-safe.
class AccessControl {
 public:
  AccessControl() : policy_(std::make_shared<const AccessPolicy>()) {}
  void Set(std::shared_ptr<const AccessPolicy> policy);
  std::shared_ptr<const AccessPolicy> Get() const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const AccessPolicy> policy_;  // guarded by mu_; never null
};

// The name of `uid` from the user database, or "" when it has none.
std::string UserName(uid_t uid);

// The audit trail: one line per control request at info, one per refusal (any class) at warn:
//   audit: uid=1000(alice) pid=4242 cmd=pause jobs=tick result=ok
// `jobs` comes from the request: its "jobs" (comma-separated, at most 10 named, each a valid
// job name or else JSON-quoted so that no request can forge a log line), "job", "all" for
// "all": true, "-" for none. `result` is "ok" or the error code. Read requests that are
// allowed are not logged. A refusal with `loud` false goes to debug instead of warn.
void Audit(const Peer& peer, std::string_view command, Access access, const nlohmann::json& request,
           const Status& result, bool loud = true);
// The text of that line, without the level.
std::string AuditLine(const Peer& peer, std::string_view peer_name, std::string_view command,
                      const nlohmann::json& request, const Status& result);

}  // namespace thr
