// Spawn and Child with real processes. The test binary is multi-threaded (spdlog, earlier
// tests), as thrd is, so these also show that the child starts clean despite that. Each test
// owns its children through Child (whose destructor kills and reaps the group) and checks
// that none is left.
#include "thr/process.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "proc_util.h"
#include "test_util.h"
#include "thr/run_groups.h"

namespace thr {
namespace {

constexpr const char* kPath = "PATH=/usr/bin:/bin";

SpawnRequest Request(std::vector<std::string> argv) {
  SpawnRequest r;
  r.argv = std::move(argv);
  r.env = {kPath};
  return r;
}

std::unique_ptr<Child> SpawnOk(const SpawnRequest& request) {
  std::unique_ptr<Child> child;
  Status s = Spawn(request, &child);
  INFO("spawn: ", s.ToString());
  REQUIRE(s.ok());
  REQUIRE(child != nullptr);
  REQUIRE(child->pid() > 0);
  return child;
}

std::string SpawnFails(const SpawnRequest& request) {
  std::unique_ptr<Child> child;
  Status s = Spawn(request, &child);
  CHECK_FALSE(s.ok());
  CHECK(child == nullptr);
  return s.message();
}

// Runs `request` to its end: its stdout, and the leader's wait status described.
struct Finished {
  std::string out;
  std::string err;
  std::string status;
};
Finished RunToEnd(const SpawnRequest& request) {
  std::unique_ptr<Child> child = SpawnOk(request);
  Finished f;
  f.out = test::ReadToEof(child->stdout_fd());
  f.err = test::ReadToEof(child->stderr_fd());
  f.status = DescribeWaitStatus(child->ReapLeader());
  child->KillAndReapGroup();
  return f;
}

std::string ReadLink(const std::string& path) {
  std::error_code ec;
  std::filesystem::path target = std::filesystem::read_symlink(path, ec);
  return ec ? "" : target.string();
}

std::string PipeName(int fd) {
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  return "pipe:[" + std::to_string(st.st_ino) + "]";
}

// Writes an executable (or not) script into `dir`.
std::string WriteScript(const test::TempDir& dir, const std::string& name, const std::string& body,
                        mode_t mode) {
  std::string path = dir.File(name);
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  REQUIRE(::chmod(path.c_str(), mode) == 0);
  return path;
}

// Checks that no child of this process is left, live or zombie.
void CheckNoChildren() {
  std::vector<pid_t> children = test::OwnChildren();
  CAPTURE(children.size());
  CHECK(children.empty());
}

TEST_CASE("Process: argv reaches the program literally, shell metacharacters and all") {
  const std::vector<std::string> args = {"a;b $HOME *|c", "`id`", "$(id)", "'\"\\", "x > y &", ""};
  std::vector<std::string> argv = {"printf", "[%s]\\n"};
  argv.insert(argv.end(), args.begin(), args.end());
  Finished f = RunToEnd(Request(argv));
  std::string expected;
  for (const std::string& a : args) expected += "[" + a + "]\n";
  CHECK(f.out == expected);
  CHECK(f.err.empty());
  CHECK(f.status == "exit status 0");
  CheckNoChildren();
}

TEST_CASE("Process: a run that cannot start fails with a one-line reason and leaves no process") {
  test::TempDir dir;
  CheckNoChildren();

  SUBCASE("not found in PATH") {
    CHECK(SpawnFails(Request({"thr-no-such-command", "x"})) ==
          "thr-no-such-command: command not found");
  }
  SUBCASE("a path that does not exist (found out by exec in the child)") {
    CHECK(SpawnFails(Request({"/nonexistent/thr-cmd"})) ==
          "/nonexistent/thr-cmd: command not found");
  }
  SUBCASE("not executable, by path") {
    std::string path = WriteScript(dir, "noexec", "echo ran", 0644);
    CHECK(SpawnFails(Request({path})) == path + ": permission denied");
  }
  SUBCASE("not executable, found in PATH") {
    WriteScript(dir, "noexec", "echo ran", 0644);
    SpawnRequest r = Request({"noexec"});
    r.env = {"PATH=" + dir.path()};
    CHECK(SpawnFails(r) == "noexec: permission denied");
  }
  SUBCASE("a bad cwd") {
    SpawnRequest r = Request({"true"});
    r.cwd = dir.File("missing");
    CHECK(SpawnFails(r) == "cwd " + r.cwd + ": No such file or directory");
  }
  SUBCASE("an unknown user") {
    SpawnRequest r = Request({"true"});
    r.user = "thr-no-such-user";
    std::string reason = SpawnFails(r);
    CHECK(reason.find("thr-no-such-user") != std::string::npos);
    CHECK(reason.find('\n') == std::string::npos);
  }
  SUBCASE("an empty command") { CHECK_FALSE(SpawnFails(Request({""})).empty()); }
  CheckNoChildren();
}

TEST_CASE("Process: cwd and env apply, and env is the child's whole environment") {
  test::TempDir dir;
  SUBCASE("env") {
    SpawnRequest r = Request({"env"});
    r.env = {kPath, "FOO=bar baz", "EMPTY=", "THRD_JOB=j"};
    Finished f = RunToEnd(r);
    CHECK(f.out == "PATH=/usr/bin:/bin\nFOO=bar baz\nEMPTY=\nTHRD_JOB=j\n");
  }
  SUBCASE("cwd") {
    SpawnRequest r = Request({"pwd", "-P"});
    r.cwd = dir.path();
    CHECK(RunToEnd(r).out == std::filesystem::canonical(dir.path()).string() + "\n");
  }
  SUBCASE("argv[0] is looked up in the env's PATH, not the test's") {
    WriteScript(dir, "thr-found", "echo found", 0755);
    SpawnRequest r = Request({"thr-found"});
    r.env = {"PATH=/nonexistent:" + dir.path()};
    Finished f = RunToEnd(r);
    CHECK(f.out == "found\n");
    CHECK(f.status == "exit status 0");
  }
  CheckNoChildren();
}

TEST_CASE("Process: the child has stdin on /dev/null and no fd beyond 0, 1 and 2") {
  // An fd the test leaks on purpose: not close-on-exec, so only the child's own cleanup keeps
  // it out.
  UniqueFd leaked(::open("/dev/null", O_RDONLY));
  REQUIRE(leaked.get() > 2);
  REQUIRE((::fcntl(leaked.get(), F_GETFD) & FD_CLOEXEC) == 0);

  std::unique_ptr<Child> child = SpawnOk(Request({"sleep", "1000"}));
  // Spawn returns once the child has exec'd, but the new program's dynamic loader may still
  // hold a library open for a moment (fd 3): wait for the table to settle. A leaked fd never
  // goes away, so it still fails here.
  const std::string fd_dir = "/proc/" + std::to_string(child->pid()) + "/fd";
  std::set<std::string> fds;
  auto only_std_fds = [&] {
    fds.clear();
    for (const auto& entry : std::filesystem::directory_iterator(fd_dir))
      fds.insert(entry.path().filename().string());
    return fds == std::set<std::string>{"0", "1", "2"};
  };
  const bool settled = test::WaitUntil(only_std_fds);
  std::string listed;
  for (const std::string& fd : fds) listed += fd + " ";
  CHECK_MESSAGE(settled, "the child's fds: " << listed);
  CHECK(ReadLink(fd_dir + "/0") == "/dev/null");
  CHECK(ReadLink(fd_dir + "/1") == PipeName(child->stdout_fd()));
  CHECK(ReadLink(fd_dir + "/2") == PipeName(child->stderr_fd()));

  SUBCASE("and a program reading stdin sees end of file at once") {
    Finished f = RunToEnd(Request({"cat"}));
    CHECK(f.out.empty());
    CHECK(f.status == "exit status 0");
  }
}

TEST_CASE("Process: the child starts with an empty signal mask and default dispositions") {
  // As thrd does: signals blocked in the spawning thread, some ignored process-wide.
  test::ScopedSignals signals({SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1}, {SIGUSR2, SIGPIPE});
  std::ifstream self("/proc/thread-self/status");
  std::string line, blocked, ignored;
  while (std::getline(self, line)) {
    if (line.rfind("SigBlk:", 0) == 0) blocked = line;
    if (line.rfind("SigIgn:", 0) == 0) ignored = line;
  }
  // Otherwise the check below would show nothing.
  REQUIRE(blocked != "SigBlk:\t0000000000000000");
  REQUIRE(ignored != "SigIgn:\t0000000000000000");

  Finished f = RunToEnd(Request({"grep", "-E", "^(SigBlk|SigIgn):", "/proc/self/status"}));
  CHECK(f.out == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
  CHECK(f.status == "exit status 0");
}

TEST_CASE("Process: the child leads its own process group, registered as a run's") {
  pid_t pid = 0;
  {
    std::unique_ptr<Child> child = SpawnOk(Request({"sleep", "1000"}));
    pid = child->pid();
    CHECK(::getpgid(pid) == pid);
    CHECK(::getpgid(pid) != ::getpgrp());
    CHECK(RunGroups::Get().Contains(pid));
    CHECK(child->pidfd() >= 0);
  }
  // The destructor killed and reaped it, and forgot the group.
  CHECK(test::ProcessGone(pid));
  CHECK_FALSE(RunGroups::Get().Contains(pid));
  CheckNoChildren();
}

TEST_CASE("Process: SignalGroup and ReapLeader give the death's description") {
  std::unique_ptr<Child> child = SpawnOk(Request({"sleep", "1000"}));
  pid_t pid = child->pid();
  SUBCASE("SIGKILL") {
    child->SignalGroup(SIGKILL);
    CHECK(DescribeWaitStatus(child->ReapLeader()) == "killed by SIGKILL");
  }
  SUBCASE("SIGTERM") {
    child->SignalGroup(SIGTERM);
    int status = child->ReapLeader();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);
    CHECK(DescribeWaitStatus(status) == "killed by SIGTERM");
  }
  child->KillAndReapGroup();
  CHECK(test::ProcessGone(pid));
  CHECK_FALSE(RunGroups::Get().Contains(pid));
  child.reset();  // a second cleanup is harmless
  CheckNoChildren();
}

TEST_CASE("Process: DescribeWaitStatus") {
  CHECK(DescribeWaitStatus(W_EXITCODE(3, 0)) == "exit status 3");
  CHECK(DescribeWaitStatus(W_EXITCODE(0, 0)) == "exit status 0");
  CHECK(DescribeWaitStatus(W_EXITCODE(255, 0)) == "exit status 255");
  CHECK(DescribeWaitStatus(SIGKILL) == "killed by SIGKILL");
  CHECK(DescribeWaitStatus(SIGSEGV | WCOREFLAG) == "killed by SIGSEGV (core dumped)");

  SUBCASE("a real exit 3") {
    CHECK(RunToEnd(Request({"sh", "-c", "exit 3"})).status == "exit status 3");
  }
  SUBCASE("a real death by a signal the program sent itself") {
    CHECK(RunToEnd(Request({"sh", "-c", "kill -USR1 $$"})).status == "killed by SIGUSR1");
  }
}

TEST_CASE("Process: KillAndReapGroup kills and reaps a shell's background grandchild") {
  test::Subreaper subreaper;  // as thrd is: orphans of the run become ours to reap
  std::string script;
  SUBCASE("while the leader still runs") { script = "sleep 1000 & echo $!; sleep 1000"; }
  SUBCASE("after the leader has exited") { script = "sleep 1000 & echo $!"; }
  std::unique_ptr<Child> child = SpawnOk(Request({"sh", "-c", script}));
  const pid_t pid = child->pid();

  std::string out = test::ReadUntil(child->stdout_fd(), [](const std::string& text) {
    return text.find('\n') != std::string::npos;
  });
  REQUIRE(out.find('\n') != std::string::npos);
  const pid_t grandchild = static_cast<pid_t>(std::stol(out));
  CAPTURE(grandchild);
  REQUIRE(grandchild > 0);
  REQUIRE(grandchild != pid);
  CHECK(::getpgid(grandchild) == pid);
  CHECK_FALSE(test::ProcessGone(grandchild));

  if (script.find("; sleep") == std::string::npos) {
    CHECK(DescribeWaitStatus(child->ReapLeader()) == "exit status 0");
    // Orphaned by the leader's exit, the grandchild is now ours, and still running.
    std::optional<test::ProcStat> stat = test::ReadProcStat(grandchild);
    REQUIRE(stat.has_value());
    CHECK(stat->ppid == ::getpid());
    CHECK(stat->state != 'Z');
  }
  child->KillAndReapGroup();
  // Gone, not even a zombie, at once: KillAndReapGroup returns only when it has reaped them.
  CHECK(test::ProcessGone(grandchild));
  CHECK(test::ProcessGone(pid));
  CHECK(test::GroupGone(pid));
  CHECK_FALSE(RunGroups::Get().Contains(pid));
  CheckNoChildren();
}

TEST_CASE("Process: BecomeSubreaper makes this process a child subreaper") {
  int saved = 0;
  REQUIRE(::prctl(PR_GET_CHILD_SUBREAPER, &saved) == 0);
  test::ScopeExit restore([&] { ::prctl(PR_SET_CHILD_SUBREAPER, saved); });
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 0) == 0);
  BecomeSubreaper();
  int now = 0;
  REQUIRE(::prctl(PR_GET_CHILD_SUBREAPER, &now) == 0);
  CHECK(now == 1);
}

