// Access control (access.h): who may read or control thrd, the refusal's words, the peer read
// off a socket, and the audit line.
#include "thr/access.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"
#include "thr/fd.h"

namespace thr {
namespace {

// Ids no test machine gives to anyone in particular.
constexpr uid_t kSelf = 3'990'000;
constexpr uid_t kAlice = 3'990'001, kBob = 3'990'002, kCarol = 3'990'003;
constexpr gid_t kOps = 3'990'101, kAdm = 3'990'102, kOther = 3'990'103;

Peer PeerOf(uid_t uid, gid_t gid, std::vector<gid_t> groups = {}) {
  return Peer{uid, gid, 4242, std::move(groups)};
}

// control: user alice and group ops; read: user bob and group adm.
AccessPolicy Policy() {
  Allow allow;
  allow.control.users = {"alice"};
  allow.control.uids = {kAlice};
  allow.control.groups = {"ops"};
  allow.control.gids = {kOps};
  allow.read.users = {"bob"};
  allow.read.uids = {kBob};
  allow.read.groups = {"adm"};
  allow.read.gids = {kAdm};
  return AccessPolicy(allow, "/etc/thrd/thrd.json", kSelf);
}

struct Case {
  const char* who;
  Peer peer;
  bool read;
  bool control;
};

TEST_CASE("Access: who may read and who may control, cell by cell") {
  const AccessPolicy policy = Policy();
  const Case cases[] = {
      {"root, listed nowhere", PeerOf(0, 0), true, true},
      {"thrd's own user, listed nowhere", PeerOf(kSelf, kOther), true, true},
      {"a user listed under control", PeerOf(kAlice, kOther), true, true},
      {"a user listed under read", PeerOf(kBob, kOther), true, false},
      {"the control group as primary gid", PeerOf(kCarol, kOps), true, true},
      {"the control group as a supplementary gid", PeerOf(kCarol, kOther, {kOther, kOps}), true,
       true},
      {"the read group as primary gid", PeerOf(kCarol, kAdm), true, false},
      {"the read group as a supplementary gid", PeerOf(kCarol, kOther, {kAdm}), true, false},
      {"a read user in the control group", PeerOf(kBob, kOther, {kOps}), true, true},
      {"nobody listed", PeerOf(kCarol, kOther, {kOther}), false, false},
      {"a peer the kernel would not name", Peer{}, false, false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.who);
    CHECK(policy.Decide(c.peer, Access::kRead) == c.read);
    CHECK(policy.Decide(c.peer, Access::kControl) == c.control);
  }
}

TEST_CASE("Access: with no allow, only root and thrd's own user") {
  const AccessPolicy policy(Allow{}, "", kSelf);
  for (Access access : {Access::kRead, Access::kControl}) {
    CAPTURE(AccessName(access));
    CHECK(policy.Decide(PeerOf(0, 0), access));
    CHECK(policy.Decide(PeerOf(kSelf, kSelf), access));
    CHECK_FALSE(policy.Decide(PeerOf(kAlice, kOps, {kOps}), access));
  }
  SUBCASE("the default policy takes thrd's euid for its own") {
    const AccessPolicy fallback;
    CHECK(fallback.Decide(SelfPeer(), Access::kControl));
  }
}

TEST_CASE("Access: a refusal says who, what, which class and what to ask for") {
  const AccessPolicy policy = Policy();
  SUBCASE("control, for a uid with no name") {
    Status s = policy.Refusal(PeerOf(kCarol, kOther), "pause", Access::kControl);
    CHECK(s.code() == Status::Code::kPermissionDenied);
    CHECK(s.message() ==
          "permission denied: uid 3990003 may not run pause, which needs control access; ask an "
          "admin to add uid 3990003 or one of its groups to \"allow\": {\"control\": ...} in "
          "/etc/thrd/thrd.json");
  }
  SUBCASE("read, for root's name (any named user reads the same)") {
    Status s = policy.Refusal(PeerOf(0, 0), "status", Access::kRead);
    CHECK(s.message() ==
          "permission denied: user root (uid 0) may not run status, which needs read access; ask "
          "an admin to add root or one of its groups to \"allow\": {\"read\": ...} in "
          "/etc/thrd/thrd.json");
  }
  SUBCASE("thrd on its embedded default has no file to name") {
    Status s =
        AccessPolicy(Allow{}, "", kSelf).Refusal(PeerOf(kCarol, 1), "stop", Access::kControl);
    CHECK(s.message().find("embedded default") != std::string::npos);
  }
}

TEST_CASE("Access: Describe lists the allow lists for the log") {
  CHECK(Policy().Describe() ==
        "root and thrd's own user (uid 3990000) may do everything; control: users alice; groups "
        "ops; read: users bob; groups adm");
  CHECK(AccessPolicy(Allow{}, "", 0).Describe() ==
        "root may do everything; control: nobody else; read: nobody else");
}

TEST_CASE("Access: AccessControl swaps the policy whole, safely across threads") {
  AccessControl control;
  CHECK_FALSE(control.Get()->Decide(PeerOf(kAlice, kOther), Access::kRead));
  std::thread reader([&control] {
    for (int i = 0; i < 1000; ++i) (void)control.Get()->Decide(PeerOf(kAlice, 1), Access::kRead);
  });
  control.Set(std::make_shared<const AccessPolicy>(Policy()));
  reader.join();
  CHECK(control.Get()->Decide(PeerOf(kAlice, kOther), Access::kControl));
  control.Set(nullptr);  // back to nobody but root and thrd
  CHECK_FALSE(control.Get()->Decide(PeerOf(kAlice, kOther), Access::kRead));
}

TEST_CASE("Access: ReadPeer reads the uid, gid, pid and groups of the process at the other end") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  UniqueFd a(fds[0]), b(fds[1]);
  Peer peer = ReadPeer(a.get());
  CHECK(peer.uid == ::geteuid());
  CHECK(peer.gid == ::getegid());
  CHECK(peer.pid == ::getpid());
  std::vector<gid_t> mine(static_cast<size_t>(::getgroups(0, nullptr)));
  mine.resize(static_cast<size_t>(::getgroups(static_cast<int>(mine.size()), mine.data())));
  std::sort(mine.begin(), mine.end());
  std::sort(peer.groups.begin(), peer.groups.end());
  CHECK(peer.groups == mine);
  SUBCASE("not a socket: a peer no rule matches") {
    test::QuietLogs quiet;
    test::Pipe pipe;
    Peer none = ReadPeer(pipe.read_end.get());
    CHECK(none.uid == static_cast<uid_t>(-1));
    CHECK_FALSE(AccessPolicy(Allow{}, "", kSelf).Decide(none, Access::kRead));
  }
}

TEST_CASE("Access: the audit line names uid, pid, command, jobs and result") {
  const Peer alice = PeerOf(1000, 1000);
  auto line = [&alice](const nlohmann::json& request, const Status& result = Status::Ok()) {
    return AuditLine(alice, "alice", "pause", request, result);
  };
  CHECK(line({{"cmd", "pause"}, {"jobs", {"tick"}}}) ==
        "audit: uid=1000(alice) pid=4242 cmd=pause jobs=tick result=ok");
  CHECK(line({{"cmd", "pause"}, {"jobs", {"a", "b"}}}, Status::UnknownJob("b")) ==
        "audit: uid=1000(alice) pid=4242 cmd=pause jobs=a,b result=unknown_job");
  CHECK(line({{"cmd", "pause"}, {"all", true}}) ==
        "audit: uid=1000(alice) pid=4242 cmd=pause jobs=all result=ok");
  CHECK(line({{"cmd", "reload"}}, Status::PermissionDenied("no")) ==
        "audit: uid=1000(alice) pid=4242 cmd=pause jobs=- result=permission_denied");
  CHECK(line({{"cmd", "logs"}, {"job", "tick"}}).find(" jobs=tick ") != std::string::npos);
  CHECK(AuditLine(PeerOf(4003, 1), "", "stop", {{"all", true}}, Status::Ok()) ==
        "audit: uid=4003 pid=4242 cmd=stop jobs=all result=ok");
  SUBCASE("a request cannot forge a log line or make a huge one") {
    std::string forged = line({{"jobs", {"x\naudit: uid=0(root) pid=1 cmd=stop", "ok"}}});
    CHECK(forged.find('\n') == std::string::npos);
    CHECK(forged.find(R"(jobs="x\naudit: uid=0(root) pid=1 cmd=stop",ok )") != std::string::npos);
    nlohmann::json many = nlohmann::json::array();
    for (int i = 0; i < 1000; ++i) many.push_back("job" + std::to_string(i));
    std::string capped = line({{"jobs", many}});
    CHECK(capped.find("jobs=job0,job1,job2,job3,job4,job5,job6,job7,job8,job9,+990 ") !=
          std::string::npos);
    std::string longname = line({{"jobs", {std::string(100'000, 'x')}}});
    CHECK(longname.size() < 200);
  }
}

TEST_CASE("Access: Audit logs control at info, refusals of any class at warn, reads not at all") {
  test::CaptureLogs logs;
  const Peer peer = PeerOf(0, 0);
  nlohmann::json request = {{"cmd", "x"}, {"jobs", {"tick"}}};
  Audit(peer, "status", Access::kRead, request, Status::Ok());
  CHECK(logs.text().empty());
  Audit(peer, "pause", Access::kControl, request, Status::Ok());
  Audit(peer, "stop", Access::kControl, request, Status::UnknownJob("tick"));
  Audit(peer, "status", Access::kRead, request, Status::PermissionDenied("no"));
  CHECK(logs.text() ==
        "info audit: uid=0(root) pid=4242 cmd=pause jobs=tick result=ok\n"
        "info audit: uid=0(root) pid=4242 cmd=stop jobs=tick result=unknown_job\n"
        "warning audit: uid=0(root) pid=4242 cmd=status jobs=tick result=permission_denied\n");
}

}  // namespace
}  // namespace thr
