// Drop-ins (the config's `include` globs): which files are read and in what order, and errors
// that name the file they are in.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_util.h"
#include "thr/config.h"

namespace thr {
namespace {

using Strings = std::vector<std::string>;

// A temp dir to write configs into, with subdirectories made as needed.
class ConfigDir {
 public:
  // Writes `text` to `name` (relative to the dir) and returns its full path.
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_.File(name);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
    return path;
  }
  std::string File(const std::string& name) const { return dir_.File(name); }

 private:
  test::TempDir dir_;
};

// A drop-in holding the timestamp jobs `names`.
std::string DropIn(const Strings& names) {
  std::string text = R"({"jobs": [)";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += ", ";
    text += R"({"name": ")" + names[i] + R"(", "task": "timestamp", "every": "1s"})";
  }
  return text + "]}";
}

// A main file including `patterns` (JSON strings, written as is) with the jobs `names`.
std::string Main(const std::string& patterns, const Strings& names = {}) {
  std::string jobs = DropIn(names);
  return R"({"include": [)" + patterns + "], " + jobs.substr(1);
}

Strings JobNames(const Config& config) {
  Strings names;
  for (const JobSpec& job : config.jobs) names.push_back(job.name);
  return names;
}

Config LoadOk(const std::string& path) {
  Config config;
  Status s = LoadConfig(path, &config);
  INFO("status: ", s.ToString());
  REQUIRE(s.ok());
  return config;
}

std::string LoadFails(const std::string& path) {
  Config config;
  Status s = LoadConfig(path, &config);
  CHECK(s.code() == Status::Code::kInvalidConfig);
  CHECK(s.message().find('\n') == std::string::npos);
  return s.message();
}

void Contains(const std::string& message, const std::string& part) {
  INFO("message: ", message);
  INFO("expected to contain: ", part);
  CHECK(message.find(part) != std::string::npos);
}

TEST_CASE("Config include: relative and absolute patterns, each pattern's matches sorted") {
  ConfigDir dir;
  std::string b = dir.Write("conf.d/b.json", DropIn({"b1", "b2"}));
  std::string a = dir.Write("conf.d/a.json", DropIn({"a1"}));
  std::string c = dir.Write("conf.d/c.json", DropIn({}));
  std::string extra = dir.Write("extra/z.json", DropIn({"z"}));
  dir.Write("conf.d/ignored.txt", "not json");
  // The absolute pattern is written first: patterns keep their order, matches are sorted.
  std::string main = dir.Write(
      "thrd.json", Main("\"" + dir.File("extra") + "/*.json\", \"conf.d/*.json\"", {"m"}));

  Config config = LoadOk(main);
  CHECK(config.origin == main);
  CHECK(config.files == Strings{main, extra, a, b, c});
  CHECK(config.include == Strings{dir.File("extra") + "/*.json", "conf.d/*.json"});
  CHECK(JobNames(config) == Strings{"m", "z", "a1", "b1", "b2"});
  CHECK(DescribeConfig(config) == main + " (+4 drop-ins): ok, 5 jobs");
}