TEST_CASE("Process: UseGlobalFutexHash leaves no private futex hash where the kernel has one") {
  constexpr int kPrFutexHash = 78;
  constexpr int kPrFutexHashGetSlots = 2;
  if (::prctl(kPrFutexHash, kPrFutexHashGetSlots, 0, 0, 0) < 0) {
    MESSAGE("kernel without PR_FUTEX_HASH (before 6.16): nothing to check");
    CHECK_FALSE(UseGlobalFutexHash());
    return;
  }
  CHECK(UseGlobalFutexHash());
  CHECK(::prctl(kPrFutexHash, kPrFutexHashGetSlots, 0, 0, 0) == 0);  // 0: the global hash
}

TEST_CASE("Process: umask applies") {
  SpawnRequest r = Request({"sh", "-c", "umask"});
  r.umask = 027;
  CHECK(RunToEnd(r).out == "0027\n");
  r.umask = 0;
  CHECK(RunToEnd(r).out == "0000\n");
}

TEST_CASE("Process: user and group switch before exec (as root)") {
  if (::getuid() != 0) {
    MESSAGE("skipped: not running as root");
    return;
  }
  const passwd* pw = ::getpwnam("nobody");
  REQUIRE(pw != nullptr);
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;

  SUBCASE("user by name: uid, gid and only the user's groups") {
    SpawnRequest r = Request({"sh", "-c", "id -u; id -g; id -G"});
    r.user = "nobody";
    Finished f = RunToEnd(r);
    CHECK(f.out ==
          std::to_string(uid) + "\n" + std::to_string(gid) + "\n" + std::to_string(gid) + "\n");
    CHECK(f.status == "exit status 0");
  }
  SUBCASE("user by id, group by name") {
    SpawnRequest r = Request({"sh", "-c", "id -u; id -g"});
    r.user = std::to_string(uid);
    r.group = "root";
    CHECK(RunToEnd(r).out == std::to_string(uid) + "\n0\n");
  }
  SUBCASE("a cwd the user may not enter is the run's reason") {
    test::TempDir dir;
    REQUIRE(::chmod(dir.path().c_str(), 0700) == 0);
    SpawnRequest r = Request({"true"});
    r.user = "nobody";
    r.cwd = dir.path();
    CHECK(SpawnFails(r) == "cwd " + dir.path() + ": Permission denied");
  }
  CheckNoChildren();
}

}  // namespace
}  // namespace thr

namespace thr {
namespace {

// Out of file descriptors (EMFILE): every free slot under a lowered RLIMIT_NOFILE is taken,
// so the run's pipes cannot be made. The run fails with a reason that says so and leaves no
// process; once descriptors are free again, the next spawn works.
TEST_CASE("Process: out of descriptors, a spawn fails with the reason and leaves nothing") {
  CheckNoChildren();
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  std::vector<UniqueFd> fillers;
  {
    test::ScopeExit restore([&] { ::setrlimit(RLIMIT_NOFILE, &saved); });
    rlimit low = saved;
    low.rlim_cur = std::min<rlim_t>(saved.rlim_cur, 256);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    while (true) {
      UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
      if (!fd.valid()) break;
      fillers.push_back(std::move(fd));
    }
    REQUIRE(errno == EMFILE);
    std::string reason = SpawnFails(Request({"true"}));
    CHECK(reason == "cannot create a pipe: Too many open files");
    fillers.clear();
  }
  std::unique_ptr<Child> child = SpawnOk(Request({"true"}));
  CHECK(DescribeWaitStatus(child->ReapLeader()) == "exit status 0");
  child.reset();
  CheckNoChildren();
}

}  // namespace
}  // namespace thr
