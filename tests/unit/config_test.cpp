// Config loading and validation (CONTRACT.md "Config"): defaults, and messages that name the
// file and line:column for syntax errors, or the job and key for errors of meaning.
#include "thr/config.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <fstream>
#include <string>

#include "test_util.h"

namespace thr {
namespace {

constexpr const char* kOrigin = "t.json";

Config ParseOk(const std::string& text) {
  Config config;
  Status s = ParseConfig(text, kOrigin, &config);
  INFO("config: ", text);
  INFO("status: ", s.ToString());
  REQUIRE(s.ok());
  return config;
}

std::string ParseFails(const std::string& text) {
  Config config;
  Status s = ParseConfig(text, kOrigin, &config);
  INFO("config: ", text);
  CHECK(s.code() == Status::Code::kInvalidConfig);
  // Every message is one line and starts with the origin.
  CHECK(s.message().rfind(std::string("config ") + kOrigin, 0) == 0);
  CHECK(s.message().find('\n') == std::string::npos);
  return s.message();
}

// A config with the one job `job` (a JSON object's members, without braces).
std::string OneJob(const std::string& job) { return R"({"jobs": [{)" + job + "}]}"; }

// Checks that `message` contains `part`, showing both when it does not.
void Contains(const std::string& message, const std::string& part) {
  INFO("message: ", message);
  INFO("expected to contain: ", part);
  CHECK(message.find(part) != std::string::npos);
}

TEST_CASE("Config: a valid config fills in the defaults") {
  Config config = ParseOk(R"({
  // comments are allowed
  "socket": "/tmp/thrd-test.sock",
  "jobs": [
    { "name": "tick", "task": "timestamp", "every": "1s" },
    { "name": "sync", "task": "exec", "command": ["rsync", "-a", "/src/", "/dst/"],
      "every": "5m", "timeout": "2m", "stop_timeout": "3s", "start": "paused",
      "cwd": "/", "env": {"A": "1", "B": ""}, "log_lines": 5 },
    { "name": "sh", "task": "exec", "command": "echo hi", "every": 2, "start": "stopped" },
    { "name": "fmt", "task": "timestamp", "every": 0.25, "format": "%H:%M" }
  ]
})");
  CHECK(config.origin == kOrigin);
  REQUIRE(config.socket.has_value());
  CHECK(*config.socket == "/tmp/thrd-test.sock");
  REQUIRE(config.jobs.size() == 4);

