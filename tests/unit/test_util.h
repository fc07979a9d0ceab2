// Helpers shared by the unit tests: temp dirs, waiting on a condition with a deadline, the
// time scale for slow machines (THRD_TEST_TIME_SCALE), and RAII guards so every test cleans up
// after itself even when a REQUIRE throws.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "thr/duration.h"
#include "thr/fd.h"

namespace thr::test {

// THRD_TEST_TIME_SCALE (default: THRD_TEST_TIME_SCALE_DEFAULT, else 1) stretches every deadline
// and loose timing bound, for sanitizer builds and loaded CI machines. Values below 1 are
// ignored.
inline double TimeScale() {
  const char* text = std::getenv("THRD_TEST_TIME_SCALE");
  // A sanitizer build's CTest sets the default (3 or 5).
  if (text == nullptr || *text == '\0') text = std::getenv("THRD_TEST_TIME_SCALE_DEFAULT");
  if (text == nullptr || *text == '\0') return 1.0;
  double scale = std::strtod(text, nullptr);
  return scale >= 1.0 ? scale : 1.0;
}

inline Duration Scaled(Duration d) {
  return Duration(static_cast<int64_t>(static_cast<double>(d.count()) * TimeScale()));
}

// How long a condition that should hold "soon" may take; generous, since only a broken
// implementation ever gets near it.
inline Duration DefaultDeadline() { return Scaled(Duration(10'000)); }

// Polls `done` every millisecond until it is true or `timeout` has passed; returns its last
// value. For waiting on another thread's progress, never for "letting things settle".
template <typename Pred>
bool WaitUntil(Pred done, Duration timeout = DefaultDeadline()) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Runs `fn` on scope exit.
template <typename Fn>
class ScopeExit {
 public:
  explicit ScopeExit(Fn fn) : fn_(std::move(fn)) {}
  ~ScopeExit() { fn_(); }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;

 private:
  Fn fn_;
};

// Sets (or, with nullopt, unsets) an environment variable for the scope, then restores it.
// Only while no other thread of the test reads the environment (no run in progress).
class ScopedEnv {
 public:
  ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) saved_ = old;
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (saved_) {
      ::setenv(name_.c_str(), saved_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> saved_;
};

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "thr_test.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Silences spdlog for the scope (job and supervisor log every transition), then restores it.
class QuietLogs {
 public:
  QuietLogs() : saved_(spdlog::get_level()) { spdlog::set_level(spdlog::level::off); }
  ~QuietLogs() { spdlog::set_level(saved_); }
  QuietLogs(const QuietLogs&) = delete;
  QuietLogs& operator=(const QuietLogs&) = delete;

 private:
  spdlog::level::level_enum saved_;
};

// Ignores SIGPIPE for the scope, as thrd does, so writing to a pipe whose reader is gone
// fails with EPIPE instead of ending the test binary.
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, &saved_);
  }
  ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &saved_, nullptr); }
  IgnoreSigpipe(const IgnoreSigpipe&) = delete;
  IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;

 private:
  struct sigaction saved_ {};
};

// Both ends of a pipe, each closed on destruction.
struct Pipe {
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      throw std::system_error(errno, std::generic_category(), "pipe2");
    read_end.Reset(fds[0]);
    write_end.Reset(fds[1]);
  }
  UniqueFd read_end;
  UniqueFd write_end;
};

// Everything readable from `fd` right now, without blocking.
inline std::string ReadAvailable(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::fcntl(fd, F_SETFL, flags);
  return out;
}

// A std::tmpfile() that is closed on destruction, for PrintReply and friends.
class TmpFile {
 public:
  TmpFile() : file_(std::tmpfile()) {
    if (file_ == nullptr) throw std::system_error(errno, std::generic_category(), "tmpfile");
  }
  ~TmpFile() { std::fclose(file_); }
  TmpFile(const TmpFile&) = delete;
  TmpFile& operator=(const TmpFile&) = delete;

  std::FILE* get() const { return file_; }
  // Everything written so far.
  std::string Contents() const {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), file_)) > 0) out.append(buf, n);
    return out;
  }

 private:
  std::FILE* file_;
};

// An AF_UNIX datagram socket bound at `path` (a stand-in for systemd's notify socket); the
// file is removed on destruction.
class DatagramSink {
 public:
  explicit DatagramSink(std::string path) : path_(std::move(path)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.size() >= sizeof(addr.sun_path)) throw std::runtime_error("path too long: " + path_);
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    fd_.Reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd_.valid()) throw std::system_error(errno, std::generic_category(), "socket");
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      throw std::system_error(errno, std::generic_category(), "bind " + path_);
    }
  }
  ~DatagramSink() { ::unlink(path_.c_str()); }
  DatagramSink(const DatagramSink&) = delete;
  DatagramSink& operator=(const DatagramSink&) = delete;

  const std::string& path() const { return path_; }

  // The next datagram, waiting at most `timeout`; nullopt if none came.
  std::optional<std::string> Receive(Duration timeout = DefaultDeadline()) const {
    pollfd pfd{fd_.get(), POLLIN, 0};
    int n;
    do {
      n = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return std::nullopt;
    char buf[4096];
    ssize_t got = ::recv(fd_.get(), buf, sizeof(buf), MSG_DONTWAIT);
    if (got < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(got));
  }

  // Sends `text` to this socket itself: a marker that orders what arrived before it.
  void SendToSelf(const std::string& text) const {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    UniqueFd out(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (::sendto(out.get(), text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                 sizeof(addr)) != static_cast<ssize_t>(text.size())) {
      throw std::system_error(errno, std::generic_category(), "sendto " + path_);
    }
  }

 private:
  std::string path_;
  UniqueFd fd_;
};

// Routes spdlog's default logger into memory for the scope, every level, as "LEVEL text"
// lines. Swapping the default logger races with threads that log, so create it before any
// thread of the test starts and let it end after they have all been joined.
class CaptureLogs {
 public:
  CaptureLogs() : saved_(spdlog::default_logger()), sink_(std::make_shared<Sink>()) {
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_pattern("%l %v");
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
  }
  ~CaptureLogs() { spdlog::set_default_logger(saved_); }
  CaptureLogs(const CaptureLogs&) = delete;
  CaptureLogs& operator=(const CaptureLogs&) = delete;

  std::string text() const { return sink_->text(); }

 private:
  class Sink : public spdlog::sinks::base_sink<std::mutex> {
   public:
    std::string text() {
      std::lock_guard<std::mutex> lock(mutex_);
      return text_;
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      spdlog::memory_buf_t formatted;
      formatter_->format(msg, formatted);
      text_.append(formatted.data(), formatted.size());
    }
    void flush_() override {}

   private:
    std::string text_;  // guarded by mutex_
  };
  std::shared_ptr<spdlog::logger> saved_;
  std::shared_ptr<Sink> sink_;
};

// Lowers this process's RLIMIT_FSIZE soft limit for the scope, so a write past `bytes` into a
// regular file fails with EFBIG (SIGXFSZ ignored), as a full disk fails one with ENOSPC: an
// injected write failure that needs no mount and no root. Pipes and sockets are not affected,
// but the test's own output is when it goes to a regular file: assert after the scope.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGXFSZ, &ignore, &saved_action_);
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit low = saved_;
    low.rlim_cur = bytes;
    if (::setrlimit(RLIMIT_FSIZE, &low) != 0)
      throw std::system_error(errno, std::generic_category(), "setrlimit RLIMIT_FSIZE");
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::sigaction(SIGXFSZ, &saved_action_, nullptr);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  struct sigaction saved_action_ {};
};

}  // namespace thr::test
