// Notices when the wall clock is set (an operator's `date -s`, NTP stepping, a VM resumed):
// thrd logs it, and calendar (`cron`) jobs re-compute their next runs from the callback.
// `every` schedules run on the monotonic clock and never move with the wall clock.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "thr/fd.h"
#include "thr/status.h"

namespace thr {

// Where the watcher learns that the wall clock was set, and what the clocks read. The real one
// is a timerfd on CLOCK_REALTIME with TFD_TIMER_CANCEL_ON_SET; tests inject their own.
class WallClockSource {
 public:
  virtual ~WallClockSource() = default;
  // Arms the notification. Returns the fd to poll: readable once the wall clock was set.
  virtual Status Arm(int* fd) = 0;
  // After the fd polled readable: true if the wall clock was set (the caller re-arms), false
  // for anything else (nothing to report).
  virtual bool Consume() = 0;
  // Wall clock minus monotonic clock, now. A set moves it by the step.
  virtual std::chrono::nanoseconds Offset() const = 0;
};

std::unique_ptr<WallClockSource> MakeRealWallClockSource();

// "+3600s", "-1.5s", "+0.004s": a step for the log.
std::string DescribeClockStep(std::chrono::nanoseconds step);

// One small thread ("thrd-clock") waiting on the source. At each set it logs
// `wall clock stepped by +Ns` at warn and calls `on_step` with the step (on that thread).
// Start and Stop from one thread; the callback must not call Stop.
class ClockWatch {
 public:
  using Callback = std::function<void(std::chrono::nanoseconds step)>;

  explicit ClockWatch(Callback on_step = nullptr,
                      std::unique_ptr<WallClockSource> source = MakeRealWallClockSource());
  ~ClockWatch();  // Stop()
  ClockWatch(const ClockWatch&) = delete;
  ClockWatch& operator=(const ClockWatch&) = delete;

  // Arms the source and starts the thread. An error (no timerfd) leaves thrd without the
  // warning, nothing worse: the caller logs it.
  Status Start();
  // Ends the thread and waits for it.
  void Stop();

 private:
  // `offset`: the source's Offset() when it was armed.
  void Loop(int source_fd, std::chrono::nanoseconds offset);

  Callback on_step_;
  std::unique_ptr<WallClockSource> source_;
  UniqueFd stop_fd_;  // eventfd: wakes the thread to end
  std::thread thread_;
};

}  // namespace thr
