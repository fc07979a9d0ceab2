// Reloader over a config file in a temp dir, with a real Supervisor and a Server listening on a
// socket there: edits applied, invalid files refused whole, socket settings, SIGHUP's path,
// and DescribeCounts.
#include "thr/reload.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"
#include "thr/client.h"
#include "thr/metrics.h"
#include "thr/metrics_export.h"
#include "thr/notify.h"
#include "thr/server.h"
#include "thr/supervisor.h"

namespace thr {
namespace {

using Names = std::vector<std::string>;

const Duration kClientTimeout = test::Scaled(Duration(10'000));

void WriteFile(const std::string& path, const std::string& text) {
  // Written beside and renamed over, as editors and config management do: a reload never
  // sees half a file.
  {
    std::ofstream out(path + ".new", std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
  }
  std::filesystem::rename(path + ".new", path);
}

unsigned ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

Status Call(const std::string& socket, const nlohmann::json& request, nlohmann::json* reply) {
  std::unique_ptr<Client> client;
  if (Status s = Client::Connect(socket, kClientTimeout, &client); !s.ok()) return s;
  return client->Call(request, kClientTimeout, reply);
}

// Every job's name and worker thread id, once each live worker has reported its id.
std::map<std::string, std::optional<pid_t>> RunningSet(const Supervisor& sup) {
  std::vector<JobInfo> infos;
  REQUIRE(sup.Snapshot({}, &infos).ok());
  std::map<std::string, std::optional<pid_t>> set;
  for (const JobInfo& info : infos) {
    if (info.state == JobState::kRunning || info.state == JobState::kPaused) {
      std::shared_ptr<Job> job = sup.Find(info.name);
      REQUIRE(test::WaitUntil([&] { return job->Info().thread_id.has_value(); }));
      set[info.name] = job->Info().thread_id;
    } else {
      set[info.name] = info.thread_id;
    }
  }
  return set;
}

Names JobNames(const Supervisor& sup) {
  std::vector<JobInfo> infos;
  REQUIRE(sup.Snapshot({}, &infos).ok());
  Names names;
  for (const JobInfo& info : infos) names.push_back(info.name);
  return names;
}

const char* const kInitial = R"({
  "jobs": [
    {"name": "a", "task": "timestamp", "every": "10s"},
    {"name": "b", "task": "timestamp", "every": "10s", "start": "paused"},
    {"name": "x", "task": "timestamp", "every": "10s"}
  ]
})";

// thrd's parts wired as RunDaemon wires them, over files in a temp dir. Declaration order is
// teardown order reversed: the reloader closes first, then the server, then the jobs end.
struct ReloadHarness {
  test::TempDir dir;
  std::string config_path = dir.File("thrd.json");
  std::string socket_path = dir.File("thrd.sock");
  test::QuietLogs quiet;
  test::ScopedEnv no_notify{"NOTIFY_SOCKET", std::nullopt};
  Notifier notifier;
  Supervisor sup{DefaultClock(), nullptr, DecisionFile(dir.File("state"))};
  Server server{sup};
  std::optional<Reloader> reloader;

  // Writes `text` as the config file, starts on it (or on `current` when given, as if thrd
  // had started on that) and serves the socket.
  void Begin(const std::string& text, std::optional<Config> current = std::nullopt,
             const std::string& path_for_reloader = "<file>") {
    WriteFile(config_path, text);
    Config config;
    if (current) {
      config = *current;
    } else {
      Status s = LoadConfig(config_path, &config);
      REQUIRE_MESSAGE(s.ok(), s.message());
    }
    sup.Start(config);
    Status s = server.Listen(socket_path, config.socket_mode, config.socket_group);
    REQUIRE_MESSAGE(s.ok(), s.message());
    reloader.emplace(path_for_reloader == "<file>" ? config_path : path_for_reloader, config,
                     socket_path, sup, server, notifier);
    server.SetReloader(&*reloader);
    server.Serve();
  }
};

TEST_CASE("Reload: an edited file is applied and reported") {
  ReloadHarness h;
  h.Begin(kInitial);
  REQUIRE_FALSE(h.notifier.enabled());
  WriteFile(h.config_path, R"({
  "jobs": [
    {"name": "a", "task": "timestamp", "every": "20s"},
    {"name": "b", "task": "timestamp", "every": "10s", "start": "paused"},
    {"name": "c", "task": "timestamp", "every": "10s", "start": "stopped"}
  ]
})");

  SUBCASE("by Reload") {
    ReloadOutcome outcome;
    Status s = h.reloader->Reload(&outcome);
    REQUIRE_MESSAGE(s.ok(), s.message());
    CHECK_FALSE(outcome.embedded);
    CHECK(outcome.files == Names{h.config_path});
    CHECK(outcome.report.unchanged == Names{"b"});
    CHECK(outcome.report.changed == Names{"a"});
    CHECK(outcome.report.added == Names{"c"});
    CHECK(outcome.report.removed == Names{"x"});
    CHECK(outcome.notes.empty());
  }
  SUBCASE("by the reload command over the socket") {
    nlohmann::json reply;
    REQUIRE(Call(h.socket_path, {{"cmd", "reload"}}, &reply).ok());
    CAPTURE(reply.dump());
    CHECK(reply["ok"] == true);
    CHECK(reply["files"] == nlohmann::json::array({h.config_path}));
    CHECK(reply["unchanged"] == nlohmann::json::array({"b"}));
    CHECK(reply["changed"] == nlohmann::json::array({"a"}));
    CHECK(reply["added"] == nlohmann::json::array({"c"}));
    CHECK(reply["removed"] == nlohmann::json::array({"x"}));
    CHECK(reply["notes"] == nlohmann::json::array());
  }
  CHECK(JobNames(h.sup) == Names{"a", "b", "c"});
  CHECK(h.sup.Find("a")->Info().every == Duration(20'000));
  CHECK(h.sup.Find("c")->Info().state == JobState::kStopped);

  {  // Reloading the same file again changes nothing.
    std::map<std::string, std::optional<pid_t>> before = RunningSet(h.sup);
    ReloadOutcome again;
    REQUIRE(h.reloader->Reload(&again).ok());
    CHECK(again.report.unchanged == Names{"a", "b", "c"});
    CHECK(again.report.changed.empty());
    CHECK(again.report.added.empty());
    CHECK(again.report.removed.empty());
    CHECK(RunningSet(h.sup) == before);
  }
}

TEST_CASE("Reload: an invalid file is refused whole, and nothing changes") {
  ReloadHarness h;
  h.Begin(kInitial);
  std::map<std::string, std::optional<pid_t>> before = RunningSet(h.sup);
  std::shared_ptr<Job> a = h.sup.Find("a");

  std::string expect;  // a piece the message must have
  SUBCASE("a syntax error: file and line:col") {
    WriteFile(h.config_path, "{\n  \"jobs\": [\n    {\"name\": \"a\",, }\n  ]\n}\n");
    expect = h.config_path + ":3:";
  }
  SUBCASE("a bad value: file and job") {
    WriteFile(h.config_path, R"({"jobs": [{"name": "a", "task": "timestamp", "every": "0s"}]})");
    expect = "job \"a\"";
  }
  SUBCASE("a duplicate job among good ones") {
    WriteFile(h.config_path, R"({"jobs": [
      {"name": "n", "task": "timestamp", "every": "10s"},
      {"name": "n", "task": "timestamp", "every": "10s"}]})");
    expect = "duplicate";
  }
  SUBCASE("the file is gone") {
    std::filesystem::remove(h.config_path);
    expect = h.config_path;
  }
  ReloadOutcome outcome;
  Status s = h.reloader->Reload(&outcome);
  CAPTURE(s.message());
  CHECK(s.code() == Status::Code::kInvalidConfig);
  CHECK(s.message().find(h.config_path) != std::string::npos);
  CHECK(s.message().find(expect) != std::string::npos);
  CHECK(outcome.report.changed.empty());
  CHECK(outcome.report.added.empty());
  CHECK(outcome.report.removed.empty());

  CHECK(JobNames(h.sup) == Names{"a", "b", "x"});
  CHECK(RunningSet(h.sup) == before);
  CHECK(h.sup.Find("a") == a);

  {  // The reload command answers with the same error, and still nothing changes.
    nlohmann::json reply;
    REQUIRE(Call(h.socket_path, {{"cmd", "reload"}}, &reply).ok());
    CHECK(reply["ok"] == false);
    CHECK(reply["error"]["code"] == "invalid_config");
    CHECK(reply["error"]["message"] == s.message());
    CHECK(RunningSet(h.sup) == before);
  }
}

TEST_CASE("Reload: thrd on the embedded default has nothing to re-read") {
  ReloadHarness h;
  Config embedded;
  REQUIRE(ParseConfig(kInitial, "<embedded default>", &embedded).ok());
  h.Begin(kInitial, embedded, /*path_for_reloader=*/"");
  std::map<std::string, std::optional<pid_t>> before = RunningSet(h.sup);
  // Even a file that would change things is not read.
  WriteFile(h.config_path, R"({"jobs": []})");

  ReloadOutcome outcome;
  REQUIRE(h.reloader->Reload(&outcome).ok());
  CHECK(outcome.embedded);
  CHECK(outcome.files.empty());
  CHECK(RunningSet(h.sup) == before);

  nlohmann::json reply;
  REQUIRE(Call(h.socket_path, {{"cmd", "reload"}}, &reply).ok());
  CHECK(reply["ok"] == true);
  REQUIRE(reply["message"].is_string());
  CHECK(reply["message"].get<std::string>().find("embedded") != std::string::npos);
}

TEST_CASE("Reload: a new socket path is noted, and the old socket keeps serving") {
  ReloadHarness h;
  const std::string moved = h.dir.File("elsewhere.sock");
  auto with_socket = [](const std::string& socket) {
    return R"({"socket": ")" + socket + R"(", "jobs": [
      {"name": "a", "task": "timestamp", "every": "10s"}]})";
  };
  h.Begin(with_socket(h.socket_path));

  WriteFile(h.config_path, with_socket(moved));
  ReloadOutcome outcome;
  REQUIRE(h.reloader->Reload(&outcome).ok());
  REQUIRE(outcome.notes.size() == 1);
  CHECK(outcome.notes[0].find("socket") != std::string::npos);
  CHECK(outcome.notes[0].find(h.socket_path) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(moved));
  nlohmann::json reply;
  REQUIRE(Call(h.socket_path, {{"cmd", "ping"}}, &reply).ok());
  CHECK(reply["ok"] == true);

  SUBCASE("a second reload of the same file notes it again: it still does not apply") {
    REQUIRE(h.reloader->Reload(&outcome).ok());
    CHECK(outcome.notes.size() == 1);
  }
  SUBCASE("setting it back to the socket served needs no note") {
    WriteFile(h.config_path, with_socket(h.socket_path));
    REQUIRE(h.reloader->Reload(&outcome).ok());
    CHECK(outcome.notes.empty());
  }
}

