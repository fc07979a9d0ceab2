// The service manager's notification protocol (sd_notify(3)): READY, RELOADING, STOPPING,
// STATUS and the watchdog. Without $NOTIFY_SOCKET every call does nothing, so thrd behaves the
// same at a shell, in a container and under systemd.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "thr/duration.h"

namespace thr {

class Notifier {
 public:
  // Reads $WATCHDOG_USEC/$WATCHDOG_PID; call before any thread starts. $NOTIFY_SOCKET is read
  // by every send (sd_notify), so it must stay set: jobs are kept from it by their env instead.
  Notifier();

  bool enabled() const { return enabled_; }
  // How often WATCHDOG=1 must be sent (half the manager's timeout), if it asks for it.
  std::optional<Duration> watchdog_interval() const { return watchdog_interval_; }

  void Ready(const std::string& status) const;
  // Before a reload; Ready() after it, whatever its outcome.
  void Reloading() const;
  void Stopping() const;
  void Status(const std::string& status) const;
  void Watchdog() const;

 private:
  void Send(const std::string& message) const;

  bool enabled_ = false;
  std::optional<Duration> watchdog_interval_;
};

// The variables of that protocol, addressed to thrd itself: a job must not inherit them (it
// could otherwise speak for thrd, or confuse a manager of its own).
bool IsServiceManagerVariable(std::string_view name);

}  // namespace thr
