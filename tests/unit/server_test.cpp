// A real Server on a socket in a temp dir, driven by
// thr::Client and by a raw socket for what Client cannot send.
#include "thr/server.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "supervisor_harness.h"
#include "test_util.h"
#include "thr/access.h"
#include "thr/client.h"
#include "thr/supervisor.h"
#include "thr/version.h"

namespace thr {
namespace {

// A supervisor running jobs "a" (running) and "b" (stopped), quietly.
struct SupervisorHarness : test::RunningSupervisor {
  SupervisorHarness() : RunningSupervisor(test::TwoJobsJson("stopped")) {}
};

const Duration kClientTimeout = test::Scaled(Duration(10'000));

// A connected stream socket to `path`, or an invalid fd.
UniqueFd RawConnect(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) fd.Reset();
  return fd;
}

// Binds a socket at `path` and closes it without unlinking: what a crashed thrd leaves.
void LeaveStaleSocket(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.valid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
}

bool IsSocket(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

Status Ping(const std::string& path) {
  std::unique_ptr<Client> client;
  if (Status s = Client::Connect(path, kClientTimeout, &client); !s.ok()) return s;
  nlohmann::json reply;
  if (Status s = client->Call({{"cmd", "ping"}}, kClientTimeout, &reply); !s.ok()) return s;
  return ReplyStatus(reply);
}

// A Server listening on a socket in its own temp dir. Declaration order makes the server shut
// down before the supervisor and the dir go.
struct ServerHarness {
  test::TempDir dir;
  std::string path = dir.File("thrd.sock");
  SupervisorHarness jobs;
  Server server{jobs.sup};
};

TEST_CASE("Server: a client reaches a listening server over the socket") {
  ServerHarness h;
  REQUIRE(h.server.Listen(h.path).ok());
  h.server.Serve();
  CHECK(IsSocket(h.path));

  std::unique_ptr<Client> client;
  REQUIRE(Client::Connect(h.path, kClientTimeout, &client).ok());
  CHECK(client->path() == h.path);
  nlohmann::json reply;
  REQUIRE(client->Call({{"cmd", "ping"}}, kClientTimeout, &reply).ok());
  CHECK(reply["ok"] == true);

  SUBCASE("the connection stays usable for more requests") {
    REQUIRE(client->Call({{"cmd", "status"}}, kClientTimeout, &reply).ok());
    CHECK(reply["jobs"].size() == 2);
    REQUIRE(client->Call({{"cmd", "frob"}}, kClientTimeout, &reply).ok());
    CHECK(reply["error"]["code"] == "unknown_command");
    REQUIRE(client->Call({{"cmd", "ping"}}, kClientTimeout, &reply).ok());
    CHECK(reply["ok"] == true);
  }
}

TEST_CASE("Server: invalid JSON gets an error reply and the connection stays usable") {
  ServerHarness h;
  REQUIRE(h.server.Listen(h.path).ok());
  h.server.Serve();
  UniqueFd fd = RawConnect(h.path);
  REQUIRE(fd.valid());
  REQUIRE(SendAll(fd.get(), "{oops\n\n{\"cmd\":\"ping\"}\n").ok());

  LineReader reader(SIZE_MAX);
  std::string lines[2];
  int got = 0;
  char buf[4096];
  while (got < 2) {
    LineReader::Result r = reader.Next(&lines[got]);
    if (r == LineReader::Result::kLine) {
      ++got;
      continue;
    }
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    REQUIRE(n > 0);
    reader.Feed(std::string_view(buf, static_cast<size_t>(n)));
  }
  // The blank line between them is a keep-alive and gets no reply.
  CHECK(nlohmann::json::parse(lines[0])["error"]["code"] == "bad_request");
  CHECK(nlohmann::json::parse(lines[1])["ok"] == true);
}

TEST_CASE("Server: an oversized request gets too_large and a close") {
  ServerHarness h;
  REQUIRE(h.server.Listen(h.path).ok());
  h.server.Serve();
  UniqueFd fd = RawConnect(h.path);
  REQUIRE(fd.valid());
  // The server may close while this is still being sent; only what it answers matters.
  (void)SendAll(fd.get(), std::string(kMaxLineBytes + 100, 'x'));

  std::string received;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n <= 0) break;  // closed by the server
    received.append(buf, static_cast<size_t>(n));
  }
  REQUIRE(received.find('\n') != std::string::npos);
  nlohmann::json reply = nlohmann::json::parse(received.substr(0, received.find('\n')));
  CHECK(reply["error"]["code"] == "too_large");
  CHECK(Ping(h.path).ok());  // the daemon itself is fine
}

// The next line from `fd` (without '\n') within `timeout`; false on EOF, error or timeout.
bool ReadLine(int fd, Duration timeout, std::string* line) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  line->clear();
  char c;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    if (::read(fd, &c, 1) != 1) return false;
    if (c == '\n') return true;
    *line += c;
  }
}