TEST_CASE("Reload: a changed socket_mode applies to the socket file at once") {
  ReloadHarness h;
  h.Begin(
      R"({"socket_mode": "0600", "jobs": [{"name": "a", "task": "timestamp", "every": "10s"}]})");
  REQUIRE(ModeOf(h.socket_path) == 0600);
  WriteFile(
      h.config_path,
      R"({"socket_mode": "0640", "jobs": [{"name": "a", "task": "timestamp", "every": "10s"}]})");

  ReloadOutcome outcome;
  REQUIRE(h.reloader->Reload(&outcome).ok());
  CHECK(outcome.notes.empty());
  CHECK(outcome.report.unchanged == Names{"a"});
  CHECK(ModeOf(h.socket_path) == 0640);
  nlohmann::json reply;
  REQUIRE(Call(h.socket_path, {{"cmd", "ping"}}, &reply).ok());
}

TEST_CASE("Reload: max_connections and idle_timeout apply at once") {
  ReloadHarness h;
  const std::string jobs = R"("jobs": [{"name": "a", "task": "timestamp", "every": "10s"}])";
  h.Begin("{" + jobs + "}");
  // Two connections held open, each served, and the 8 places past the cap that this test, as
  // root or thrd's own user, may also take (kPrivilegedReserve).
  std::unique_ptr<Client> held[2 + kPrivilegedReserve];
  nlohmann::json reply;
  for (auto& client : held) {
    REQUIRE(Client::Connect(h.socket_path, kClientTimeout, &client).ok());
    REQUIRE(client->Call({{"cmd", "ping"}}, kClientTimeout, &reply).ok());
    REQUIRE(reply["ok"] == true);
  }
  WriteFile(h.config_path, R"({"max_connections": 2, "idle_timeout": "1h", )" + jobs + "}");
  ReloadOutcome outcome;
  REQUIRE(h.reloader->Reload(&outcome).ok());
  CHECK(outcome.report.unchanged == Names{"a"});
  // One more is refused, with the new cap in the message (maybe before its request is sent).
  std::unique_ptr<Client> third;
  REQUIRE(Client::Connect(h.socket_path, kClientTimeout, &third).ok());
  (void)third->Send({{"cmd", "ping"}});
  REQUIRE(third->Receive(kClientTimeout, &reply).ok());
  CHECK(reply["error"]["code"] == "busy");
  CHECK(reply["error"]["message"] == "too many connections (2, max_connections); try again later");
  // The held ones are still served.
  REQUIRE(held[0]->Call({{"cmd", "ping"}}, kClientTimeout, &reply).ok());
  CHECK(reply["ok"] == true);
}

