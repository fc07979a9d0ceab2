#include "thr/notify.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstdlib>
#include <cstring>

namespace thr {

Notifier::Notifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && *socket != '\0';
  uint64_t usec = 0;
  if (sd_watchdog_enabled(/*unset_environment=*/0, &usec) > 0 && usec > 0) {
    watchdog_interval_ = Duration(static_cast<int64_t>(usec / 2000));
    if (*watchdog_interval_ < Duration(1)) watchdog_interval_ = Duration(1);
  }
}

void Notifier::Send(const std::string& message) const {
  if (!enabled_) return;
  int r = sd_notify(/*unset_environment=*/0, message.c_str());
  if (r < 0) spdlog::warn("sd_notify: {}", std::strerror(-r));
}

void Notifier::Ready(const std::string& status) const { Send("READY=1\nSTATUS=" + status); }

void Notifier::Reloading() const {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  uint64_t usec =
      static_cast<uint64_t>(now.tv_sec) * 1'000'000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
  Send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=reloading");
}

void Notifier::Stopping() const { Send("STOPPING=1\nSTATUS=stopping"); }

void Notifier::Status(const std::string& status) const { Send("STATUS=" + status); }

void Notifier::Watchdog() const { Send("WATCHDOG=1"); }

bool IsServiceManagerVariable(std::string_view name) {
  for (std::string_view v : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS",
                             "LISTEN_PID", "LISTEN_FDNAMES"}) {
    if (name == v) return true;
  }
  return false;
}

}  // namespace thr
