// Where the control socket is; the one resolution both binaries use (CONTRACT.md "Socket path").
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace thr {

inline constexpr const char* kSystemSocketPath = "/run/thrd/thrd.sock";

// The environment seen by the resolution; injected so tests need not touch the real one.
struct SocketEnv {
  std::function<std::optional<std::string>(const char* name)> getenv;
  std::function<bool(const std::string& path)> exists;
  static SocketEnv Real();
};

// thrd: flag, else config's `socket`, else $THRD_SOCKET, else $XDG_RUNTIME_DIR/thrd.sock,
// else /run/thrd/thrd.sock. Empty strings count as unset.
std::string ResolveDaemonSocket(const std::string& flag,
                                const std::optional<std::string>& config_socket,
                                const SocketEnv& env = SocketEnv::Real());

// thrctl: flag, else $THRD_SOCKET, else $XDG_RUNTIME_DIR/thrd.sock when that socket exists,
// else /run/thrd/thrd.sock (so a login session still reaches the system service).
std::string ResolveClientSocket(const std::string& flag, const SocketEnv& env = SocketEnv::Real());

}  // namespace thr
