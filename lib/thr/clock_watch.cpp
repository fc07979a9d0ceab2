#include "thr/clock_watch.h"

#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>

namespace thr {
namespace {

std::chrono::nanoseconds Read(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// A timerfd armed far in the future on CLOCK_REALTIME: it never expires in practice, and
// TFD_TIMER_CANCEL_ON_SET makes its read fail with ECANCELED as soon as the clock is set.
class TimerfdSource final : public WallClockSource {
 public:
  Status Arm(int* fd) override {
    if (!fd_.valid()) {
      fd_ = UniqueFd(::timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK));
      if (!fd_.valid()) return Status::Io("timerfd_create", errno);
    }
    itimerspec far{};
    far.it_value.tv_sec = std::numeric_limits<time_t>::max() / 2;
    if (::timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &far, nullptr) !=
        0) {
      return Status::Io("timerfd_settime", errno);
    }
    *fd = fd_.get();
    return Status::Ok();
  }
  bool Consume() override {
    uint64_t expirations;
    ssize_t n = ::read(fd_.get(), &expirations, sizeof(expirations));
    return n < 0 && errno == ECANCELED;
  }
  std::chrono::nanoseconds Offset() const override {
    return Read(CLOCK_REALTIME) - Read(CLOCK_MONOTONIC);
  }

 private:
  UniqueFd fd_;
};

}  // namespace

std::unique_ptr<WallClockSource> MakeRealWallClockSource() {
  return std::make_unique<TimerfdSource>();
}

std::string DescribeClockStep(std::chrono::nanoseconds step) {
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(step).count();
  char sign = ms < 0 ? '-' : '+';
  uint64_t abs_ms = ms < 0 ? static_cast<uint64_t>(-(ms + 1)) + 1 : static_cast<uint64_t>(ms);
  char text[48];
  if (abs_ms % 1000 == 0) {
    std::snprintf(text, sizeof(text), "%c%" PRIu64 "s", sign, abs_ms / 1000);
  } else {
    std::snprintf(text, sizeof(text), "%c%" PRIu64 ".%03" PRIu64 "s", sign, abs_ms / 1000,
                  abs_ms % 1000);
    std::string s(text);
    while (s[s.size() - 2] == '0') s.erase(s.size() - 2, 1);  // "+1.500s" -> "+1.5s"
    return s;
  }
  return text;
}

ClockWatch::ClockWatch(Callback on_step, std::unique_ptr<WallClockSource> source)
    : on_step_(std::move(on_step)), source_(std::move(source)) {}

ClockWatch::~ClockWatch() { Stop(); }

Status ClockWatch::Start() {
  if (thread_.joinable()) return Status::Ok();
  int fd = -1;
  if (Status s = source_->Arm(&fd); !s.ok()) return s;
  stop_fd_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop_fd_.valid()) return Status::Io("eventfd", errno);
  // The baseline is read after arming and before the thread runs: a set after Start returns
  // is then measured in full, however late the thread gets going.
  thread_ = std::thread([this, fd, offset = source_->Offset()] { Loop(fd, offset); });
  return Status::Ok();
}

void ClockWatch::Stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!::write(stop_fd_.get(), &one, sizeof(one));
  thread_.join();
  stop_fd_.Reset();
}

void ClockWatch::Loop(int source_fd, std::chrono::nanoseconds offset) {
  pthread_setname_np(pthread_self(), "thrd-clock");
  while (true) {
    pollfd fds[2] = {{source_fd, POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("clock watch: poll: {}", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0 || !source_->Consume()) continue;
    // Re-arm before measuring, so a second set right after this one is not missed.
    int fd = -1;
    Status armed = source_->Arm(&fd);
    std::chrono::nanoseconds now = source_->Offset();
    std::chrono::nanoseconds step = now - offset;
    offset = now;
    spdlog::warn("wall clock stepped by {} (schedules run on the monotonic clock: unmoved)",
                 DescribeClockStep(step));
    if (on_step_) on_step_(step);
    if (!armed.ok()) {
      spdlog::error("clock watch: {}; no longer watching the wall clock", armed.message());
      return;
    }
    source_fd = fd;
  }
}

}  // namespace thr
