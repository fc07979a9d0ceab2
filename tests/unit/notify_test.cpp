// Notifier against a datagram socket standing in for systemd's: what each call sends, the
// watchdog interval, and silence without $NOTIFY_SOCKET.
#include "thr/notify.h"

#include <doctest/doctest.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "test_util.h"

namespace thr {
namespace {

uint64_t MonotonicUsec() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1'000'000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
}

// The lines of a notification message.
std::vector<std::string> Fields(const std::string& message) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (start <= message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    if (end > start) fields.push_back(message.substr(start, end - start));
    start = end + 1;
  }
  return fields;
}

bool HasField(const std::string& message, const std::string& field) {
  for (const std::string& f : Fields(message)) {
    if (f == field) return true;
  }
  return false;
}

// The value of `KEY=` in `message`, if present.
std::optional<std::string> FieldValue(const std::string& message, const std::string& key) {
  for (const std::string& f : Fields(message)) {
    if (f.rfind(key + "=", 0) == 0) return f.substr(key.size() + 1);
  }
  return std::nullopt;
}

// A notify socket in a temp dir and the environment pointing at it; restored on destruction.
// The watchdog variables are cleared so the caller's environment cannot leak in.
struct NotifyHarness {
  test::TempDir dir;
  test::DatagramSink sink{dir.File("notify.sock")};
  test::ScopedEnv socket{"NOTIFY_SOCKET", sink.path()};
  test::ScopedEnv usec{"WATCHDOG_USEC", std::nullopt};
  test::ScopedEnv pid{"WATCHDOG_PID", std::nullopt};
  test::QuietLogs quiet;
};

TEST_CASE("Notify: each call sends its message to $NOTIFY_SOCKET") {
  NotifyHarness h;
  Notifier notifier;
  REQUIRE(notifier.enabled());
  CHECK_FALSE(notifier.watchdog_interval().has_value());

  SUBCASE("Ready") {
    notifier.Ready("3 jobs: 3 running");
    std::optional<std::string> got = h.sink.Receive();
    REQUIRE(got.has_value());
    CHECK(HasField(*got, "READY=1"));
    CHECK(HasField(*got, "STATUS=3 jobs: 3 running"));
  }
  SUBCASE("Reloading, with the monotonic time it started") {
    uint64_t before = MonotonicUsec();
    notifier.Reloading();
    uint64_t after = MonotonicUsec();
    std::optional<std::string> got = h.sink.Receive();
    REQUIRE(got.has_value());
    CAPTURE(*got);
    CHECK(HasField(*got, "RELOADING=1"));
    std::optional<std::string> usec = FieldValue(*got, "MONOTONIC_USEC");
    REQUIRE(usec.has_value());
    REQUIRE(!usec->empty());
    REQUIRE(usec->find_first_not_of("0123456789") == std::string::npos);
    uint64_t sent = std::stoull(*usec);
    CHECK(sent >= before);
    CHECK(sent <= after);
  }
  SUBCASE("Stopping") {
    notifier.Stopping();
    std::optional<std::string> got = h.sink.Receive();
    REQUIRE(got.has_value());
    CHECK(HasField(*got, "STOPPING=1"));
  }
  SUBCASE("Status") {
    notifier.Status("1 job: 1 paused");
    std::optional<std::string> got = h.sink.Receive();
    REQUIRE(got.has_value());
    CHECK(HasField(*got, "STATUS=1 job: 1 paused"));
    CHECK_FALSE(HasField(*got, "READY=1"));
  }
  SUBCASE("Watchdog") {
    notifier.Watchdog();
    std::optional<std::string> got = h.sink.Receive();
    REQUIRE(got.has_value());
    CHECK(HasField(*got, "WATCHDOG=1"));
  }
  SUBCASE("several calls arrive in order") {
    notifier.Reloading();
    notifier.Ready("after");
    std::optional<std::string> first = h.sink.Receive();
    std::optional<std::string> second = h.sink.Receive();
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(HasField(*first, "RELOADING=1"));
    CHECK(HasField(*second, "READY=1"));
    CHECK(HasField(*second, "STATUS=after"));
  }
  // The environment is left for whoever else reads it (jobs never do: they drop it).
  CHECK(std::getenv("NOTIFY_SOCKET") != nullptr);
}

TEST_CASE("Notify: the watchdog interval is half the manager's timeout, for this pid only") {
  NotifyHarness h;
  SUBCASE("WATCHDOG_USEC=2000000 for this pid: 1000 ms") {
    ::setenv("WATCHDOG_USEC", "2000000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    Notifier notifier;
    REQUIRE(notifier.watchdog_interval().has_value());
    CHECK(*notifier.watchdog_interval() == Duration(1000));
  }
  SUBCASE("without WATCHDOG_PID it applies to whoever reads it") {
    ::setenv("WATCHDOG_USEC", "300000", 1);
    Notifier notifier;
    REQUIRE(notifier.watchdog_interval().has_value());
    CHECK(*notifier.watchdog_interval() == Duration(150));
  }
  SUBCASE("for another pid: none") {
    ::setenv("WATCHDOG_USEC", "2000000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
    CHECK_FALSE(Notifier().watchdog_interval().has_value());
  }
  SUBCASE("without WATCHDOG_USEC: none") { CHECK_FALSE(Notifier().watchdog_interval()); }
  SUBCASE("a tiny timeout still gives at least 1 ms") {
    ::setenv("WATCHDOG_USEC", "1", 1);
    Notifier notifier;
    REQUIRE(notifier.watchdog_interval().has_value());
    CHECK(*notifier.watchdog_interval() == Duration(1));
  }
}

TEST_CASE("Notify: without NOTIFY_SOCKET nothing is sent") {
  NotifyHarness h;
  std::optional<Notifier> notifier;
  {
    test::ScopedEnv unset("NOTIFY_SOCKET", std::nullopt);
    notifier.emplace();
  }
  CHECK_FALSE(notifier->enabled());
  // $NOTIFY_SOCKET points at the sink again: the Notifier decided once, at construction.
  notifier->Ready("x");
  notifier->Reloading();
  notifier->Stopping();
  notifier->Status("x");
  notifier->Watchdog();
  h.sink.SendToSelf("MARKER");  // datagrams keep their order: anything sent above comes first
  std::optional<std::string> got = h.sink.Receive();
  REQUIRE(got.has_value());
  CHECK(*got == "MARKER");

  SUBCASE("an empty NOTIFY_SOCKET is as unset") {
    test::ScopedEnv empty("NOTIFY_SOCKET", "");
    CHECK_FALSE(Notifier().enabled());
  }
}

TEST_CASE("Notify: IsServiceManagerVariable names the protocol's variables only") {
  for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS",
                           "LISTEN_PID", "LISTEN_FDNAMES"}) {
    CAPTURE(name);
    CHECK(IsServiceManagerVariable(name));
  }
  for (const char* name : {"PATH", "HOME", "NOTIFY_SOCKETX", "XNOTIFY_SOCKET", "notify_socket",
                           "LISTEN", "WATCHDOG", ""}) {
    CAPTURE(name);
    CHECK_FALSE(IsServiceManagerVariable(name));
  }
}

}  // namespace
}  // namespace thr
