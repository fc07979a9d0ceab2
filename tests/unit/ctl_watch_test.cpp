// thrctl status --watch refuses what it cannot do before touching the daemon or the terminal:
// --json, and a stdout that is not a terminal (the tmux-driven behaviour is
// tests/integration/status_watch.sh).
#include "thr/ctl_watch.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "test_util.h"
#include "thr/exit_codes.h"

namespace thr {
namespace {

// Points fd `target` at `fd` for the scope.
class Redirect {
 public:
  Redirect(int target, int fd) : target_(target), saved_(::dup(target)) {
    std::fflush(nullptr);
    ::dup2(fd, target_);
  }
  ~Redirect() {
    std::fflush(nullptr);
    ::dup2(saved_, target_);
    ::close(saved_);
  }
  Redirect(const Redirect&) = delete;
  Redirect& operator=(const Redirect&) = delete;

 private:
  const int target_;
  const int saved_;
};

CtlOptions Watching() {
  CtlOptions options;
  options.command = "status";
  options.watch = true;
  options.socket = "/nonexistent/thrd.sock";  // never reached: each refusal comes first
  return options;
}

TEST_CASE("Watch: --json is a usage error, said on stderr") {
  test::Pipe err;
  CtlOptions options = Watching();
  options.json = true;
  int code;
  {
    Redirect to_pipe(STDERR_FILENO, err.write_end.get());
    code = RunCtl(options);
  }
  CHECK(code == kExitUsage);
  CHECK(test::ReadAvailable(err.read_end.get()).find("thrctl --json events") != std::string::npos);
}

TEST_CASE("Watch: a stdout that is not a terminal is a usage error, said on stderr") {
  test::Pipe out, err;
  int code;
  {
    Redirect out_to_pipe(STDOUT_FILENO, out.write_end.get());
    Redirect err_to_pipe(STDERR_FILENO, err.write_end.get());
    code = RunCtl(Watching());
  }
  CHECK(code == kExitUsage);
  CHECK(test::ReadAvailable(out.read_end.get()).empty());
  CHECK(test::ReadAvailable(err.read_end.get()).find("needs a terminal on stdout") !=
        std::string::npos);
}

}  // namespace
}  // namespace thr
