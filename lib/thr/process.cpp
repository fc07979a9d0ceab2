#include "thr/process.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "thr/identity.h"
#include "thr/run_groups.h"
#include "thr/signals.h"

namespace thr {
namespace {

// Where a child failed before its program ran, reported through the error pipe.
enum class Stage : int { kSetup, kSetgroups, kSetgid, kSetuid, kChdir, kExec };
struct ChildFailure {
  Stage stage;
  int err;
};

// Everything the child needs, prepared before the spawn: the child shares thrd's memory until it
// execs (vfork, run_groups.cpp), so it may only make plain system calls: no allocation, no lock.
struct ChildArgs {
  pid_t parent;
  const char* path;
  char* const* argv;
  char* const* envp;
  const char* cwd;
  bool set_identity;
  uid_t uid;
  gid_t gid;
  const gid_t* groups;
  size_t group_count;
  bool set_umask;
  mode_t umask;
  rlim_t nofile;  // 0: keep thrd's
  int devnull, out, err, report;
};

std::atomic<uint64_t> g_run_nofile{0};

[[noreturn]] void ReportAndExit(int report_fd, Stage stage) {
  ChildFailure failure{stage, errno};
  (void)!write(report_fd, &failure, sizeof(failure));
  _exit(127);
}

void ChildMain(void* arg) {
  const ChildArgs& a = *static_cast<const ChildArgs*>(arg);
  setpgid(0, 0);
  // If the spawning thread (so thrd) dies before exec, do not run unsupervised.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != a.parent) _exit(127);
  // thrd blocks and ignores signals for its own handling; the program gets the defaults.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // fds: 0 /dev/null, 1 and 2 the pipes, 3 the error report (close-on-exec), nothing else.
  if (dup2(a.devnull, 0) < 0 || dup2(a.out, 1) < 0 || dup2(a.err, 2) < 0)
    ReportAndExit(a.report, Stage::kSetup);
  if (dup2(a.report, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
    ReportAndExit(a.report, Stage::kSetup);
  close_range(4, ~0U, 0);
  if (a.set_umask) umask(a.umask);
  if (a.nofile != 0) {
    struct rlimit rl {};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && a.nofile < rl.rlim_cur) {
      rl.rlim_cur = a.nofile;
      setrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  // Raw system calls: glibc's wrappers would switch the ids of every thread of the process they
  // see, and a vfork child sees thrd's.
  if (a.set_identity) {
    if (syscall(SYS_setgroups, a.group_count, a.groups) != 0) ReportAndExit(3, Stage::kSetgroups);
    if (syscall(SYS_setgid, a.gid) != 0) ReportAndExit(3, Stage::kSetgid);
    if (syscall(SYS_setuid, a.uid) != 0) ReportAndExit(3, Stage::kSetuid);
  }
  if (a.cwd != nullptr && chdir(a.cwd) != 0) ReportAndExit(3, Stage::kChdir);
  execve(a.path, a.argv, a.envp);
  ReportAndExit(3, Stage::kExec);
}

std::string PathOf(const std::vector<std::string>& env) {
  for (const std::string& var : env) {
    if (var.rfind("PATH=", 0) == 0) return var.substr(5);
  }
  const char* path = std::getenv("PATH");
  return path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
}

// Finds argv[0] the way a shell would; the failure is the run's reason.
Status FindProgram(const std::string& name, const std::vector<std::string>& env,
                   std::string* path) {
  if (name.find('/') != std::string::npos) {
    *path = name;
    return Status::Ok();
  }
  std::string dirs = PathOf(env);
  bool denied = false;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      if (access(candidate.c_str(), X_OK) == 0) {
        *path = candidate;
        return Status::Ok();
      }
      denied = true;
    }
    start = end + 1;
  }
  return Status::FromCode(Status::Code::kIo,
                          name + (denied ? ": permission denied" : ": command not found"));
}

std::string FailureReason(const ChildFailure& f, const SpawnRequest& r, const std::string& path) {
  std::string why = std::strerror(f.err);
  switch (f.stage) {
    case Stage::kSetup:
      return "cannot set up the child: " + why;
    case Stage::kSetgroups:
    case Stage::kSetgid:
    case Stage::kSetuid:
      return "cannot switch to user " + (r.user.empty() ? "?" : r.user) +
             (r.group.empty() ? "" : " group " + r.group) + ": " + why;
    case Stage::kChdir:
      return "cwd " + r.cwd + ": " + why;
    case Stage::kExec:
      if (f.err == ENOENT) return path + ": command not found";
      if (f.err == EACCES) return path + ": permission denied";
      return path + ": " + why;
  }
  return why;
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

void SetRunNofileLimit(uint64_t soft) { g_run_nofile = soft; }

Status Spawn(const SpawnRequest& request, std::unique_ptr<Child>* out) {
  if (request.argv.empty() || request.argv[0].empty()) return Status::Internal("empty command");
  Identity identity;
  bool set_identity = !request.user.empty() || !request.group.empty();
  if (set_identity) {
    if (Status s = ResolveIdentity(request.user, request.group, &identity); !s.ok()) {
      return Status::FromCode(Status::Code::kIo, s.message());
    }
  }
  std::string path;
  if (Status s = FindProgram(request.argv[0], request.env, &path); !s.ok()) return s;

  int out_pipe[2], err_pipe[2], report_pipe[2];
  // Out of descriptors (EMFILE, ENFILE) or processes (EAGAIN): the run fails with the reason,
  // the job keeps its schedule, and the next run tries again.
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Status::Io("cannot create a pipe", errno);
  UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return Status::Io("cannot create a pipe", errno);
  UniqueFd err_r(err_pipe[0]), err_w(err_pipe[1]);
  if (pipe2(report_pipe, O_CLOEXEC) != 0) return Status::Io("cannot create a pipe", errno);
  UniqueFd report_r(report_pipe[0]), report_w(report_pipe[1]);
  UniqueFd devnull(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!devnull.valid()) return Status::Io("cannot open /dev/null", errno);

  std::vector<char*> argv = CStrings(request.argv);
  // Running as another user: HOME, USER and LOGNAME are theirs (as with systemd's User=),
  // unless the job's own `env` set them.
  std::vector<std::string> env = request.env;
  if (!identity.name.empty()) {
    const std::pair<std::string, std::string> user_vars[] = {
        {"HOME", identity.home}, {"USER", identity.name}, {"LOGNAME", identity.name}};
    for (const auto& var : user_vars) {
      if (request.job_env.count(var.first) != 0) continue;
      const std::string prefix = var.first + "=";
      std::erase_if(env, [&prefix](const std::string& e) { return e.rfind(prefix, 0) == 0; });
      env.push_back(prefix + var.second);
    }
  }
  std::vector<char*> envp = CStrings(env);
  ChildArgs args{getpid(),
                 path.c_str(),
                 argv.data(),
                 envp.data(),
                 request.cwd.empty() ? nullptr : request.cwd.c_str(),
                 set_identity,
                 identity.uid,
                 identity.gid,
                 identity.groups.data(),
                 identity.groups.size(),
                 request.umask.has_value(),
                 static_cast<mode_t>(request.umask.value_or(0)),
                 static_cast<rlim_t>(g_run_nofile.load()),
                 devnull.get(),
                 out_w.get(),
                 err_w.get(),
                 report_w.get()};
  pid_t pid = RunGroups::Get().ForkRegistered(&ChildMain, &args);
  if (pid < 0) return Status::Io("cannot fork", errno);
  setpgid(pid, pid);  // also from this side, so signals reach the group at once
  std::unique_ptr<Child> child(new Child());
  child->pid_ = pid;
  child->out_ = std::move(out_r);
  child->err_ = std::move(err_r);
  out_w.Reset();
  err_w.Reset();
  report_w.Reset();

  ChildFailure failure{};
  ssize_t n;
  while ((n = read(report_r.get(), &failure, sizeof(failure))) < 0 && errno == EINTR) {
  }
  child->pidfd_ = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (n == static_cast<ssize_t>(sizeof(failure))) {
    std::string reason = FailureReason(failure, request, request.argv[0]);
    child.reset();  // reaps it
    return Status::FromCode(Status::Code::kIo, reason);
  }
  if (!child->pidfd_.valid()) {
    int err = errno;
    child.reset();
    return Status::Io("pidfd_open", err);
  }
  *out = std::move(child);
  return Status::Ok();
}

Child::~Child() {
  if (pid_ <= 0) return;
  if (!leader_reaped_) SignalGroup(SIGKILL);
  KillAndReapGroup();
}

void Child::SignalGroup(int sig) const {
  if (pid_ > 0 && !group_reaped_) kill(-pid_, sig);
}

int Child::ReapLeader() {
  siginfo_t info{};
  int rc;
  if (pidfd_.valid()) {
    while ((rc = waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info,
                        WEXITED)) < 0 &&
           errno == EINTR) {
    }
  } else {
    while ((rc = waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED)) < 0 && errno == EINTR) {
    }
  }
  leader_reaped_ = true;
  if (rc < 0) return W_EXITCODE(127, 0);
  if (info.si_code == CLD_EXITED) return W_EXITCODE(info.si_status, 0);
  return info.si_status | (info.si_code == CLD_DUMPED ? WCOREFLAG : 0);
}

void Child::KillAndReapGroup() {
  if (group_reaped_ || pid_ <= 0) return;
  kill(-pid_, SIGKILL);
  // thrd is a subreaper, so members left behind become its children as their parents die.
  // Between a parent's death and its children's adoption they are briefly no one's to wait
  // for: that is the one case polled for, in 1 ms steps, for at most 5 s.
  for (int waited_ms = 0; waited_ms < 5000;) {
    pid_t r = waitpid(-pid_, nullptr, 0);
    if (r > 0) {
      if (r == pid_) leader_reaped_ = true;
      continue;
    }
    if (errno == EINTR) continue;
    if (kill(-pid_, 0) != 0 && errno == ESRCH) break;
    kill(-pid_, SIGKILL);
    timespec ms{0, 1'000'000};
    nanosleep(&ms, nullptr);
    ++waited_ms;
  }
  if (!leader_reaped_) ReapLeader();
  group_reaped_ = true;
  RunGroups::Get().Remove(pid_);
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by " + SignalName(WTERMSIG(status)) +
           (WCOREDUMP(status) ? " (core dumped)" : "");
  }
  return "wait status " + std::to_string(status);
}

void BecomeSubreaper() {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
    spdlog::warn("PR_SET_CHILD_SUBREAPER: {}", std::strerror(errno));
}

bool UseGlobalFutexHash() {
  // <linux/prctl.h> of Linux 6.16+; Debian 12's headers predate them.
  constexpr int kPrFutexHash = 78;
  constexpr int kPrFutexHashSetSlots = 1;  // arg3: slots, 0 = the global hash; arg4: flags
  if (prctl(kPrFutexHash, kPrFutexHashSetSlots, 0, 0, 0) == 0) return true;
  if (errno != EINVAL) spdlog::debug("PR_FUTEX_HASH: {}", std::strerror(errno));
  return false;
}

bool ReapStrays() {
  while (true) {
    siginfo_t info{};
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return false;
    pid_t pid = info.si_pid;
    // A run's leader (registered under its own pid) is reaped by its job thread through the
    // pidfd, which needs the zombie: leave it. Any other member of a run's group that thrd
    // adopted is reaped here at once: no one waits for its status, the job thread copes
    // (KillAndReapGroup), and a zombie left here would stay one for the whole run and, first
    // in waitid's order, hide every stray behind it.
    if (RunGroups::Get().Contains(pid)) return true;
    bool keeper = pid == RunGroups::Get().keeper_pid();
    waitpid(pid, nullptr, WNOHANG);
    if (keeper) {
      spdlog::error("keeper process {} died; starting another", pid);
      if (Status s = RunGroups::Get().RestartKeeper(); !s.ok()) spdlog::error("{}", s.message());
    }
  }
}

}  // namespace thr