// True once the server closed `fd` (EOF or reset) within `timeout`.
bool ClosedByServer(int fd, Duration timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char buf[256];
  return ::read(fd, buf, sizeof(buf)) <= 0;
}

// Connects, sends a ping and reads one reply line: "ok", the error code, or "" (no reply).
std::string PingOn(UniqueFd& fd, const std::string& path) {
  fd = RawConnect(path);
  if (!fd.valid()) return "";
  (void)SendAll(fd.get(), "{\"cmd\":\"ping\"}\n");  // a refused client may find it closed
  std::string line;
  if (!ReadLine(fd.get(), kClientTimeout, &line)) return "";
  nlohmann::json reply = nlohmann::json::parse(line, nullptr, false);
  if (reply.is_discarded()) return "";
  if (reply["ok"] == true) return "ok";
  return reply["error"]["code"].get<std::string>();
}

TEST_CASE("Server: past max_connections a client gets one busy line and a close") {
  ServerHarness h;
  REQUIRE(h.server.Listen(h.path).ok());
  h.server.SetLimits(3, Duration(60'000));
  h.server.Serve();
  // The test runs as root, or as thrd's own user: it may also take the reserved places.
  UniqueFd held[3 + kPrivilegedReserve];
  for (UniqueFd& fd : held) REQUIRE(PingOn(fd, h.path) == "ok");
  CHECK(h.server.active_connections() == 3 + kPrivilegedReserve);

  UniqueFd extra = RawConnect(h.path);
  REQUIRE(extra.valid());
  std::string line;
  REQUIRE(ReadLine(extra.get(), kClientTimeout, &line));
  nlohmann::json reply = nlohmann::json::parse(line);
  CHECK(reply["ok"] == false);
  CHECK(reply["error"]["code"] == "busy");
  CHECK(reply["error"]["message"] == "too many connections (3, max_connections); try again later");
  CHECK(ClosedByServer(extra.get(), kClientTimeout));
  CHECK(ReplyStatus(reply).code() == Status::Code::kBusy);

  SUBCASE("thr::Client reads the refusal as the reply to its request") {
    std::unique_ptr<Client> client;
    REQUIRE(Client::Connect(h.path, kClientTimeout, &client).ok());
    nlohmann::json r;
    (void)client->Send({{"cmd", "ping"}});  // may find the connection closed already
    REQUIRE(client->Receive(kClientTimeout, &r).ok());
    CHECK(ReplyStatus(r).code() == Status::Code::kBusy);
  }
  SUBCASE("a closed connection frees its place") {
    held[0].Reset();
    REQUIRE(
        test::WaitUntil([&] { return h.server.active_connections() == 2 + kPrivilegedReserve; }));
    UniqueFd again;
    CHECK(PingOn(again, h.path) == "ok");
    UniqueFd fourth;
    CHECK(PingOn(fourth, h.path) == "busy");
  }
  SUBCASE("a higher cap set at run time admits more") {
    h.server.SetLimits(4, Duration(60'000));
    UniqueFd fourth;
    CHECK(PingOn(fourth, h.path) == "ok");
  }
}

TEST_CASE("Server: the connection count is exact under concurrent connects") {
  ServerHarness h;
  REQUIRE(h.server.Listen(h.path).ok());
  constexpr size_t kCap = 10, kClients = 40;
  h.server.SetLimits(kCap, Duration(60'000));
  h.server.Serve();
  std::vector<UniqueFd> fds(kClients);
  std::vector<std::string> results(kClients);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] { results[i] = PingOn(fds[i], h.path); });
  }
  for (std::thread& t : threads) t.join();
  size_t ok = 0, busy = 0;
  for (const std::string& r : results) {
    if (r == "ok") ++ok;
    if (r == "busy") ++busy;
  }
  // Every client holds its connection open: exactly the cap (and, for this privileged test, the
  // reserve) is served, the rest refused.
  CHECK(ok == kCap + kPrivilegedReserve);
  CHECK(busy == kClients - kCap - kPrivilegedReserve);
  CHECK(h.server.active_connections() == kCap + kPrivilegedReserve);
  fds.clear();
  CHECK(test::WaitUntil([&] { return h.server.active_connections() == 0; }));
}

TEST_CASE("Server: an idle connection gets a timeout line and a close; a busy one does not") {
  ServerHarness h;
  REQUIRE(h.server.Listen(h.path).ok());
  const Duration idle = test::Scaled(Duration(400));
  h.server.SetLimits(1024, idle);
  h.server.Serve();

  SUBCASE("no byte at all") {
    UniqueFd fd = RawConnect(h.path);
    REQUIRE(fd.valid());
    auto t0 = std::chrono::steady_clock::now();
    std::string line;
    REQUIRE(ReadLine(fd.get(), kClientTimeout, &line));
    auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(waited >= idle - Duration(50));
    nlohmann::json reply = nlohmann::json::parse(line);
    CHECK(reply["error"]["code"] == "timeout");
    CHECK(reply["error"]["message"] == "idle for " + FormatDuration(idle) + "; closing");
    CHECK(ClosedByServer(fd.get(), kClientTimeout));
  }
  SUBCASE("after a reply, the clock starts again") {
    UniqueFd fd;
    REQUIRE(PingOn(fd, h.path) == "ok");
    std::string line;
    REQUIRE(ReadLine(fd.get(), kClientTimeout, &line));
    CHECK(nlohmann::json::parse(line)["error"]["code"] == "timeout");
  }
  SUBCASE("requests more often than the timeout keep it open") {
    UniqueFd fd = RawConnect(h.path);
    REQUIRE(fd.valid());
    auto end = std::chrono::steady_clock::now() + 3 * idle;
    std::string line;
    while (std::chrono::steady_clock::now() < end) {
      REQUIRE(SendAll(fd.get(), "{\"cmd\":\"ping\"}\n").ok());
      REQUIRE(ReadLine(fd.get(), kClientTimeout, &line));
      REQUIRE(nlohmann::json::parse(line)["ok"] == true);
      std::this_thread::sleep_for(idle / 4);
    }
  }
  SUBCASE("a wait longer than the timeout is a request in progress, not idleness") {
    UniqueFd fd = RawConnect(h.path);
    REQUIRE(fd.valid());
    const int64_t wait_ms = 3 * idle.count();
    REQUIRE(SendAll(fd.get(), R"({"cmd":"wait","jobs":["a"],"state":"paused","timeout_ms":)" +
                                  std::to_string(wait_ms) + "}\n")
                .ok());
    std::string line;
    REQUIRE(ReadLine(fd.get(), kClientTimeout, &line));
    nlohmann::json reply = nlohmann::json::parse(line);
    CHECK(reply["error"]["code"] == "timeout");
    CHECK(reply["error"]["message"].get<std::string>().find("not paused in time") !=
          std::string::npos);
    REQUIRE(SendAll(fd.get(), "{\"cmd\":\"ping\"}\n").ok());
    REQUIRE(ReadLine(fd.get(), kClientTimeout, &line));
    CHECK(nlohmann::json::parse(line)["ok"] == true);
  }
}

TEST_CASE("Server: a huge line is refused after the limit, with the sender still sending") {
  ServerHarness h;
  REQUIRE(h.server.Listen(h.path).ok());
  h.server.Serve();
  UniqueFd fd = RawConnect(h.path);
  REQUIRE(fd.valid());
  test::IgnoreSigpipe ignore;
  std::atomic<size_t> sent{0};
  std::thread sender([&] {
    const std::string chunk(65536, 'z');
    while (sent < 10u * 1024 * 1024) {
      ssize_t n = ::send(fd.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n <= 0) break;  // closed by the server
      sent += static_cast<size_t>(n);
    }
  });
  std::string line;
  bool got = ReadLine(fd.get(), kClientTimeout, &line);
  sender.join();
  REQUIRE(got);
  CHECK(nlohmann::json::parse(line)["error"]["code"] == "too_large");
  // The server stopped reading once it refused: the rest of 10 MiB never went through.
  CHECK(sent < 10u * 1024 * 1024);
  CHECK(Ping(h.path).ok());
}

TEST_CASE("Server: a second server on a live socket is refused, naming the path") {
  ServerHarness h;
  REQUIRE(h.server.Listen(h.path).ok());
  h.server.Serve();
  {
    Server second(h.jobs.sup);
    Status s = second.Listen(h.path);
    CHECK(s.code() == Status::Code::kRefused);
    CHECK(s.message().find(h.path) != std::string::npos);
  }
  // The refused server removed nothing: the first still answers on its socket.
  CHECK(IsSocket(h.path));
  CHECK(Ping(h.path).ok());
}

TEST_CASE("Server: a stale socket file is replaced") {
  ServerHarness h;
  LeaveStaleSocket(h.path);
  REQUIRE(IsSocket(h.path));
  Status s = h.server.Listen(h.path);
  REQUIRE(s.ok());
  h.server.Serve();
  CHECK(Ping(h.path).ok());
}

TEST_CASE("Server: a regular file at the socket path is not replaced") {
  ServerHarness h;
  std::ofstream(h.path) << "precious\n";
  Status s = h.server.Listen(h.path);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find(h.path) != std::string::npos);
  CHECK(s.message().find("not a socket") != std::string::npos);
  CHECK(std::filesystem::is_regular_file(h.path));
  std::ifstream in(h.path);
  std::string content;
  std::getline(in, content);
  CHECK(content == "precious");
}

TEST_CASE("Server: Listen creates a missing parent directory") {
  ServerHarness h;
  std::string nested = h.dir.File("run/thrd/thrd.sock");
  REQUIRE(h.server.Listen(nested).ok());
  h.server.Serve();
  CHECK(Ping(nested).ok());
}

TEST_CASE("Server: Shutdown removes the socket file and ends open connections") {
  ServerHarness h;
  REQUIRE(h.server.Listen(h.path).ok());
  h.server.Serve();
  std::unique_ptr<Client> client;
  REQUIRE(Client::Connect(h.path, kClientTimeout, &client).ok());
  nlohmann::json reply;
  REQUIRE(client->Call({{"cmd", "ping"}}, kClientTimeout, &reply).ok());

  h.server.Shutdown();
  CHECK_FALSE(std::filesystem::exists(h.path));
  // The open connection was closed by the server.
  CHECK(client->Receive(kClientTimeout, &reply).code() == Status::Code::kUnavailable);
  // And nobody answers any more.
  std::unique_ptr<Client> late;
  CHECK(Client::Connect(h.path, kClientTimeout, &late).code() == Status::Code::kUnavailable);
}

unsigned ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

TEST_CASE("Server: Listen sets the socket file's mode, and SetAccess changes it") {
  ServerHarness h;
  SUBCASE("0600") {
    REQUIRE(h.server.Listen(h.path, 0600).ok());
    CHECK(ModeOf(h.path) == 0600);
  }
  SUBCASE("the default is 0660") {
    REQUIRE(h.server.Listen(h.path).ok());
    CHECK(ModeOf(h.path) == 0660);
  }
  h.server.Serve();
  CHECK(Ping(h.path).ok());
  REQUIRE(h.server.SetAccess(0640, "").ok());
  CHECK(ModeOf(h.path) == 0640);
  CHECK(Ping(h.path).ok());
}

TEST_CASE("Server: SetAccess never touches what replaced the socket file") {
  ServerHarness h;
  REQUIRE(h.server.Listen(h.path, 0600).ok());
  std::string victim = h.dir.File("victim");
  { std::ofstream(victim) << "x"; }
  ::chmod(victim.c_str(), 0600);
  std::string moved = h.dir.File("moved.sock");
  REQUIRE(::rename(h.path.c_str(), moved.c_str()) == 0);

  SUBCASE("a symlink to another file") {
    REQUIRE(::symlink(victim.c_str(), h.path.c_str()) == 0);
    Status s = h.server.SetAccess(0666, "");
    CHECK_FALSE(s.ok());
    CHECK(s.message().find(h.path) != std::string::npos);
  }
  SUBCASE("another file at the path") {
    REQUIRE(::link(victim.c_str(), h.path.c_str()) == 0);
    Status s = h.server.SetAccess(0666, "");
    CHECK_FALSE(s.ok());
    CHECK(s.message().find("no longer the socket thrd bound") != std::string::npos);
  }
  CHECK(ModeOf(victim) == 0600);
  ::unlink(h.path.c_str());
  REQUIRE(::rename(moved.c_str(), h.path.c_str()) == 0);  // the harness removes it at the end
}

TEST_CASE("Server: a socket group given as a gid is applied") {
  ServerHarness h;
  const gid_t gid = ::getgid();
  REQUIRE(h.server.Listen(h.path, 0660, std::to_string(gid)).ok());
  struct stat st;
  REQUIRE(::lstat(h.path.c_str(), &st) == 0);
  CHECK(st.st_gid == gid);
  CHECK((st.st_mode & 07777) == 0660);
}

TEST_CASE("Server: an unknown socket group is an error naming the group") {
  ServerHarness h;
  const std::string group = "thr-no-such-group-42";
  SUBCASE("at Listen: the socket file is not left behind") {
    Status s = h.server.Listen(h.path, 0660, group);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find(group) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(h.path));
    // A later Listen with a good group works on the same path.
    REQUIRE(h.server.Listen(h.path, 0600).ok());
    h.server.Serve();
    CHECK(Ping(h.path).ok());
  }
  SUBCASE("at SetAccess: the mode is left as it was") {
    REQUIRE(h.server.Listen(h.path, 0600).ok());
    h.server.Serve();
    Status s = h.server.SetAccess(0666, group);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find(group) != std::string::npos);
    CHECK(s.message().find(h.path) != std::string::npos);
    CHECK(ModeOf(h.path) == 0600);
    CHECK(Ping(h.path).ok());
  }
}

}  // namespace
}  // namespace thr