TEST_CASE("Config include: matches are read in byte order of their paths, whatever the locale") {
  ConfigDir dir;
  // Enough files that the directory's own order (hashed on ext4) is unlikely to be sorted.
  const Strings names = {"m", "c", "x", "10-a", "q", "b", "Z", "09-z", "a", "B", "y", "_"};
  for (const std::string& name : names) dir.Write("conf.d/" + name + ".json", DropIn({name}));
  Config config = LoadOk(dir.Write("thrd.json", Main(R"("conf.d/*.json")")));
  CHECK(JobNames(config) ==
        Strings{"09-z", "10-a", "B", "Z", "_", "a", "b", "c", "m", "q", "x", "y"});
  REQUIRE(config.files.size() == 13);
  CHECK(config.files[1] == dir.File("conf.d/09-z.json"));
}

TEST_CASE("Config include: ParseConfig resolves relative patterns against its origin's directory") {
  ConfigDir dir;
  std::string a = dir.Write("conf.d/a.json", DropIn({"a"}));
  std::string origin = dir.File("not-written.json");
  Config config;
  REQUIRE(ParseConfig(Main(R"("conf.d/*.json")"), origin, &config).ok());
  CHECK(config.files == Strings{origin, a});
  CHECK(JobNames(config) == Strings{"a"});
}

TEST_CASE("Config include: a pattern that matches nothing is fine") {
  ConfigDir dir;
  dir.Write("conf.d/a.txt", "{}");
  std::string main =
      dir.Write("thrd.json",
                Main(R"("conf.d/*.json", "missing.d/*.json", "absent.json", "*/*/*.json")", {"m"}));
  Config config = LoadOk(main);
  CHECK(config.files == Strings{main});
  CHECK(config.include.size() == 4);
  CHECK(JobNames(config) == Strings{"m"});
  CHECK(DescribeConfig(config) == main + ": ok, 1 job");
}

TEST_CASE("Config include: a file matched twice is read once, and the main file never again") {
  ConfigDir dir;
  std::string a = dir.Write("conf.d/a.json", DropIn({"a"}));
  std::string b = dir.Write("conf.d/b.json", DropIn({"b"}));
  std::string main = dir.Write(
      "thrd.json", Main(R"("conf.d/b.json", "conf.d/*.json", "./conf.d/a.json", "*.json")", {"m"}));
  Config config = LoadOk(main);
  CHECK(config.files == Strings{main, b, a});
  CHECK(JobNames(config) == Strings{"m", "b", "a"});
  CHECK(DescribeConfig(config) == main + " (+2 drop-ins): ok, 3 jobs");
}

TEST_CASE("Config include: glob characters in the main file's directory are taken literally") {
  ConfigDir dir;
  std::string a = dir.Write("x[1]*/conf.d/a.json", DropIn({"a"}));
  dir.Write("x1z/conf.d/b.json", DropIn({"b"}));  // what "x[1]*" would match as a pattern
  std::string main = dir.Write("x[1]*/thrd.json", Main(R"("conf.d/*.json")"));
  Config config = LoadOk(main);
  CHECK(config.files == Strings{main, a});
}

TEST_CASE("Config include: job names are unique across files, and the message names both") {
  ConfigDir dir;
  SUBCASE("two drop-ins") {
    std::string a = dir.Write("conf.d/a.json", DropIn({"x"}));
    std::string b = dir.Write("conf.d/b.json", DropIn({"y", "x"}));
    std::string main = dir.Write("thrd.json", Main(R"("conf.d/*.json")"));
    std::string msg = LoadFails(main);
    CHECK(msg == "config " + b + ": job \"x\": duplicate name (already defined in " + a + ")");
  }
  SUBCASE("the main file and a drop-in") {
    std::string a = dir.Write("conf.d/a.json", DropIn({"m"}));
    std::string main = dir.Write("thrd.json", Main(R"("conf.d/*.json")", {"m"}));
    CHECK(LoadFails(main) ==
          "config " + a + ": job \"m\": duplicate name (already defined in " + main + ")");
  }
  SUBCASE("twice in one drop-in") {
    std::string a = dir.Write("conf.d/a.json", DropIn({"x", "x"}));
    std::string main = dir.Write("thrd.json", Main(R"("conf.d/*.json")"));
    CHECK(LoadFails(main) == "config " + a + ": job \"x\": duplicate name");
  }
}

TEST_CASE("Config include: errors in a drop-in name the drop-in") {
  ConfigDir dir;
  std::string main = dir.Write("thrd.json", Main(R"("conf.d/*.json")", {"m"}));
  dir.Write("conf.d/a.json", DropIn({"a"}));
  SUBCASE("a syntax error, with line:column") {
    // Line 3 is `  {"name": "b",}`; the '}' after the comma is its 16th byte.
    std::string b = dir.Write("conf.d/b.json", "// b\n{\"jobs\": [\n  {\"name\": \"b\",}\n]}\n");
    std::string msg = LoadFails(main);
    Contains(msg, "config " + b + ":3:16: syntax error: ");
    CHECK(msg.find(main) == std::string::npos);
  }
  SUBCASE("an unknown key, with a suggestion") {
    std::string b = dir.Write("conf.d/b.json", R"({"jbos": []})");
    CHECK(LoadFails(main) == "config " + b + ": unknown key \"jbos\" (did you mean \"jobs\"?)");
  }
  SUBCASE("include inside a drop-in") {
    std::string b = dir.Write("conf.d/b.json", R"({"include": ["more/*.json"], "jobs": []})");
    CHECK(LoadFails(main) == "config " + b +
                                 ": key \"include\" is not allowed in a drop-in, which holds "
                                 "only \"jobs\"");
  }
  SUBCASE("a main-file key inside a drop-in") {
    std::string b = dir.Write("conf.d/b.json", R"({"jobs": [], "socket_mode": "0600"})");
    std::string msg = LoadFails(main);
    Contains(msg, "config " + b + ": key \"socket_mode\" is not allowed in a drop-in");
  }
  SUBCASE("not an object") {
    std::string b = dir.Write("conf.d/b.json", R"([{"name": "b"}])");
    Contains(LoadFails(main), "config " + b + ":1:1: expected a JSON object at the top, got array");
  }
  SUBCASE("no jobs key") {
    std::string b = dir.Write("conf.d/b.json", "{}");
    CHECK(LoadFails(main) == "config " + b + ": missing key \"jobs\"");
  }
  SUBCASE("a bad job key") {
    std::string b = dir.Write("conf.d/b.json",
                              R"({"jobs": [{"name": "b", "task": "timestamp", "every": "5x"}]})");
    Contains(LoadFails(main), "config " + b + ": job \"b\": key \"every\": ");
  }
  SUBCASE("a directory that the pattern matches") {
    std::string b = dir.File("conf.d/b.json");
    std::filesystem::create_directories(b);
    CHECK(LoadFails(main) == "config " + b + ": is a directory, expected a JSON file");
  }
  SUBCASE("a dangling symlink") {
    std::string b = dir.File("conf.d/b.json");
    REQUIRE(::symlink("nowhere.json", b.c_str()) == 0);
    Contains(LoadFails(main), "config " + b + ": cannot open: No such file or directory");
  }
}

TEST_CASE("Config include: a directory glob cannot read is an error naming the pattern") {
  ConfigDir dir;
  std::string main = dir.Write("thrd.json", Main(R"("conf.d/*.json")"));
  std::string conf_d = dir.File("conf.d");
  SUBCASE("a symlink loop (ELOOP)") {
    REQUIRE(::symlink("conf.d", conf_d.c_str()) == 0);
    std::string msg = LoadFails(main);
    Contains(msg, "config " + main +
                      ": key \"include\": \"conf.d/*.json\": cannot read directory " + conf_d +
                      ": ");
  }
  SUBCASE("no permission (EACCES)") {
    if (::geteuid() == 0) return;  // root reads it anyway
    std::filesystem::create_directories(conf_d);
    ::chmod(conf_d.c_str(), 0);
    std::string msg = LoadFails(main);
    ::chmod(conf_d.c_str(), 0700);
    Contains(msg, "key \"include\": \"conf.d/*.json\": cannot read directory " + conf_d +
                      ": Permission denied");
  }
}

TEST_CASE("Config include: the value is an array of non-empty strings") {
  for (const std::string value : {R"("conf.d/*.json")", "{}", R"([""])", "[1]", R"(["a", null])"}) {
    CAPTURE(value);
    Config config;
    Status s = ParseConfig(R"({"jobs": [], "include": )" + value + "}", "t.json", &config);
    CHECK(s.code() == Status::Code::kInvalidConfig);
    Contains(s.message(), "config t.json: key \"include\": ");
  }
  Config config;
  REQUIRE(ParseConfig(R"({"jobs": [], "include": []})", "t.json", &config).ok());
  CHECK(config.include.empty());
  CHECK(config.files == Strings{"t.json"});
}

}  // namespace
}  // namespace thr
