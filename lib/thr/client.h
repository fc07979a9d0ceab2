// One connection to thrd: send requests, read replies. Used by thrctl and the tests.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "thr/duration.h"
#include "thr/fd.h"
#include "thr/protocol.h"
#include "thr/status.h"

namespace thr {

// Not thread-safe; one per thread.
class Client {
 public:
  // Connects within `timeout`. Unavailable names the path and the reason (no socket, refused,
  // permission denied); Timeout when the daemon does not accept in time.
  static Status Connect(const std::string& path, Duration timeout, std::unique_ptr<Client>* out);

  Status Send(const nlohmann::json& request);
  // The next reply line, waiting at most `timeout` (forever when nullopt). Timeout when none
  // came in time; Unavailable when the daemon closed the connection.
  Status Receive(std::optional<Duration> timeout, nlohmann::json* reply);
  // Send, then Receive.
  Status Call(const nlohmann::json& request, std::optional<Duration> timeout,
              nlohmann::json* reply);

  const std::string& path() const { return path_; }
  // For poll(): readable when Receive has more. Receive(Duration(0)) until Timeout drains
  // it, since lines already buffered leave the fd quiet.
  int fd() const { return fd_.get(); }

 private:
  Client(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  std::string path_;
  UniqueFd fd_;
  LineReader reader_{SIZE_MAX};  // replies are not limited
};

}  // namespace thr
