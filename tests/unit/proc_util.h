// Helpers for the unit tests that start real processes (process, task_exec, run_groups, job):
// reading /proc, reading a child's output with a deadline, and RAII guards for the process-wide
// settings those tests change (subreaper, signal mask and dispositions).
#pragma once

#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "test_util.h"
#include "thr/duration.h"

namespace thr::test {

// What /proc/<pid>/stat says of a process; nullopt once it is gone (reaped).
struct ProcStat {
  char state = '?';  // R, S, T, Z, ...
  pid_t ppid = 0;
  pid_t pgrp = 0;
};

inline std::optional<ProcStat> ReadProcStat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // "pid (comm) S ppid pgrp ...": comm may hold spaces and parentheses, so parse after the last
  // ')'.
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(paren + 1));
  ProcStat stat;
  rest >> stat.state >> stat.ppid >> stat.pgrp;
  if (!rest) return std::nullopt;
  return stat;
}

// Every process on the system whose /proc/<pid>/stat matches `pred`.
template <typename Pred>
std::vector<pid_t> ProcessesWhere(Pred pred) {
  std::vector<pid_t> out;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::optional<ProcStat> stat = ReadProcStat(static_cast<pid_t>(pid));
    if (stat && pred(*stat)) out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(dir);
  return out;
}

// The processes of process group `pgid`, zombies included.
inline std::vector<pid_t> GroupMembers(pid_t pgid) {
  return ProcessesWhere([&](const ProcStat& s) { return s.pgrp == pgid; });
}

// The kernel function `pid` sleeps in ("do_signal_stop", "kernel_clone", ...).
inline std::string WaitChannel(pid_t pid) {
  std::string wchan;
  std::getline(std::ifstream("/proc/" + std::to_string(pid) + "/wchan"), wchan);
  return wchan;
}

// True when process group `pgid` is frozen: at least `min` processes stopped (state T) and
// none that can run. Two states besides T count as frozen:
// - Z: a member that exited just before the freeze stays a zombie while its stopped parent
//   cannot reap it.
// - D in vfork: a shell (dash) that vfork()ed waits uninterruptibly until its child execs,
//   and it cannot while stopped; the shell takes its own SIGSTOP only after, so until SIGCONT
//   it shows D, not T, and runs no more than a stopped process.
inline bool AllStopped(pid_t pgid, size_t min) {
  size_t stopped = 0;
  for (pid_t pid : GroupMembers(pgid)) {
    std::optional<ProcStat> stat = ReadProcStat(pid);
    if (!stat) continue;  // gone meanwhile
    if (stat->state == 'T') {
      ++stopped;
    } else if (stat->state == 'D') {
      std::string wchan = WaitChannel(pid);
      if (wchan.find("clone") == std::string::npos && wchan.find("fork") == std::string::npos)
        return false;
    } else if (stat->state != 'Z') {
      return false;
    }
  }
  return stopped >= min;
}

// "pid:state ..." of every member of `pgid`, for failure messages.
inline std::string DescribeGroup(pid_t pgid) {
  std::string out;
  for (pid_t pid : GroupMembers(pgid)) {
    std::optional<ProcStat> stat = ReadProcStat(pid);
    out += std::to_string(pid) + ":" + (stat ? std::string(1, stat->state) : "gone") + ":" +
           WaitChannel(pid) + " ";
  }
  return out;
}

// This process's children (live or zombie).
inline std::vector<pid_t> OwnChildren() {
  pid_t self = ::getpid();
  return ProcessesWhere([&](const ProcStat& s) { return s.ppid == self; });
}

// True when no process has pid `pid` any more (not even a zombie).
inline bool ProcessGone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// True when process group `pgid` has no member left (not even a zombie).
inline bool GroupGone(pid_t pgid) { return ::kill(-pgid, 0) != 0 && errno == ESRCH; }

// Reads `fd` until `done(text so far)` holds, EOF, or `timeout`; returns what it read.
template <typename Pred>
std::string ReadUntil(int fd, Pred done, Duration timeout = DefaultDeadline()) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  while (!done(text)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd, POLLIN, 0};
    int rc = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) break;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

// Everything `fd` gives until EOF (or `timeout`).
inline std::string ReadToEof(int fd, Duration timeout = DefaultDeadline()) {
  return ReadUntil(
      fd, [](const std::string&) { return false; }, timeout);
}

// Makes this process a child subreaper for the scope (as thrd is), so a run's orphaned
// grandchildren become ours to reap; restores the previous setting.
class Subreaper {
 public:
  Subreaper() {
    ::prctl(PR_GET_CHILD_SUBREAPER, &saved_);
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
      throw std::system_error(errno, std::generic_category(), "PR_SET_CHILD_SUBREAPER");
  }
  ~Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, saved_); }
  Subreaper(const Subreaper&) = delete;
  Subreaper& operator=(const Subreaper&) = delete;

 private:
  int saved_ = 0;
};

// Blocks `blocked` in the calling thread and ignores `ignored` process-wide for the scope, as
// thrd does for its own signal handling; restores both.
class ScopedSignals {
 public:
  ScopedSignals(std::initializer_list<int> blocked, std::initializer_list<int> ignored) {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : blocked) sigaddset(&set, sig);
    ::pthread_sigmask(SIG_BLOCK, &set, &saved_mask_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    for (int sig : ignored) {
      struct sigaction old {};
      ::sigaction(sig, &ignore, &old);
      saved_actions_.push_back({sig, old});
    }
  }
  ~ScopedSignals() {
    for (const auto& [sig, old] : saved_actions_) ::sigaction(sig, &old, nullptr);
    ::pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
  }
  ScopedSignals(const ScopedSignals&) = delete;
  ScopedSignals& operator=(const ScopedSignals&) = delete;

 private:
  sigset_t saved_mask_{};
  std::vector<std::pair<int, struct sigaction>> saved_actions_;
};

}  // namespace thr::test
