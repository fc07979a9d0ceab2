// MetricsExporter: the HTTP listener (a taken port is an error, not an end) and the file writer
// (written at once, replaced whole, a last time at Stop).
#include "thr/metrics_export.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "test_util.h"
#include "thr/fd.h"
#include "thr/metrics.h"

namespace thr {
namespace {

// A loopback TCP socket bound to a free port, listening when `listen` (so that port is taken).
UniqueFd BoundSocket(bool listen, int* port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.valid());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  if (listen) REQUIRE(::listen(fd.get(), 1) == 0);
  *port = ntohs(addr.sin_port);
  return fd;
}

// GET /metrics on 127.0.0.1:port, the whole response (HTTP/1.0: the server closes).
std::string Get(int port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.valid());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
  REQUIRE(::write(fd.get(), request.data(), request.size()) ==
          static_cast<ssize_t>(request.size()));
  std::string response;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof(buf))) > 0) response.append(buf, static_cast<size_t>(n));
  return response;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("MetricsExporter: serves /metrics on the listen address") {
  test::QuietLogs quiet;
  Metrics metrics([](MetricsSnapshot*) {});
  MetricsExporter exporter(metrics);
  int port = 0;
  { UniqueFd probe = BoundSocket(false, &port); }  // free now; a race with others is unlikely
  MetricsOutputs outputs;
  outputs.listen = "127.0.0.1:" + std::to_string(port);
  REQUIRE(exporter.Apply(outputs).ok());
  CHECK(exporter.port() == port);
  const std::string response = Get(port);
  CHECK(response.rfind("HTTP/1.", 0) == 0);
  CHECK(response.find(" 200 ") != std::string::npos);
  CHECK(response.find("thrd_build_info{version=") != std::string::npos);
  exporter.Stop();
  CHECK(exporter.port() == 0);
}

TEST_CASE("MetricsExporter: a taken port is an error naming the address, and nothing worse") {
  test::QuietLogs quiet;
  Metrics metrics([](MetricsSnapshot*) {});
  MetricsExporter exporter(metrics);
  int port = 0;
  UniqueFd taken = BoundSocket(true, &port);
  MetricsOutputs outputs;
  outputs.listen = "127.0.0.1:" + std::to_string(port);
  Status s = exporter.Apply(outputs);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("metrics_listen 127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(exporter.port() == 0);
  SUBCASE("and once the port is free, applying again binds it") {
    taken.Reset();
    CHECK(exporter.Apply(outputs).ok());
    CHECK(exporter.port() == port);
  }
}

TEST_CASE("MetricsExporter: the file is written at once, every interval, and at Stop") {
  test::QuietLogs quiet;
  test::TempDir dir;
  int scrapes = 0;
  Metrics metrics([&scrapes](MetricsSnapshot* snap) {
    ++scrapes;  // only the writer thread scrapes here
    JobInfo job;
    job.name = "j";
    job.state = JobState::kRunning;
    snap->jobs.push_back(job);
  });
  MetricsExporter exporter(metrics);
  MetricsOutputs outputs;
  outputs.file = dir.File("thrd.prom");
  outputs.every = Duration(3'600'000);  // an hour: every write below is one asked for
  REQUIRE(exporter.Apply(outputs).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ReadAll(outputs.file).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a file: no event
  }
  std::string text = ReadAll(outputs.file);
  CHECK(text.find("thrd_job_state{job=\"j\",state=\"running\"} 1\n") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(outputs.file + ".tmp"));
  // Stop ends the hour-long wait at once and writes the last numbers.
  const auto before = std::chrono::steady_clock::now();
  exporter.Stop();
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(10));
  CHECK(scrapes == 2);
  CHECK(ReadAll(outputs.file) == text);
}

}  // namespace
}  // namespace thr