TEST_CASE("Reload: the metrics keys apply at once") {
  ReloadHarness h;
  const std::string jobs = R"("jobs": [{"name": "a", "task": "timestamp", "every": "10s"}])";
  h.Begin("{" + jobs + "}");
  Metrics metrics([&h](MetricsSnapshot* snap) { (void)h.sup.Snapshot({}, &snap->jobs); });
  MetricsExporter exporter(metrics);
  h.reloader->SetMetricsExporter(&exporter);
  const std::string file = h.dir.File("thrd.prom");
  WriteFile(h.config_path,
            R"({"metrics_file": ")" + file + R"(", "metrics_every": "1h", )" + jobs + "}");
  ReloadOutcome outcome;
  REQUIRE(h.reloader->Reload(&outcome).ok());
  CHECK(outcome.notes.empty());
  // Written now by the writer thread, not an hour from now.
  const auto deadline = std::chrono::steady_clock::now() + test::Scaled(Duration(10'000));
  while (!std::filesystem::exists(file) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a file has no event to wait on
  }
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("thrd_job_state{job=\"a\",state=\"running\"} 1\n") != std::string::npos);
}

TEST_CASE("Reload: RequestReload (SIGHUP) applies an edit on the reloader's thread") {
  ReloadHarness h;
  h.Begin(kInitial);
  WriteFile(h.config_path, R"({"jobs": [
    {"name": "a", "task": "timestamp", "every": "10s"},
    {"name": "late", "task": "timestamp", "every": "10s", "start": "paused"}]})");
  h.reloader->RequestReload();
  REQUIRE(test::WaitUntil([&] { return h.sup.Find("late") != nullptr; }));
  CHECK(h.sup.Find("late")->Info().state == JobState::kPaused);
  // Reload replaces the job list in one step: when "late" is there, "x" is gone.
  CHECK(JobNames(h.sup) == Names{"a", "late"});

  SUBCASE("requests that pile up are served, and Close waits for them") {
    WriteFile(h.config_path, R"({"jobs": [{"name": "z", "task": "timestamp", "every": "10s"}]})");
    for (int i = 0; i < 5; ++i) h.reloader->RequestReload();
    REQUIRE(test::WaitUntil([&] { return h.sup.Find("z") != nullptr; }));
    h.reloader->Close();
    CHECK(JobNames(h.sup) == Names{"z"});
  }
}

