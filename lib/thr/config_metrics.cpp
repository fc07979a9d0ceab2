// The metrics keys of the config (docs/config.md "Metrics"): metrics_listen, metrics_file and
// metrics_every. Checked at load, so that `thrd --check` and a reload catch a typo.
#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "thr/config.h"
#include "thr/config_internal.h"

namespace thr::config_internal {
namespace {

using nlohmann::json;

// "127.0.0.1:9464" or "[::1]:9464": an IP literal (civetweb binds no host names) and a port.
bool ValidListenAddress(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 1 ||
      value > 65535) {
    return false;
  }
  unsigned char buf[sizeof(in6_addr)];
  if (host.front() == '[' && host.back() == ']' && host.size() > 2) {
    host = host.substr(1, host.size() - 2);
    return ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
  }
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1;
}

Status ParseFile(const json& v, std::string* out) {
  if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().front() != '/' ||
      v.get<std::string>().back() == '/') {
    return Status::InvalidConfig("expected an absolute file path, got " + v.dump());
  }
  const std::string path = v.get<std::string>();
  const std::string dir = path.substr(0, std::max<size_t>(path.rfind('/'), 1));
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    return Status::InvalidConfig("directory " + dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return Status::InvalidConfig(dir + " is not a directory");
  *out = path;
  return Status::Ok();
}

}  // namespace

Status ParseMetricsKeys(const json& root, Config* config) {
  if (auto it = root.find("metrics_listen"); it != root.end()) {
    if (!it->is_string() || !ValidListenAddress(it->get<std::string>())) {
      return Status::InvalidConfig(
          "key \"metrics_listen\": expected \"ADDRESS:PORT\" with an IP address and a port from "
          "1 to 65535, e.g. \"127.0.0.1:9464\" or \"[::1]:9464\", got " +
          it->dump());
    }
    config->metrics_listen = it->get<std::string>();
  }
  if (auto it = root.find("metrics_file"); it != root.end()) {
    if (Status s = ParseFile(*it, &config->metrics_file); !s.ok()) {
      return Status::InvalidConfig("key \"metrics_file\": " + s.message());
    }
  }
  if (auto it = root.find("metrics_every"); it != root.end()) {
    Status s = ParseDurationJson(*it, &config->metrics_every);
    if (s.ok() && config->metrics_every < kMinMetricsEvery) {
      s = Status::InvalidConfig(FormatDuration(config->metrics_every) +
                                " is below the minimum of " + FormatDuration(kMinMetricsEvery));
    }
    if (!s.ok()) return Status::InvalidConfig("key \"metrics_every\": " + s.message());
  }
  return Status::Ok();
}

}  // namespace thr::config_internal