  SUBCASE("timestamp job with every default") {
    const JobSpec& tick = config.jobs[0];
    CHECK(tick.name == "tick");
    CHECK(tick.task == TaskKind::kTimestamp);
    CHECK(tick.every == Duration(1'000));
    CHECK(tick.format.empty());
    CHECK(tick.stop_timeout == Duration(10'000));
    CHECK(tick.start == JobState::kRunning);
    CHECK(tick.log_lines == 1000);
    CHECK_FALSE(tick.timeout.has_value());
    CHECK(tick.argv.empty());
    CHECK(tick.shell.empty());
    CHECK(tick.env.empty());
  }
  SUBCASE("exec job with an argv command and every key set") {
    const JobSpec& sync = config.jobs[1];
    CHECK(sync.task == TaskKind::kExec);
    CHECK(sync.argv == std::vector<std::string>{"rsync", "-a", "/src/", "/dst/"});
    CHECK(sync.shell.empty());
    CHECK(sync.every == Duration(300'000));
    REQUIRE(sync.timeout.has_value());
    CHECK(*sync.timeout == Duration(120'000));
    CHECK(sync.stop_timeout == Duration(3'000));
    CHECK(sync.start == JobState::kPaused);
    CHECK(sync.cwd == "/");
    CHECK(sync.env == std::map<std::string, std::string>{{"A", "1"}, {"B", ""}});
    CHECK(sync.log_lines == 5);
  }
  SUBCASE("exec job with a shell string command") {
    const JobSpec& sh = config.jobs[2];
    CHECK(sh.argv.empty());
    CHECK(sh.shell == "echo hi");
    CHECK(sh.every == Duration(2'000));
    CHECK(sh.start == JobState::kStopped);
    CHECK(sh.stop_timeout == Duration(10'000));
  }
  SUBCASE("timestamp job with a format") {
    CHECK(config.jobs[3].format == "%H:%M");
    CHECK(config.jobs[3].every == Duration(250));
  }
}

TEST_CASE("Config: a config without socket or jobs entries is valid") {
  Config config = ParseOk(R"({"jobs": []})");
  CHECK_FALSE(config.socket.has_value());
  CHECK(config.jobs.empty());
}

TEST_CASE("Config: specs parsed from the same text are equal, and differ when a key differs") {
  const std::string text = OneJob(R"("name": "a", "task": "timestamp", "every": "1s")");
  CHECK(ParseOk(text).jobs.at(0) == ParseOk(text).jobs.at(0));
  // Defaults filled in: an explicit default is the same spec.
  CHECK(ParseOk(text).jobs.at(0) ==
        ParseOk(OneJob(R"("name": "a", "task": "timestamp", "every": "1000ms",
                          "stop_timeout": "10s", "start": "running", "log_lines": 1000)"))
            .jobs.at(0));
  CHECK_FALSE(ParseOk(text).jobs.at(0) ==
              ParseOk(OneJob(R"("name": "a", "task": "timestamp", "every": "2s")")).jobs.at(0));
}

TEST_CASE("Config: the embedded default runs tick, a timestamp every second") {
  Config config;
  REQUIRE(LoadDefaultConfig(&config).ok());
  CHECK(config.origin == "<embedded default>");
  CHECK(config.files.empty());  // nothing to re-read
  CHECK(config.include.empty());
  CHECK_FALSE(config.socket.has_value());
  REQUIRE(config.jobs.size() == 1);
  CHECK(config.jobs[0].name == "tick");
  CHECK(config.jobs[0].task == TaskKind::kTimestamp);
  CHECK(config.jobs[0].every == Duration(1'000));
  CHECK(config.jobs[0].start == JobState::kRunning);
}

TEST_CASE("Config: a syntax error names the origin and the line:column of the bad token") {
  SUBCASE("stray comma: line 2, column 12") {
    // Line 2 is `  "jobs": [,]`; the ',' is its 12th byte.
    std::string msg = ParseFails("{\n  \"jobs\": [,]\n}");
    Contains(msg, "config t.json:2:12: ");
    Contains(msg, "','");
  }
  SUBCASE("trailing comma after a comment line: line 3, column 16") {
    // Line 3 is `{ "jobs": [ ] ,}`; the '}' after the comma is its 16th byte.
    std::string msg = ParseFails("// a comment\n// another\n{ \"jobs\": [ ] ,}\n");
    Contains(msg, "config t.json:3:16: ");
  }
  SUBCASE("missing closing bracket: the end of input, line 4, column 1") {
    std::string msg = ParseFails("{\n  \"jobs\": [\n    {\"name\": \"a\"}\n");
    Contains(msg, "config t.json:4:1: ");
    Contains(msg, "end of input");
  }
  SUBCASE("empty text: line 1, column 1") { Contains(ParseFails(""), "config t.json:1:1: "); }
  SUBCASE("not an object at the top") {
    Contains(ParseFails("[1, 2]"), "config t.json:1:1: expected a JSON object at the top");
  }
}

TEST_CASE("Config: a syntax error in a file names the file path") {
  test::TempDir dir;
  std::string path = dir.File("thrd.json");
  std::ofstream(path) << "{\n\n  \"jobs\": [}\n";  // the '}' is line 3, column 12
  Config config;
  Status s = LoadConfig(path, &config);
  CHECK(s.code() == Status::Code::kInvalidConfig);
  Contains(s.message(), "config " + path + ":3:12: ");
}

TEST_CASE("Config: LoadConfig reads a file and uses its path as origin") {
  test::TempDir dir;
  std::string path = dir.File("thrd.json");
  std::ofstream(path) << OneJob(R"("name": "a", "task": "timestamp", "every": "1s")");
  Config config;
  REQUIRE(LoadConfig(path, &config).ok());
  CHECK(config.origin == path);
  REQUIRE(config.jobs.size() == 1);
  CHECK(config.jobs[0].name == "a");
}

TEST_CASE("Config: a missing file is an invalid config naming the path and the reason") {
  test::TempDir dir;
  std::string path = dir.File("missing.json");
  Config config;
  Status s = LoadConfig(path, &config);
  CHECK(s.code() == Status::Code::kInvalidConfig);
  Contains(s.message(), "config " + path + ": cannot open");
  Contains(s.message(), "No such file or directory");
}

TEST_CASE("Config: a directory is refused as a config file") {
  test::TempDir dir;
  Config config;
  Status s = LoadConfig(dir.path(), &config);
  CHECK(s.code() == Status::Code::kInvalidConfig);
  Contains(s.message(), "config " + dir.path() + ": is a directory");
}

TEST_CASE("Config: unknown keys are errors with a suggestion") {
  SUBCASE("top level") {
    std::string msg = ParseFails(R"({"jobs": [], "sockett": "/x"})");
    Contains(msg, "config t.json: unknown key \"sockett\" (did you mean \"socket\"?)");
  }
  SUBCASE("top level, nothing close") {
    std::string msg = ParseFails(R"({"jobs": [], "zzzzzzzz": 1})");
    Contains(msg, "unknown key \"zzzzzzzz\"");
    CHECK(msg.find("did you mean") == std::string::npos);
  }
  SUBCASE("job key") {
    std::string msg =
        ParseFails(OneJob(R"("name": "x", "task": "timestamp", "every": "1s", "evry": "2s")"));
    Contains(msg, "config t.json: job \"x\": unknown key \"evry\" (did you mean \"every\"?)");
  }
  SUBCASE("a misspelt key is reported as unknown, not as the missing key it was meant to be") {
    std::string msg = ParseFails(OneJob(R"("name": "x", "task": "timestamp", "evry": "2s")"));
    Contains(msg, "job \"x\": unknown key \"evry\" (did you mean \"every\"?)");
    CHECK(msg.find("missing") == std::string::npos);
  }
}

TEST_CASE("Config: missing required keys are named") {
  SUBCASE("jobs") { Contains(ParseFails(R"({})"), "missing key \"jobs\""); }
  SUBCASE("name") {
    // Without a name the job is named by its position.
    std::string msg = ParseFails(R"({"jobs": [
      {"name": "a", "task": "timestamp", "every": "1s"},
      {"task": "timestamp", "every": "1s"}]})");
    Contains(msg, "job #2: missing key \"name\"");
  }
  SUBCASE("task") {
    Contains(ParseFails(OneJob(R"("name": "x", "every": "1s")")),
             "job \"x\": missing key \"task\"");
  }
  SUBCASE("every") {
    Contains(ParseFails(OneJob(R"("name": "x", "task": "timestamp")")),
             "job \"x\": missing key \"every\"");
  }
  SUBCASE("command of an exec job") {
    Contains(ParseFails(OneJob(R"("name": "x", "task": "exec", "every": "1s")")),
             "job \"x\": missing key \"command\"");
  }
}

TEST_CASE("Config: a bad job name is refused") {
  SUBCASE("empty") {
    Contains(ParseFails(OneJob(R"("name": "", "task": "timestamp", "every": "1s")")),
             "job #1: key \"name\": \"\" is not 1 to 64 of A-Za-z0-9_.-");
  }
  SUBCASE("65 characters") {
    std::string name(65, 'a');
    Contains(ParseFails(OneJob(R"("name": ")" + name + R"(", "task": "timestamp", "every": "1s")")),
             "job #1: key \"name\": \"" + name + "\"");
  }
  SUBCASE("bad characters") {
    for (const std::string name : {"a b", "a/b", "a:b", "caf\u00e9", "x\\ty"}) {
      CAPTURE(name);
      Contains(ParseFails(OneJob(R"("name": ")" + std::string(name) +
                                 R"(", "task": "timestamp", "every": "1s")")),
               "job #1: key \"name\"");
    }
  }
  SUBCASE("not a string") {
    Contains(ParseFails(OneJob(R"("name": 7, "task": "timestamp", "every": "1s")")),
             "job #1: key \"name\": expected a string");
  }
}

TEST_CASE("Config: IsValidJobName accepts 1 to 64 of A-Za-z0-9_.-") {
  CHECK(IsValidJobName("a"));
  CHECK(IsValidJobName("Job_1.backup-2"));
  CHECK(IsValidJobName(std::string(64, 'z')));
  CHECK_FALSE(IsValidJobName(""));
  CHECK_FALSE(IsValidJobName(std::string(65, 'z')));
  CHECK_FALSE(IsValidJobName("a b"));
  CHECK_FALSE(IsValidJobName("a/b"));
  CHECK_FALSE(IsValidJobName("caf\xc3\xa9"));
}

TEST_CASE("Config: a duplicate job name is refused") {
  std::string msg = ParseFails(R"({"jobs": [
    {"name": "x", "task": "timestamp", "every": "1s"},
    {"name": "x", "task": "timestamp", "every": "2s"}]})");
  Contains(msg, "job \"x\": duplicate name");
}

TEST_CASE("Config: every is at least 10ms") {
  SUBCASE("9ms") {
    Contains(ParseFails(OneJob(R"("name": "x", "task": "timestamp", "every": "9ms")")),
             "job \"x\": key \"every\": 9ms is below the minimum of 10ms");
  }
  SUBCASE("a number of seconds") {
    Contains(ParseFails(OneJob(R"("name": "x", "task": "timestamp", "every": 0.005)")),
             "job \"x\": key \"every\": 5ms is below the minimum of 10ms");
  }
  SUBCASE("an invalid duration") {
    Contains(ParseFails(OneJob(R"("name": "x", "task": "timestamp", "every": "1s1m")")),
             "job \"x\": key \"every\": invalid duration \"1s1m\"");
  }
  SUBCASE("exactly 10ms is accepted") {
    CHECK(ParseOk(OneJob(R"("name": "x", "task": "timestamp", "every": "10ms")")).jobs[0].every ==
          kMinEvery);
  }
}

TEST_CASE("Config: stop_timeout is at most 5m, so the unit's TimeoutStopSec covers it") {
  CHECK(ParseOk(OneJob(R"("name": "x", "task": "timestamp", "every": "1s", "stop_timeout": "5m")"))
            .jobs[0]
            .stop_timeout == kMaxStopTimeout);
  Contains(ParseFails(OneJob(
               R"("name": "x", "task": "timestamp", "every": "1s", "stop_timeout": "5m1s")")),
           "job \"x\": key \"stop_timeout\": 5m1s is above the maximum of 5m");
}

TEST_CASE("Config: a key of the other task kind is refused") {
  SUBCASE("exec-only keys on a timestamp job") {
    for (const std::string key_value :
         {R"("command": "true")", R"("cwd": "/")", R"("env": {"A": "1"})", R"("timeout": "1s")"}) {
      CAPTURE(key_value);
      std::string key = std::string(key_value).substr(0, std::string(key_value).find(':'));
      Contains(ParseFails(OneJob(R"("name": "x", "task": "timestamp", "every": "1s", )" +
                                 std::string(key_value))),
               "job \"x\": key " + key + " applies to exec jobs only");
    }
  }
  SUBCASE("format on an exec job") {
    Contains(
        ParseFails(OneJob(
            R"("name": "x", "task": "exec", "command": "true", "every": "1s", "format": "%s")")),
        "job \"x\": key \"format\" applies to timestamp jobs only");
  }
  SUBCASE("an unknown task") {
    Contains(ParseFails(OneJob(R"("name": "x", "task": "shell", "every": "1s")")),
             "job \"x\": key \"task\": \"shell\" is not one of timestamp, exec");
  }
}

TEST_CASE("Config: start is one of running, paused, stopped") {
  for (const std::string value : {R"("killed")", R"("failed")", R"("run")", "1"}) {
    CAPTURE(value);
    Contains(ParseFails(OneJob(R"("name": "x", "task": "timestamp", "every": "1s", "start": )" +
                               std::string(value))),
             "job \"x\": key \"start\": ");
  }
}

TEST_CASE("Config: a bad env is refused naming the variable") {
  const std::string head = R"("name": "x", "task": "exec", "command": ["true"], "every": "1s", )";
  SUBCASE("not an object") {
    Contains(ParseFails(OneJob(head + R"("env": ["A=1"])")),
             "job \"x\": key \"env\": expected an object of strings");
  }
  SUBCASE("a value that is not a string") {
    Contains(ParseFails(OneJob(head + R"("env": {"A": 1})")),
             "job \"x\": key \"env\": value of \"A\" is number");
  }
  SUBCASE("a name with '='") {
    Contains(ParseFails(OneJob(head + R"("env": {"A=B": "1"})")),
             "job \"x\": key \"env\": invalid variable name \"A=B\"");
  }
  SUBCASE("an empty name") {
    Contains(ParseFails(OneJob(head + R"("env": {"": "1"})")),
             "job \"x\": key \"env\": invalid variable name \"\"");
  }
}

TEST_CASE("Config: a bad command is refused") {
  const std::string head = R"("name": "x", "task": "exec", "every": "1s", )";
  SUBCASE("empty argv") {
    Contains(ParseFails(OneJob(head + R"("command": [])")), "job \"x\": key \"command\": ");
  }
  SUBCASE("non-string argv element") {
    Contains(ParseFails(OneJob(head + R"("command": ["ls", 3])")),
             "job \"x\": key \"command\": argv[1] is number");
  }
  SUBCASE("empty string") {
    Contains(ParseFails(OneJob(head + R"("command": "")")), "job \"x\": key \"command\": ");
  }
}

// The exec keys of issue 4: user, group, umask, success_codes, stop_signal.
const std::string kExecHead =
    R"("name": "x", "task": "exec", "command": ["true"], "every": "1s", )";

JobSpec ExecJob(const std::string& keys) { return ParseOk(OneJob(kExecHead + keys)).jobs.at(0); }

std::string ExecJobFails(const std::string& keys) { return ParseFails(OneJob(kExecHead + keys)); }

TEST_CASE("Config: an exec job's identity and result keys have defaults") {
  JobSpec spec = ExecJob(R"("cwd": "/")");
  CHECK(spec.user.empty());
  CHECK(spec.group.empty());
  CHECK_FALSE(spec.umask.has_value());
  CHECK(spec.success_codes == std::vector<int>{0});
  CHECK(spec.stop_signal == SIGTERM);
}

TEST_CASE("Config: user and group take names or ids") {
  SUBCASE("names") {
    JobSpec spec = ExecJob(R"("user": "nobody", "group": "root")");
    CHECK(spec.user == "nobody");
    CHECK(spec.group == "root");
  }
  SUBCASE("numbers") {
    JobSpec spec = ExecJob(R"("user": 65534, "group": 0)");
    CHECK(spec.user == "65534");
    CHECK(spec.group == "0");
  }
  SUBCASE("numeric strings") {
    JobSpec spec = ExecJob(R"("user": "0", "group": "65534")");
    CHECK(spec.user == "0");
    CHECK(spec.group == "65534");
  }
  SUBCASE("a different user is a different spec, so reload restarts the job") {
    CHECK_FALSE(ExecJob(R"("user": "nobody")") == ExecJob(R"("user": "root")"));
    CHECK(ExecJob(R"("user": "nobody")") == ExecJob(R"("user": "nobody")"));
  }
}

TEST_CASE("Config: an unknown user or group is refused at load, naming the job and key") {
  SUBCASE("user") {
    std::string msg = ExecJobFails(R"("user": "thr-no-such-user")");
    Contains(msg, "job \"x\": key \"user\": ");
    Contains(msg, "thr-no-such-user");
  }
  SUBCASE("group") {
    std::string msg = ExecJobFails(R"("user": "nobody", "group": "thr-no-such-group")");
    Contains(msg, "job \"x\": key \"group\": ");
    Contains(msg, "thr-no-such-group");
  }
  SUBCASE("empty strings") {
    Contains(ExecJobFails(R"("user": "")"), "job \"x\": key \"user\": must not be empty");
    Contains(ExecJobFails(R"("group": "")"), "job \"x\": key \"group\": must not be empty");
  }
  SUBCASE("neither a string nor an id") {
    Contains(ExecJobFails(R"("user": -1)"), "job \"x\": key \"user\": ");
    Contains(ExecJobFails(R"("user": ["nobody"])"), "job \"x\": key \"user\": ");
    Contains(ExecJobFails(R"("group": true)"), "job \"x\": key \"group\": ");
  }
  SUBCASE("an id too large for a uid_t is refused, never wrapped round to root") {
    Contains(ExecJobFails(R"("user": 4294967296)"), "job \"x\": key \"user\": ");
    Contains(ExecJobFails(R"("group": 4294967296)"), "job \"x\": key \"group\": ");
    Contains(ExecJobFails(R"("user": "4294967296")"), "job \"x\": key \"user\": ");
  }
}

TEST_CASE("Config: umask is an octal string") {
  CHECK(ExecJob(R"("umask": "022")").umask == 022u);
  CHECK(ExecJob(R"("umask": "0027")").umask == 027u);
  CHECK(ExecJob(R"("umask": "7")").umask == 07u);
  CHECK(ExecJob(R"("umask": "0")").umask == 0u);
  // A number would be read in decimal (22 is not 022), so numbers are refused.
  for (const std::string value : {"22", "18", R"("9")", R"("08")", R"("")", R"("00022")",
                                  R"("-22")", R"("0x12")", R"("u=rwx")", "null"}) {
    CAPTURE(value);
    Contains(ExecJobFails(R"("umask": )" + value), "job \"x\": key \"umask\": ");
  }
}

TEST_CASE("Config: success_codes is a non-empty array of exit statuses") {
  CHECK(ExecJob(R"("success_codes": [0, 24])").success_codes == std::vector<int>{0, 24});
  CHECK(ExecJob(R"("success_codes": [1])").success_codes == std::vector<int>{1});
  CHECK(ExecJob(R"("success_codes": [255])").success_codes == std::vector<int>{255});
  for (const std::string value :
       {"[]", "[256]", "[-1]", R"(["a"])", "[0.5]", "0", R"("0")", "[0, 256]", "[[0]]", "null"}) {
    CAPTURE(value);
    Contains(ExecJobFails(R"("success_codes": )" + value), "job \"x\": key \"success_codes\": ");
  }
}

TEST_CASE("Config: stop_signal is a signal name or number") {
  CHECK(ExecJob(R"("stop_signal": "SIGINT")").stop_signal == SIGINT);
  CHECK(ExecJob(R"("stop_signal": "HUP")").stop_signal == SIGHUP);
  CHECK(ExecJob(R"("stop_signal": "SIGUSR1")").stop_signal == SIGUSR1);
  CHECK(ExecJob(R"("stop_signal": 2)").stop_signal == SIGINT);
  CHECK(ExecJob(R"("stop_signal": "15")").stop_signal == SIGTERM);
  for (const std::string value :
       {R"("SIGFOO")", R"("")", "0", "99999", R"("sig")", "null", R"(["SIGINT"])"}) {
    CAPTURE(value);
    Contains(ExecJobFails(R"("stop_signal": )" + value), "job \"x\": key \"stop_signal\": ");
  }
  Contains(ExecJobFails(R"("stop_signal": "SIGFOO")"), "SIGFOO");
}

TEST_CASE("Config: the exec keys of issue 4 are refused on a timestamp job") {
  for (const std::string key_value :
       {R"("user": "nobody")", R"("group": "root")", R"("umask": "022")", R"("success_codes": [0])",
        R"("stop_signal": "SIGINT")"}) {
    CAPTURE(key_value);
    std::string key = key_value.substr(0, key_value.find(':'));
    Contains(ParseFails(OneJob(R"("name": "x", "task": "timestamp", "every": "1s", )" + key_value)),
             "job \"x\": key " + key + " applies to exec jobs only");
  }
}

TEST_CASE("Config: the top-level keys of the socket and includes have defaults") {
  Config config = ParseOk(R"({"jobs": []})");
  CHECK(config.files == std::vector<std::string>{kOrigin});
  CHECK(config.socket_mode == 0660u);
  CHECK(config.socket_group.empty());
  CHECK(config.include.empty());
}

TEST_CASE("Config: socket_mode is an octal string of at most 0777") {
  auto mode = [](const std::string& value) {
    return ParseOk(R"({"jobs": [], "socket_mode": )" + value + "}").socket_mode;
  };
  CHECK(mode(R"("0660")") == 0660u);
  CHECK(mode(R"("660")") == 0660u);
  CHECK(mode(R"("0600")") == 0600u);
  CHECK(mode(R"("777")") == 0777u);
  CHECK(mode(R"("0")") == 0u);
  // 660 as a JSON number would be read in decimal (01224), so numbers are refused.
  for (const std::string value :
       {"660", "0", R"("999")", R"("")", R"("0x1b0")", R"("rw-rw----")", R"("00660")", "null"}) {
    CAPTURE(value);
    CHECK(ParseFails(R"({"jobs": [], "socket_mode": )" + value + "}") ==
          "config t.json: key \"socket_mode\": expected an octal string such as \"0660\"");
  }
  SUBCASE("above 0777: setuid, setgid and sticky bits mean nothing on a socket") {
    for (const std::string value : {R"("01000")", R"("1000")", R"("4755")"}) {
      CAPTURE(value);
      Contains(ParseFails(R"({"jobs": [], "socket_mode": )" + value + "}"),
               "config t.json: key \"socket_mode\": ");
    }
    Contains(ParseFails(R"({"jobs": [], "socket_mode": "1000"})"), "is above \"0777\"");
  }
}

TEST_CASE("Config: socket_group is a known group name or a gid") {
  auto group = [](const std::string& value) {
    return ParseOk(R"({"jobs": [], "socket_group": )" + value + "}").socket_group;
  };
  CHECK(group(R"("root")") == "root");
  CHECK(group(R"("0")") == "0");
  CHECK(group("0") == "0");
  SUBCASE("an unknown group is refused at load, so that --check finds it") {
    std::string msg = ParseFails(R"({"jobs": [], "socket_group": "thr-no-such-group"})");
    CHECK(msg == "config t.json: key \"socket_group\": unknown group \"thr-no-such-group\"");
  }
  SUBCASE("neither a name nor an id") {
    for (const std::string value : {R"("")", "-1", "true", R"(["root"])", "4294967296"}) {
      CAPTURE(value);
      Contains(ParseFails(R"({"jobs": [], "socket_group": )" + value + "}"),
               "config t.json: key \"socket_group\": ");
    }
  }
}

TEST_CASE("Config: max_connections is an integer from 1 to 65536, default 1024") {
  CHECK(ParseOk(R"({"jobs": []})").max_connections == 1024u);
  auto cap = [](const std::string& value) {
    return ParseOk(R"({"jobs": [], "max_connections": )" + value + "}").max_connections;
  };
  CHECK(cap("1") == 1u);
  CHECK(cap("8") == 8u);
  CHECK(cap("65536") == 65536u);
  for (const std::string value : {"0", "-1", "65537", "1.5", R"("8")", "true", "null"}) {
    CAPTURE(value);
    CHECK(ParseFails(R"({"jobs": [], "max_connections": )" + value + "}") ==
          "config t.json: key \"max_connections\": expected an integer from 1 to 65536, got " +
              value);
  }
}

TEST_CASE("Config: idle_timeout is a duration of at least 1s, default 5m") {
  CHECK(ParseOk(R"({"jobs": []})").idle_timeout == Duration(5 * 60'000));
  auto idle = [](const std::string& value) {
    return ParseOk(R"({"jobs": [], "idle_timeout": )" + value + "}").idle_timeout;
  };
  CHECK(idle(R"("1s")") == Duration(1000));
  CHECK(idle(R"("1h")") == Duration(3'600'000));
  CHECK(idle("30") == Duration(30'000));
  Contains(ParseFails(R"({"jobs": [], "idle_timeout": "500ms"})"),
           "config t.json: key \"idle_timeout\": 500ms is below the minimum of 1s");
  for (const std::string value : {R"("soon")", R"("0s")", "-5", "true"}) {
    CAPTURE(value);
    Contains(ParseFails(R"({"jobs": [], "idle_timeout": )" + value + "}"),
             "config t.json: key \"idle_timeout\": ");
  }
}

TEST_CASE("Config: an unknown top-level key suggests the new keys too") {
  Contains(ParseFails(R"({"jobs": [], "socket_mod": "0660"})"),
           "unknown key \"socket_mod\" (did you mean \"socket_mode\"?)");
  Contains(ParseFails(R"({"jobs": [], "includes": []})"),
           "unknown key \"includes\" (did you mean \"include\"?)");
}

TEST_CASE("Config: allow lists users and groups per class, resolved to ids at load") {
  SUBCASE("absent: nobody listed") {
    Config config = ParseOk(R"({"jobs": []})");
    CHECK(config.allow == Allow{});
  }
  SUBCASE("names and ids, as strings or numbers") {
    Config config = ParseOk(R"({"jobs": [], "allow": {
      "control": {"users": ["root", 4242, "4243"], "groups": ["root"]},
      "read": {"users": [], "groups": ["0", 5000]}}})");
    CHECK(config.allow.control.users == std::vector<std::string>{"root", "4242", "4243"});
    CHECK(config.allow.control.uids == std::vector<uid_t>{0, 4242, 4243});
    CHECK(config.allow.control.groups == std::vector<std::string>{"root"});
    CHECK(config.allow.control.gids == std::vector<gid_t>{0});
    CHECK(config.allow.read.uids.empty());
    CHECK(config.allow.read.gids == std::vector<gid_t>{0, 5000});
  }
  SUBCASE("one class alone, one list alone") {
    Config config = ParseOk(R"({"jobs": [], "allow": {"read": {"groups": ["root"]}}})");
    CHECK(config.allow.control == AllowList{});
    CHECK(config.allow.read.gids == std::vector<gid_t>{0});
    CHECK(config.allow.read.uids.empty());
  }
}

TEST_CASE("Config: a bad allow is refused naming the key, down to the list member") {
  auto fails = [](const std::string& allow) {
    return ParseFails(R"({"jobs": [], "allow": )" + allow + "}");
  };
  CHECK(fails(R"(["alice"])") ==
        "config t.json: key \"allow\": expected an object such as {\"control\": {\"users\": "
        "[...], \"groups\": [...]}, \"read\": {...}}, got array");
  CHECK(fails(R"({"contrl": {}})") ==
        "config t.json: key \"allow\": unknown key \"contrl\" (did you mean \"control\"?)");
  CHECK(fails(R"({"write": {}})") == "config t.json: key \"allow\": unknown key \"write\"");
  CHECK(fails(R"({"control": ["alice"]})") ==
        "config t.json: key \"allow.control\": expected an object with \"users\" and/or "
        "\"groups\", got array");
  CHECK(fails(R"({"read": {"user": ["alice"]}})") ==
        "config t.json: key \"allow.read\": unknown key \"user\" (did you mean \"users\"?)");
  CHECK(fails(R"({"control": {"users": "alice"}})") ==
        "config t.json: key \"allow.control.users\": expected an array of user names or uids, "
        "got string");
  CHECK(fails(R"({"read": {"groups": {"adm": true}}})") ==
        "config t.json: key \"allow.read.groups\": expected an array of group names or gids, "
        "got object");
  CHECK(fails(R"({"control": {"users": ["thr-no-such-user"]}})") ==
        "config t.json: key \"allow.control.users[0]\": unknown user \"thr-no-such-user\"");
  CHECK(fails(R"({"read": {"groups": ["root", "thr-no-such-group"]}})") ==
        "config t.json: key \"allow.read.groups[1]\": unknown group \"thr-no-such-group\"");
  for (const std::string member : {R"("")", "-1", "true", "null", R"(["root"])", "4294967296"}) {
    CAPTURE(member);
    Contains(fails(R"({"control": {"users": [)" + member + "]}}"),
             "config t.json: key \"allow.control.users[0]\": ");
    Contains(fails(R"({"read": {"groups": [)" + member + "]}}"),
             "config t.json: key \"allow.read.groups[0]\": ");
  }
  SUBCASE("a misspelt top-level key suggests allow") {
    Contains(ParseFails(R"({"jobs": [], "alow": {}})"), "(did you mean \"allow\"?)");
  }
}

TEST_CASE("Config: DescribeConfig says the file, the drop-ins read and the job count") {
  Config config;
  config.origin = "/etc/thrd/thrd.json";
  config.files = {config.origin};
  CHECK(DescribeConfig(config) == "/etc/thrd/thrd.json: ok, 0 jobs");
  config.jobs.resize(1);
  CHECK(DescribeConfig(config) == "/etc/thrd/thrd.json: ok, 1 job");
  config.files.push_back("/etc/thrd/conf.d/a.json");
  config.jobs.resize(5);
  CHECK(DescribeConfig(config) == "/etc/thrd/thrd.json (+1 drop-in): ok, 5 jobs");
  config.files.push_back("/etc/thrd/conf.d/b.json");
  CHECK(DescribeConfig(config) == "/etc/thrd/thrd.json (+2 drop-ins): ok, 5 jobs");
  // The embedded default: no files at all.
  REQUIRE(LoadDefaultConfig(&config).ok());
  CHECK(DescribeConfig(config) == "<embedded default>: ok, 1 job");
}

}  // namespace
}  // namespace thr

namespace thr {
namespace {

TEST_CASE("Config: an exec job without every is a service, with the documented defaults") {
  Config config = ParseOk(OneJob(R"("name": "web", "task": "exec", "command": ["srv"])"));
  const JobSpec& web = config.jobs.at(0);
  CHECK(IsService(web));
  CHECK_FALSE(web.every.has_value());
  CHECK(web.restart == RestartMode::kAlways);
  CHECK(web.backoff == Duration(1'000));
  CHECK(web.backoff_max == Duration(60'000));
  CHECK(web.healthy_after == Duration(10'000));
  CHECK(web.max_restarts == 5);
  CHECK_FALSE(web.restart_window.has_value());
  CHECK_FALSE(web.has_hook());
  CHECK(web.hook_timeout == Duration(30'000));
  CHECK(DescribeKind(web) == "exec service (restart always)");
  CHECK_FALSE(IsService(ParseOk(OneJob(R"("name": "p", "task": "exec", "command": "x",
                                          "every": "1s")"))
                            .jobs.at(0)));
}

TEST_CASE("Config: the service and failure keys are read") {
  Config config = ParseOk(R"({"jobs": [
    {"name": "web", "task": "exec", "command": "srv", "restart": "on-failure", "backoff": "2s",
     "backoff_max": "5m", "healthy_after": "30s", "max_restarts": 0, "restart_window": "10m",
     "on_failure": ["/bin/notify", "x"], "hook_timeout": "5s"},
    {"name": "p", "task": "exec", "command": "x", "every": "1m", "max_failures": 3,
     "on_failure": "echo $THRD_JOB"},
    {"name": "t", "task": "timestamp", "every": "1s", "max_failures": 1},
    {"name": "n", "task": "exec", "command": "x", "restart": "never"}]})");
  const JobSpec& web = config.jobs.at(0);
  CHECK(web.restart == RestartMode::kOnFailure);
  CHECK(web.backoff == Duration(2'000));
  CHECK(web.backoff_max == Duration(300'000));
  CHECK(web.healthy_after == Duration(30'000));
  CHECK(web.max_restarts == 0);
  CHECK(web.restart_window == Duration(600'000));
  CHECK(web.on_failure_argv == std::vector<std::string>{"/bin/notify", "x"});
  CHECK(web.hook_timeout == Duration(5'000));
  CHECK(config.jobs.at(1).max_failures == 3);
  CHECK(config.jobs.at(1).on_failure_shell == "echo $THRD_JOB");
  CHECK(config.jobs.at(1).has_hook());
  CHECK(config.jobs.at(2).max_failures == 1);
  CHECK(config.jobs.at(3).restart == RestartMode::kNever);
  // A setting that differs makes a different spec (reload restarts the job).
  CHECK_FALSE(ParseOk(OneJob(R"("name": "a", "task": "exec", "command": "x")")).jobs.at(0) ==
              ParseOk(OneJob(R"("name": "a", "task": "exec", "command": "x", "backoff": "2s")"))
                  .jobs.at(0));
}

TEST_CASE("Config: service and failure keys are refused where they do not apply") {
  SUBCASE("a timestamp task needs a schedule") {
    Contains(ParseFails(OneJob(R"("name": "x", "task": "timestamp")")),
             "job \"x\": missing key \"every\" or \"cron\" (a timestamp task needs a schedule");
  }
  SUBCASE("service keys on a periodic job") {
    for (const char* key :
         {"restart", "backoff", "backoff_max", "healthy_after", "max_restarts", "restart_window"}) {
      CAPTURE(key);
      std::string value = std::string(key) == "restart"        ? "\"always\""
                          : std::string(key) == "max_restarts" ? "2"
                                                               : "\"1s\"";
      Contains(
          ParseFails(OneJob(R"("name": "x", "task": "exec", "command": "y", "every": "1s", ")" +
                            std::string(key) + "\": " + value)),
          "job \"x\": key \"" + std::string(key) +
              "\" applies to services only (exec jobs without \"every\" or \"cron\")");
    }
  }
  SUBCASE("max_failures on a service") {
    Contains(
        ParseFails(OneJob(R"("name": "x", "task": "exec", "command": "y", "max_failures": 2)")),
        "job \"x\": key \"max_failures\" applies to periodic jobs only");
  }
  SUBCASE("timeout on a service") {
    Contains(ParseFails(OneJob(R"("name": "x", "task": "exec", "command": "y", "timeout": "1s")")),
             "job \"x\": key \"timeout\" applies to periodic exec jobs only");
  }
}

TEST_CASE("Config: bad values of the service and failure keys name the job and key") {
  const std::string svc = R"("name": "x", "task": "exec", "command": "y", )";
  Contains(ParseFails(OneJob(svc + R"("restart": "sometimes")")),
           "job \"x\": key \"restart\": \"sometimes\" is not one of always, on-failure, never");
  Contains(ParseFails(OneJob(svc + R"("restart": 1)")),
           "job \"x\": key \"restart\": expected a string");
  Contains(ParseFails(OneJob(svc + R"("backoff": "0s")")), "job \"x\": key \"backoff\":");
  Contains(ParseFails(OneJob(svc + R"("healthy_after": "5x")")),
           "job \"x\": key \"healthy_after\":");
  Contains(ParseFails(OneJob(svc + R"("max_restarts": -1)")),
           "job \"x\": key \"max_restarts\": expected an integer from 0 to 1000000");
  Contains(ParseFails(OneJob(svc + R"("max_restarts": "5")")),
           "job \"x\": key \"max_restarts\": expected an integer");
  Contains(ParseFails(OneJob(svc + R"("backoff": "10s", "backoff_max": "5s")")),
           "job \"x\": key \"backoff_max\": 5s is below backoff (10s)");
  Contains(ParseFails(OneJob(svc + R"("on_failure": [])")),
           "job \"x\": key \"on_failure\": argv must not be empty");
  Contains(ParseFails(OneJob(svc + R"("on_failure": "")")),
           "job \"x\": key \"on_failure\": must not be empty");
  Contains(ParseFails(OneJob(svc + R"("hook_timeout": 0)")), "job \"x\": key \"hook_timeout\":");
  Contains(
      ParseFails(OneJob(R"("name": "x", "task": "timestamp", "every": "1s", "max_failures": 1.5)")),
      "job \"x\": key \"max_failures\": expected an integer from 0 to 1000000");
}

}  // namespace
}  // namespace thr

namespace thr {
namespace {

TEST_CASE("Config: calendar keys") {
  SUBCASE("cron, tz, jitter and catch_up are read") {
    Config config = ParseOk(OneJob(
        R"("name": "b", "task": "exec", "command": "y", "cron": "30 2 * * 1-5", "tz": "Europe/Berlin", "jitter": "5m", "catch_up": true)"));
    const JobSpec& spec = config.jobs.at(0);
    CHECK(spec.cron == "30 2 * * 1-5");
    CHECK(spec.tz == "Europe/Berlin");
    CHECK(spec.jitter == Duration(300'000));
    CHECK(spec.catch_up);
    CHECK_FALSE(spec.every.has_value());
    CHECK(IsCalendar(spec));
    CHECK_FALSE(IsService(spec));  // an exec job with cron is scheduled, not a service
    CHECK(DescribeKind(spec) == "exec cron \"30 2 * * 1-5\" (Europe/Berlin)");
  }
  SUBCASE("a timestamp job with cron needs no every; tz defaults to local time") {
    const JobSpec spec =
        ParseOk(OneJob(R"("name": "t", "task": "timestamp", "cron": "@hourly")")).jobs.at(0);
    CHECK(spec.tz.empty());
    CHECK(DescribeKind(spec) == "timestamp cron \"@hourly\" (local time)");
  }
  SUBCASE("jitter applies to every jobs too") {
    CHECK(ParseOk(OneJob(R"("name": "t", "task": "timestamp", "every": "1m", "jitter": "10s")"))
              .jobs.at(0)
              .jitter == Duration(10'000));
  }
  SUBCASE("a bad expression names the job, the key and the field") {
    Contains(ParseFails(OneJob(R"("name": "n", "task": "timestamp", "cron": "0 25 * * *")")),
             "job \"n\": key \"cron\": field 2 (hour): \"25\" is out of range 0-23");
  }
  SUBCASE("every and cron exclude each other") {
    Contains(ParseFails(
                 OneJob(R"("name": "n", "task": "timestamp", "every": "1s", "cron": "* * * * *")")),
             "job \"n\": keys \"every\" and \"cron\" exclude each other");
  }
  SUBCASE("tz and catch_up need cron") {
    Contains(ParseFails(OneJob(R"("name": "n", "task": "timestamp", "every": "1s", "tz": "UTC")")),
             "job \"n\": key \"tz\" applies to cron jobs only");
    Contains(
        ParseFails(OneJob(R"("name": "n", "task": "timestamp", "every": "1s", "catch_up": true)")),
        "job \"n\": key \"catch_up\" applies to cron jobs only");
  }
  SUBCASE("an unknown zone") {
    Contains(ParseFails(OneJob(
                 R"("name": "n", "task": "timestamp", "cron": "@daily", "tz": "Mars/Olympus")")),
             "job \"n\": key \"tz\": unknown time zone \"Mars/Olympus\"");
  }
  SUBCASE("jitter on a service") {
    Contains(ParseFails(OneJob(R"("name": "n", "task": "exec", "command": "y", "jitter": "1s")")),
             "job \"n\": key \"jitter\" applies to periodic jobs only");
  }
}

}  // namespace
}  // namespace thr

namespace thr {
namespace {

TEST_CASE("Config: history is a count of runs from 0 to 10000, default 100, on every job") {
  const std::string tick = R"("name": "x", "task": "timestamp", "every": "1s")";
  CHECK(ParseOk(OneJob(tick)).jobs.at(0).history == 100);
  CHECK(ParseOk(OneJob(tick + R"(, "history": 0)")).jobs.at(0).history == 0);
  CHECK(ParseOk(OneJob(tick + R"(, "history": 10000)")).jobs.at(0).history == 10000);
  CHECK(ParseOk(OneJob(R"("name": "s", "task": "exec", "command": "y", "history": 5)"))
            .jobs.at(0)
            .history == 5);
  for (const char* bad : {"-1", "10001", "1.5", "\"100\"", "true", "null"}) {
    CAPTURE(bad);
    Contains(ParseFails(OneJob(tick + R"(, "history": )" + bad)),
             "job \"x\": key \"history\": expected an integer from 0 to 10000");
  }
  SUBCASE("a changed history is a changed job (reload compares specs)") {
    CHECK_FALSE(ParseOk(OneJob(tick)).jobs.at(0) ==
                ParseOk(OneJob(tick + R"(, "history": 5)")).jobs.at(0));
  }
}

}  // namespace
}  // namespace thr