TEST_CASE("Reload: after Close, reloads are refused") {
  ReloadHarness h;
  h.Begin(kInitial);
  h.reloader->Close();
  WriteFile(h.config_path, R"({"jobs": [{"name": "z", "task": "timestamp", "every": "10s"}]})");

  ReloadOutcome outcome;
  Status s = h.reloader->Reload(&outcome);
  CHECK(s.code() == Status::Code::kRefused);
  CHECK(JobNames(h.sup) == Names{"a", "b", "x"});

  nlohmann::json reply;
  REQUIRE(Call(h.socket_path, {{"cmd", "reload"}}, &reply).ok());
  CHECK(reply["error"]["code"] == "refused");
  h.reloader->RequestReload();  // harmless: nobody serves it any more
  h.reloader->Close();          // and closing twice is fine
  CHECK(JobNames(h.sup) == Names{"a", "b", "x"});
}

TEST_CASE("Reload: the notify socket hears RELOADING, then READY with the counts") {
  test::TempDir notify_dir;
  test::DatagramSink sink(notify_dir.File("notify.sock"));
  // sd_notify reads $NOTIFY_SOCKET at each send, so it stays set until everything below is gone
  // (timestamp jobs never read the environment).
  test::ScopedEnv env("NOTIFY_SOCKET", sink.path());
  Notifier notifier;
  REQUIRE(notifier.enabled());

  test::TempDir dir;
  test::QuietLogs quiet;
  const std::string config_path = dir.File("thrd.json");
  WriteFile(config_path, kInitial);
  Config config;
  REQUIRE(LoadConfig(config_path, &config).ok());
  Supervisor sup(DefaultClock(), nullptr);
  Server server(sup);
  sup.Start(config);
  REQUIRE(server.Listen(dir.File("thrd.sock")).ok());
  Reloader reloader(config_path, config, dir.File("thrd.sock"), sup, server, notifier);

  ReloadOutcome outcome;
  SUBCASE("a good file") {
    WriteFile(config_path, R"({"jobs": [{"name": "a", "task": "timestamp", "every": "10s"}]})");
    REQUIRE(reloader.Reload(&outcome).ok());
    std::optional<std::string> first = sink.Receive();
    std::optional<std::string> second = sink.Receive();
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(first->find("RELOADING=1") != std::string::npos);
    CHECK(second->find("READY=1") != std::string::npos);
    CHECK(second->find("STATUS=1 job: 1 running") != std::string::npos);
  }
  SUBCASE("a refused file still ends with READY, saying so") {
    WriteFile(config_path, "{");
    REQUIRE_FALSE(reloader.Reload(&outcome).ok());
    std::optional<std::string> first = sink.Receive();
    std::optional<std::string> second = sink.Receive();
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(first->find("RELOADING=1") != std::string::npos);
    CHECK(second->find("READY=1") != std::string::npos);
    CHECK(second->find("STATUS=3 jobs: 2 running, 1 paused; last reload refused") !=
          std::string::npos);
  }
}

TEST_CASE("Reload: DescribeCounts") {
  auto counts = [](size_t running, size_t paused, size_t stopped, size_t killed, size_t failed) {
    StateCounts c{};
    c[static_cast<size_t>(JobState::kRunning)] = running;
    c[static_cast<size_t>(JobState::kPaused)] = paused;
    c[static_cast<size_t>(JobState::kStopped)] = stopped;
    c[static_cast<size_t>(JobState::kKilled)] = killed;
    c[static_cast<size_t>(JobState::kFailed)] = failed;
    return c;
  };
  CHECK(DescribeCounts(counts(2, 1, 0, 0, 0)) == "3 jobs: 2 running, 1 paused");
  CHECK(DescribeCounts(counts(0, 0, 1, 0, 0)) == "1 job: 1 stopped");
  CHECK(DescribeCounts(counts(0, 0, 0, 0, 0)) == "0 jobs");
  CHECK(DescribeCounts(counts(1, 0, 2, 3, 4)) ==
        "10 jobs: 1 running, 2 stopped, 3 killed, 4 failed");
}

}  // namespace
}  // namespace thr
