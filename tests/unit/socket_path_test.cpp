// Socket path resolution for thrd and thrctl (CONTRACT.md "Socket path"), on a fake
// environment so the real one is never read or changed.
#include "thr/socket_path.h"

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

namespace thr {
namespace {

// A fake environment: variables, and the paths that exist.
struct FakeEnv {
  std::map<std::string, std::string> vars;
  std::set<std::string> existing;

  SocketEnv Env() const {
    return SocketEnv{
        [this](const char* name) -> std::optional<std::string> {
          auto it = vars.find(name);
          if (it == vars.end()) return std::nullopt;
          return it->second;
        },
        [this](const std::string& path) { return existing.count(path) > 0; },
    };
  }
};

TEST_CASE("SocketPath: thrd takes flag, then config, then THRD_SOCKET, then XDG, then /run") {
  FakeEnv fake;
  fake.vars = {{"THRD_SOCKET", "/env/thrd.sock"}, {"XDG_RUNTIME_DIR", "/run/user/1000"}};
  const std::optional<std::string> config = "/config/thrd.sock";

  CHECK(ResolveDaemonSocket("/flag.sock", config, fake.Env()) == "/flag.sock");
  CHECK(ResolveDaemonSocket("", config, fake.Env()) == "/config/thrd.sock");
  CHECK(ResolveDaemonSocket("", std::nullopt, fake.Env()) == "/env/thrd.sock");
  fake.vars.erase("THRD_SOCKET");
  // thrd creates its socket there whether or not it exists yet.
  CHECK(ResolveDaemonSocket("", std::nullopt, fake.Env()) == "/run/user/1000/thrd.sock");
  fake.vars.erase("XDG_RUNTIME_DIR");
  CHECK(ResolveDaemonSocket("", std::nullopt, fake.Env()) == kSystemSocketPath);
  CHECK(std::string(kSystemSocketPath) == "/run/thrd/thrd.sock");
}

TEST_CASE(
    "SocketPath: thrctl takes flag, then THRD_SOCKET, then an existing XDG socket, then /run") {
  FakeEnv fake;
  fake.vars = {{"THRD_SOCKET", "/env/thrd.sock"}, {"XDG_RUNTIME_DIR", "/run/user/1000"}};
  fake.existing = {"/run/user/1000/thrd.sock"};

  CHECK(ResolveClientSocket("/flag.sock", fake.Env()) == "/flag.sock");
  CHECK(ResolveClientSocket("", fake.Env()) == "/env/thrd.sock");
  fake.vars.erase("THRD_SOCKET");
  CHECK(ResolveClientSocket("", fake.Env()) == "/run/user/1000/thrd.sock");

  SUBCASE("the XDG socket is used only when it exists") {
    fake.existing.clear();
    CHECK(ResolveClientSocket("", fake.Env()) == kSystemSocketPath);
  }
  SUBCASE("without XDG_RUNTIME_DIR it is the system socket") {
    fake.vars.erase("XDG_RUNTIME_DIR");
    CHECK(ResolveClientSocket("", fake.Env()) == kSystemSocketPath);
  }
}

TEST_CASE("SocketPath: empty values count as unset") {
  FakeEnv fake;
  fake.vars = {{"THRD_SOCKET", ""}, {"XDG_RUNTIME_DIR", ""}};
  fake.existing = {"/thrd.sock"};  // what "" + "/thrd.sock" would give

  SUBCASE("thrd") {
    CHECK(ResolveDaemonSocket("", std::nullopt, fake.Env()) == kSystemSocketPath);
    CHECK(ResolveDaemonSocket("", std::string(), fake.Env()) == kSystemSocketPath);
  }
  SUBCASE("thrctl") { CHECK(ResolveClientSocket("", fake.Env()) == kSystemSocketPath); }
  SUBCASE("an empty THRD_SOCKET falls through to XDG") {
    fake.vars["XDG_RUNTIME_DIR"] = "/xdg";
    fake.existing = {"/xdg/thrd.sock"};
    CHECK(ResolveDaemonSocket("", std::nullopt, fake.Env()) == "/xdg/thrd.sock");
    CHECK(ResolveClientSocket("", fake.Env()) == "/xdg/thrd.sock");
  }
}

TEST_CASE("SocketPath: the real environment is read through SocketEnv::Real") {
  SocketEnv real = SocketEnv::Real();
  CHECK(real.exists("/"));
  CHECK_FALSE(real.exists("/nonexistent/thr_test/thrd.sock"));
  CHECK_FALSE(real.getenv("THR_TEST_SURELY_UNSET_VARIABLE").has_value());
}

}  // namespace
}  // namespace thr
