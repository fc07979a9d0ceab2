#include "thr/run_groups.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace thr {
namespace {

constexpr const char* kKeeperName = "thrd-keeper";

}  // namespace

bool IsKeeperInvocation(const char* argv0) {
  std::string_view name(argv0 == nullptr ? "" : argv0);
  size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  return name == kKeeperName;
}

int KeeperMain() {
  // exec of /proc/self/exe names the process "exe"; ps -C and pgrep look for this name.
  prctl(PR_SET_NAME, kKeeperName);
  // Ctrl-C at a terminal signals thrd's whole process group; the keeper must outlive thrd's
  // handling of that, so it ignores such signals and ends only on EOF.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  int devnull = open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    dup2(devnull, 0);
    dup2(devnull, 1);  // whoever reads thrd's stdout must see EOF when thrd ends
  }
  close_range(4, ~0U, 0);
  std::set<pid_t> groups;
  std::string pending;
  char buf[4096];
  while (true) {
    ssize_t n = read(3, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (line.size() < 2) continue;
      pid_t pgid = static_cast<pid_t>(std::atol(line.c_str() + 1));
      if (pgid <= 1) continue;
      if (line[0] == '+') groups.insert(pgid);
      if (line[0] == '-') groups.erase(pgid);
    }
  }
  for (pid_t pgid : groups) kill(-pgid, SIGKILL);
  return 0;
}

RunGroups& RunGroups::Get() {
  static RunGroups* groups = new RunGroups();  // never destroyed: used until exit
  return *groups;
}

Status RunGroups::StartKeeper() {
  std::lock_guard<std::mutex> lock(mu_);
  return StartKeeperLocked();
}

// The keeper is thrd's own binary re-executed under another name, so it is a fresh
// single-threaded process (safe to fork from a threaded thrd), and `pkill -f 'thrd -c ...'`
// aimed at thrd does not take it down too.
Status RunGroups::StartKeeperLocked() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::Io("keeper pipe", errno);
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(fds[0]);
    close(fds[1]);
    return Status::Io("fork keeper", err);
  }
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // The keeper reads fd 3 without close-on-exec. dup2 gives that, except when the pipe is
    // already fd 3 (the first keeper, forked while thrd has only 0, 1, 2 open): dup2(3, 3) is
    // a no-op that keeps O_CLOEXEC, and the keeper would start with fd 3 closed and exit.
    if (fds[0] == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(fds[0], 3) < 0) _exit(127);
    char name[] = "thrd-keeper";
    char* argv[] = {name, nullptr};
    execv("/proc/self/exe", argv);
    _exit(127);
  }
  close(fds[0]);
  keeper_pipe_ = UniqueFd(fds[1]);
  keeper_pid_ = pid;
  // A new keeper (after the last one died) learns every group still running.
  for (pid_t pgid : groups_) Tell('+', pgid);
  return Status::Ok();
}

Status RunGroups::RestartKeeper() {
  std::lock_guard<std::mutex> lock(mu_);
  keeper_pipe_.Reset();
  keeper_pid_ = -1;
  return StartKeeperLocked();
}

void RunGroups::StopKeeper() {
  pid_t pid;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keeper_pipe_.Reset();
    pid = keeper_pid_;
    keeper_pid_ = -1;
  }
  if (pid > 0) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

pid_t RunGroups::keeper_pid() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keeper_pid_;
}

void RunGroups::Tell(char op, pid_t pgid) {
  if (!keeper_pipe_.valid()) return;
  char line[32];
  int n = std::snprintf(line, sizeof(line), "%c%d\n", op, static_cast<int>(pgid));
  // One short write is atomic on a pipe; the keeper reads fast, so this does not block long.
  while (write(keeper_pipe_.get(), line, static_cast<size_t>(n)) < 0 && errno == EINTR) {
  }
}

pid_t RunGroups::ForkRegistered(void (*child_main)(void*), void* arg) {
  // Not a lock_guard: the child must never touch this mutex again, not even to unlock it.
  mu_.lock();
  // vfork, not fork: copying the page tables of a big thrd (10,000 job threads, or a sanitizer's
  // shadow) takes milliseconds to a second under load, and holds the mm lock that every other
  // thread's page faults wait for. The child shares thrd's memory until it execs; child_main
  // keeps to plain system calls (process.cpp), and this thread is suspended meanwhile.
  pid_t pid = vfork();
  if (pid == 0) {
    child_main(arg);
    _exit(127);
  }
  int err = errno;
  if (pid > 0) {
    groups_.insert(pid);
    Tell('+', pid);
  }
  mu_.unlock();
  errno = err;
  return pid;
}

void RunGroups::Remove(pid_t pgid) {
  std::lock_guard<std::mutex> lock(mu_);
  groups_.erase(pgid);
  Tell('-', pgid);
}

bool RunGroups::Contains(pid_t pgid) const {
  std::lock_guard<std::mutex> lock(mu_);
  return groups_.count(pgid) != 0;
}

}  // namespace thr
