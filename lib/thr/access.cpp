#include "thr/access.h"

#include <pwd.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

// Linux 4.13; older libc headers lack the name.
#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

namespace thr {
namespace {

// An audit line names at most this many jobs, then "+N" for the rest: a request naming 10,000
// jobs must not make a 100 KiB log line.
constexpr size_t kAuditNames = 10;
// A name that is not a valid job name is quoted and cut to this many bytes.
constexpr size_t kAuditNameBytes = 64;

template <typename T>
bool Contains(const std::vector<T>& v, T x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool Matches(const AllowList& list, const Peer& peer) {
  if (Contains(list.uids, peer.uid)) return true;
  for (gid_t gid : list.gids) {
    if (gid == peer.gid || Contains(peer.groups, gid)) return true;
  }
  return false;
}

// "users alice, 1001; groups ops" or "nobody".
std::string DescribeList(const AllowList& list) {
  std::string text;
  auto add = [&text](const char* what, const std::vector<std::string>& names) {
    if (names.empty()) return;
    text += (text.empty() ? "" : "; ") + std::string(what);
    for (size_t i = 0; i < names.size(); ++i) text += (i == 0 ? " " : ", ") + names[i];
  };
  add("users", list.users);
  add("groups", list.groups);
  return text.empty() ? "nobody else" : text;
}

// A job name from a request, safe to put in a log line: as is when it is a valid name, else
// JSON-quoted (newlines and quotes escaped) and cut short.
std::string SafeName(const nlohmann::json& name) {
  if (name.is_string() && IsValidJobName(name.get_ref<const std::string&>())) {
    return name.get<std::string>();
  }
  std::string text = name.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  if (text.size() > kAuditNameBytes) text = text.substr(0, kAuditNameBytes) + "...";
  return text;
}

std::string JobsField(const nlohmann::json& request) {
  if (!request.is_object()) return "-";
  if (auto it = request.find("jobs"); it != request.end() && it->is_array() && !it->empty()) {
    std::string text;
    for (size_t i = 0; i < it->size(); ++i) {
      if (i == kAuditNames) {
        text += ",+" + std::to_string(it->size() - i);
        break;
      }
      text += (i == 0 ? "" : ",") + SafeName((*it)[i]);
    }
    return text;
  }
  if (auto it = request.find("job"); it != request.end()) return SafeName(*it);
  if (auto it = request.find("all"); it != request.end() && *it == true) return "all";
  return "-";
}

}  // namespace

std::string_view AccessName(Access access) {
  return access == Access::kControl ? "control" : "read";
}

Peer ReadPeer(int fd) {
  Peer peer;
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
    spdlog::warn("connection: cannot read the peer's credentials ({}); it may run nothing",
                 std::strerror(errno));
    return peer;
  }
  peer.uid = cred.uid;
  peer.gid = cred.gid;
  peer.pid = cred.pid;
  // The supplementary groups the client had at connect(). On ERANGE the kernel says how much
  // room it needs.
  std::vector<gid_t> groups(64);
  len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
  int rc = ::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len);
  if (rc != 0 && errno == ERANGE) {
    groups.resize(len / sizeof(gid_t));
    rc = ::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len);
  }
  if (rc == 0) {
    groups.resize(len / sizeof(gid_t));
    peer.groups = std::move(groups);
  } else {
    spdlog::debug("connection from pid {}: no supplementary groups ({})", peer.pid,
                  std::strerror(errno));
  }
  return peer;
}

Peer SelfPeer() { return Peer{::geteuid(), ::getegid(), ::getpid(), {}}; }

AccessPolicy::AccessPolicy() : self_uid_(::geteuid()) {}

AccessPolicy::AccessPolicy(Allow allow, std::string config_path, uid_t self_uid)
    : allow_(std::move(allow)), config_path_(std::move(config_path)), self_uid_(self_uid) {}

bool AccessPolicy::Decide(const Peer& peer, Access access) const {
  if (peer.uid == 0 || peer.uid == self_uid_) return true;
  if (Matches(allow_.control, peer)) return true;
  return access == Access::kRead && Matches(allow_.read, peer);
}

Status AccessPolicy::Refusal(const Peer& peer, std::string_view command, Access access) const {
  std::string name = UserName(peer.uid);
  std::string who = name.empty() ? "uid " + std::to_string(peer.uid)
                                 : "user " + name + " (uid " + std::to_string(peer.uid) + ")";
  std::string where = config_path_.empty()
                          ? "thrd's config file (thrd runs its embedded default: start it with -c)"
                          : config_path_;
  return Status::PermissionDenied(
      "permission denied: " + who + " may not run " + std::string(command) + ", which needs " +
      std::string(AccessName(access)) + " access; ask an admin to add " +
      (name.empty() ? "uid " + std::to_string(peer.uid) : name) +
      " or one of its groups to \"allow\": {\"" + std::string(AccessName(access)) + "\": ...} in " +
      where);
}

std::string AccessPolicy::Describe() const {
  std::string self = "root";
  if (self_uid_ != 0) {
    std::string name = UserName(self_uid_);
    self += " and thrd's own user " + (name.empty() ? "" : name + " ") + "(uid " +
            std::to_string(self_uid_) + ")";
  }
  return self + " may do everything; control: " + DescribeList(allow_.control) +
         "; read: " + DescribeList(allow_.read);
}

void AccessControl::Set(std::shared_ptr<const AccessPolicy> policy) {
  if (policy == nullptr) policy = std::make_shared<const AccessPolicy>();
  std::lock_guard<std::mutex> lock(mu_);
  policy_ = std::move(policy);
}

std::shared_ptr<const AccessPolicy> AccessControl::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return policy_;
}

std::string UserName(uid_t uid) {
  if (uid == static_cast<uid_t>(-1)) return "";
  std::vector<char> buf(16384);
  passwd pw{}, *found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) return "";
  return pw.pw_name;
}

std::string AuditLine(const Peer& peer, std::string_view peer_name, std::string_view command,
                      const nlohmann::json& request, const Status& result) {
  std::string uid = peer.uid == static_cast<uid_t>(-1) ? "?" : std::to_string(peer.uid);
  if (!peer_name.empty()) uid += "(" + std::string(peer_name) + ")";
  return "audit: uid=" + uid + " pid=" + std::to_string(peer.pid) + " cmd=" + std::string(command) +
         " jobs=" + JobsField(request) +
         " result=" + std::string(result.ok() ? "ok" : result.code_name());
}

void Audit(const Peer& peer, std::string_view command, Access access, const nlohmann::json& request,
           const Status& result, bool loud) {
  const bool refused = result.code() == Status::Code::kPermissionDenied;
  if (!refused && access != Access::kControl) return;
  if (refused && !loud && !spdlog::should_log(spdlog::level::debug)) return;
  std::string line = AuditLine(peer, UserName(peer.uid), command, request, result);
  if (refused) {
    spdlog::log(loud ? spdlog::level::warn : spdlog::level::debug, "{}", line);
  } else {
    spdlog::info("{}", line);
  }
}

}  // namespace thr
