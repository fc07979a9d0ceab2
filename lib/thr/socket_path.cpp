#include "thr/socket_path.h"

#include <sys/stat.h>

#include <cstdlib>

namespace thr {
namespace {

std::optional<std::string> NonEmpty(const SocketEnv& env, const char* name) {
  std::optional<std::string> v = env.getenv(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

std::string XdgSocket(const std::string& runtime_dir) { return runtime_dir + "/thrd.sock"; }

}  // namespace

SocketEnv SocketEnv::Real() {
  return SocketEnv{
      [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        if (v == nullptr) return std::nullopt;
        return std::string(v);
      },
      [](const std::string& path) {
        struct stat st;
        return ::stat(path.c_str(), &st) == 0;
      },
  };
}

std::string ResolveDaemonSocket(const std::string& flag,
                                const std::optional<std::string>& config_socket,
                                const SocketEnv& env) {
  if (!flag.empty()) return flag;
  if (config_socket && !config_socket->empty()) return *config_socket;
  if (auto s = NonEmpty(env, "THRD_SOCKET")) return *s;
  if (auto dir = NonEmpty(env, "XDG_RUNTIME_DIR")) return XdgSocket(*dir);
  return kSystemSocketPath;
}

std::string ResolveClientSocket(const std::string& flag, const SocketEnv& env) {
  if (!flag.empty()) return flag;
  if (auto s = NonEmpty(env, "THRD_SOCKET")) return *s;
  if (auto dir = NonEmpty(env, "XDG_RUNTIME_DIR")) {
    std::string path = XdgSocket(*dir);
    if (env.exists(path)) return path;
  }
  return kSystemSocketPath;
}

}  // namespace thr
