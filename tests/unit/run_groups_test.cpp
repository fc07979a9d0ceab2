// RunGroups and ReapStrays: the process groups of runs in progress, registered under the same
// lock as the fork that creates them, so reaping strays never takes a run's exit status.
// The keeper is left to the integration tests; no test here starts one.
#include "thr/run_groups.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "proc_util.h"
#include "test_util.h"
#include "thr/process.h"

namespace thr {
namespace {

// Child bodies for ForkRegistered: plain system calls only, then exec or _exit (it vforks).
void ExitAtOnce(void*) { _exit(0); }
// As a run's child does: leads its own group (so its zombie's pgid is its pid), then exits.
void OwnGroupThenExit(void* code) {
  ::setpgid(0, 0);
  _exit(*static_cast<int*>(code));
}

// Blocks until `pid` has exited, without reaping it.
bool WaitExited(pid_t pid) {
  siginfo_t info{};
  int rc;
  while ((rc = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT)) < 0 &&
         errno == EINTR) {
  }
  return rc == 0 && info.si_pid == pid;
}

// True if `pid` is an exited child of ours that no one has reaped yet.
bool IsUnreapedZombie(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// Owns one forked child: on scope exit forgets its group, and kills and reaps it if no one has.
class ForkedChild {
 public:
  explicit ForkedChild(pid_t pid) : pid_(pid) {}
  ~ForkedChild() {
    if (pid_ <= 0) return;
    RunGroups::Get().Remove(pid_);
    // Only while it is still our child (live or zombie): a reaped pid may belong to anyone now.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  ForkedChild(const ForkedChild&) = delete;
  ForkedChild& operator=(const ForkedChild&) = delete;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
};

TEST_CASE("RunGroups: ForkRegistered registers the child's pid before it can be reaped") {
  RunGroups& groups = RunGroups::Get();
  ForkedChild child(groups.ForkRegistered(&ExitAtOnce, nullptr));
  const pid_t pid = child.pid();
  REQUIRE(pid > 0);
  // Registered by the time ForkRegistered returns, though the child may be done already.
  CHECK(groups.Contains(pid));
  REQUIRE(WaitExited(pid));
  CHECK(groups.Contains(pid));
  CHECK(IsUnreapedZombie(pid));

  SUBCASE("Remove drops it, and only it") {
    groups.Remove(pid);
    CHECK_FALSE(groups.Contains(pid));
    groups.Remove(pid);  // twice is harmless
    CHECK_FALSE(groups.Contains(pid));
  }
  SUBCASE("its status is still there for its owner") {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(DescribeWaitStatus(status) == "exit status 0");
  }
}

TEST_CASE("RunGroups: ReapStrays leaves a zombie whose group is registered") {
  RunGroups& groups = RunGroups::Get();
  CHECK_FALSE(ReapStrays());  // nothing to reap

  int code = 7;
  ForkedChild child(groups.ForkRegistered(&OwnGroupThenExit, &code));
  const pid_t pid = child.pid();
  REQUIRE(pid > 0);
  REQUIRE(WaitExited(pid));

  // Left for its job thread: ReapStrays says so and the zombie is still there.
  CHECK(ReapStrays());
  CHECK(IsUnreapedZombie(pid));
  CHECK(ReapStrays());
  CHECK(IsUnreapedZombie(pid));

  SUBCASE("its owner then gets its status") {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(DescribeWaitStatus(status) == "exit status 7");
  }
  SUBCASE("once the group is removed, the zombie is a stray and is reaped") {
    groups.Remove(pid);
    CHECK_FALSE(ReapStrays());
    CHECK(test::ProcessGone(pid));
    CHECK(::waitpid(pid, nullptr, WNOHANG) < 0);
  }
}

TEST_CASE("RunGroups: ReapStrays reaps an unregistered exited child and leaves a live one") {
  pid_t exited = ::fork();
  if (exited == 0) _exit(0);
  REQUIRE(exited > 0);
  ForkedChild exited_guard(exited);
  pid_t live = ::fork();
  if (live == 0) {
    while (true) ::pause();  // until the guard kills it
  }
  REQUIRE(live > 0);
  ForkedChild live_guard(live);
  CHECK_FALSE(RunGroups::Get().Contains(exited));
  REQUIRE(WaitExited(exited));

  CHECK_FALSE(ReapStrays());
  CHECK(test::ProcessGone(exited));
  // The live one is untouched.
  std::optional<test::ProcStat> stat = test::ReadProcStat(live);
  REQUIRE(stat.has_value());
  CHECK(stat->state != 'Z');
  CHECK_FALSE(IsUnreapedZombie(live));
}

// A run's grandchild whose parent died is adopted by thrd (a subreaper) while the run goes on.
// Its status matters to no one: ReapStrays takes it at once, so it neither lingers as a zombie
// for the rest of the run nor hides a stray behind it (waitid shows the first zombie only).
// ForkRegistered vforks, so a child that lives on must exec (as every run does).
void SleepLong(void*) {
  ::setpgid(0, 0);
  char* const argv[] = {const_cast<char*>("sleep"), const_cast<char*>("1000"), nullptr};
  ::execv("/bin/sleep", argv);
  _exit(127);
}
TEST_CASE("RunGroups: ReapStrays reaps a member of a run's group but not its leader") {
  RunGroups& groups = RunGroups::Get();
  ForkedChild leader(groups.ForkRegistered(&SleepLong, nullptr));
  REQUIRE(leader.pid() > 0);
  ::setpgid(leader.pid(), leader.pid());
  pid_t member = ::fork();
  if (member == 0) {
    ::setpgid(0, leader.pid());
    _exit(3);
  }
  REQUIRE(member > 0);
  ForkedChild member_guard(member);
  ::setpgid(member, leader.pid());  // from this side too; fails harmlessly once it has exited
  REQUIRE(WaitExited(member));
  REQUIRE(::getpgid(member) == leader.pid());
  pid_t stray = ::fork();
  if (stray == 0) _exit(0);
  REQUIRE(stray > 0);
  ForkedChild stray_guard(stray);
  REQUIRE(WaitExited(stray));

  CHECK_FALSE(ReapStrays());
  CHECK(test::ProcessGone(member));
  CHECK(test::ProcessGone(stray));

  SUBCASE("the leader's zombie is left for its job thread") {
    ::kill(leader.pid(), SIGKILL);
    REQUIRE(WaitExited(leader.pid()));
    CHECK(ReapStrays());
    CHECK(IsUnreapedZombie(leader.pid()));
  }
}

// The race ForkRegistered exists for: thrd's main thread reaps strays on SIGCHLD while job
// threads fork. Were a child registered only after fork() returned, a stray reaper could see
// its zombie first and take its exit status.
TEST_CASE("RunGroups: a concurrent stray reaper never takes a registered child's status") {
  std::atomic<bool> done{false};
  std::atomic<uint64_t> sweeps{0};
  std::thread reaper([&] {
    while (!done.load()) {
      ReapStrays();
      sweeps.fetch_add(1);
    }
  });
  test::ScopeExit stop_reaper([&] {
    done = true;
    reaper.join();
  });

  RunGroups& groups = RunGroups::Get();
  int stolen = 0;
  for (int i = 0; i < 200; ++i) {
    int code = 1 + i % 100;
    ForkedChild child(groups.ForkRegistered(&OwnGroupThenExit, &code));
    REQUIRE(child.pid() > 0);
    int status = 0;
    pid_t r;
    while ((r = ::waitpid(child.pid(), &status, 0)) < 0 && errno == EINTR) {
    }
    if (r != child.pid() || !WIFEXITED(status) || WEXITSTATUS(status) != code) ++stolen;
    groups.Remove(child.pid());
  }
  CHECK(stolen == 0);
  CHECK(sweeps.load() > 0);
}

}  // namespace
}  // namespace thr
