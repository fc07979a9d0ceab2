// Kept decisions: the state a command leaves behind, the file's text, where the state dir is,
// and the file itself (atomic replace, damage reported with the path).
#include "thr/decisions.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "test_util.h"

namespace thr {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

const Decisions kSample = {
    {"a", JobState::kRunning}, {"b-2", JobState::kPaused}, {"c.x_y", JobState::kStopped}};

TEST_CASE("Decisions: DecisionFor keeps a kill or a failure as stopped, the rest as they are") {
  CHECK(DecisionFor(JobState::kKilled) == JobState::kStopped);
  CHECK(DecisionFor(JobState::kFailed) == JobState::kStopped);
  CHECK(DecisionFor(JobState::kRunning) == JobState::kRunning);
  CHECK(DecisionFor(JobState::kPaused) == JobState::kPaused);
  CHECK(DecisionFor(JobState::kStopped) == JobState::kStopped);
}

TEST_CASE("Decisions: FormatDecisions and ParseDecisions round trip") {
  SUBCASE("some decisions") {
    std::string text = FormatDecisions(kSample);
    CHECK(text.find("\"version\"") != std::string::npos);
    CHECK(text.back() == '\n');
    Decisions back;
    REQUIRE(ParseDecisions(text, &back).ok());
    CHECK(back == kSample);
  }
  SUBCASE("none") {
    Decisions back = kSample;  // ParseDecisions replaces, not merges
    REQUIRE(ParseDecisions(FormatDecisions({}), &back).ok());
    CHECK(back.empty());
  }
  SUBCASE("a hand-written file in the documented shape") {
    Decisions back;
    REQUIRE(ParseDecisions(R"({"version": 1, "decisions": {"sync": "paused", "web": "stopped"}})",
                           &back)
                .ok());
    CHECK(back == Decisions{{"sync", JobState::kPaused}, {"web", JobState::kStopped}});
  }
}

TEST_CASE("Decisions: ParseDecisions rejects what is not a decisions file, leaving out empty") {
  const std::string valid = FormatDecisions(kSample);
  std::string text;
  SUBCASE("garbage") { text = "\x01\x02 not json at all"; }
  SUBCASE("empty") { text = ""; }
  SUBCASE("a valid file cut in the middle") { text = valid.substr(0, valid.size() / 2); }
  SUBCASE("a valid file missing its last brace") { text = valid.substr(0, valid.rfind('}')); }
  SUBCASE("not an object") { text = "[1, 2]"; }
  SUBCASE("no version") { text = R"({"decisions": {}})"; }
  SUBCASE("version 2") { text = R"({"version": 2, "decisions": {}})"; }
  SUBCASE("version 0") { text = R"({"version": 0, "decisions": {}})"; }
  SUBCASE("version as a string") { text = R"({"version": "1", "decisions": {}})"; }
  SUBCASE("version as a fraction") { text = R"({"version": 1.5, "decisions": {}})"; }
  SUBCASE("version as a boolean") { text = R"({"version": true, "decisions": {}})"; }
  SUBCASE("decisions missing") { text = R"({"version": 1})"; }
  SUBCASE("decisions an array") { text = R"({"version": 1, "decisions": ["a"]})"; }
  SUBCASE("decisions a string") { text = R"({"version": 1, "decisions": "a"})"; }
  SUBCASE("a state killed") {
    text = R"({"version": 1, "decisions": {"a": "paused", "z": "killed"}})";
  }
  SUBCASE("a state failed") { text = R"({"version": 1, "decisions": {"a": "failed"}})"; }
  SUBCASE("a state bogus") {
    text = R"({"version": 1, "decisions": {"a": "paused", "z": "bogus"}})";
  }
  SUBCASE("a state that is not a string") {
    text = R"({"version": 1, "decisions": {"a": "paused", "z": 1}})";
  }
  SUBCASE("a state null") { text = R"({"version": 1, "decisions": {"a": null}})"; }
  CAPTURE(text);
  Decisions out = kSample;
  Status s = ParseDecisions(text, &out);
  CHECK(s.code() == Status::Code::kInvalidConfig);
  CHECK_FALSE(s.message().empty());
  CHECK(out.empty());
}

TEST_CASE("Decisions: a rejected state is named in the message") {
  Decisions out;
  Status s = ParseDecisions(R"({"version": 1, "decisions": {"sync": "bogus"}})", &out);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("sync") != std::string::npos);
  CHECK(s.message().find("bogus") != std::string::npos);
}

// Saves and restores the variables ResolveStateDir reads.
struct StateDirEnv {
  test::ScopedEnv state_directory{"STATE_DIRECTORY", std::nullopt};
  test::ScopedEnv xdg{"XDG_STATE_HOME", std::nullopt};
  test::ScopedEnv home{"HOME", std::nullopt};
};

TEST_CASE("Decisions: ResolveStateDir: the flag, then $STATE_DIRECTORY, then the user's") {
  StateDirEnv env;
  ::setenv("HOME", "/home/someone", 1);
  ::setenv("XDG_STATE_HOME", "/xdg/state", 1);

  SUBCASE("the flag wins over everything") {
    ::setenv("STATE_DIRECTORY", "/sd/one", 1);
    CHECK(ResolveStateDir("/flag/dir") == "/flag/dir");
  }
  SUBCASE("$STATE_DIRECTORY, its first entry") {
    ::setenv("STATE_DIRECTORY", "/sd/one:/sd/two", 1);
    CHECK(ResolveStateDir("") == "/sd/one");
    ::setenv("STATE_DIRECTORY", "/sd/only", 1);
    CHECK(ResolveStateDir("") == "/sd/only");
  }
  SUBCASE("an empty $STATE_DIRECTORY counts as unset") {
    ::setenv("STATE_DIRECTORY", "", 1);
    if (::geteuid() == 0) {
      CHECK(ResolveStateDir("") == "/var/lib/thrd");
    } else {
      CHECK(ResolveStateDir("") == "/xdg/state/thrd");
    }
  }
  if (::geteuid() == 0) {
    SUBCASE("root: /var/lib/thrd, whatever XDG and HOME say") {
      CHECK(ResolveStateDir("") == "/var/lib/thrd");
    }
  } else {
    SUBCASE("a user: $XDG_STATE_HOME/thrd") { CHECK(ResolveStateDir("") == "/xdg/state/thrd"); }
    SUBCASE("a user: a relative $XDG_STATE_HOME is ignored for ~/.local/state/thrd") {
      ::setenv("XDG_STATE_HOME", "relative/state", 1);
      CHECK(ResolveStateDir("") == "/home/someone/.local/state/thrd");
    }
    SUBCASE("a user without XDG_STATE_HOME: ~/.local/state/thrd") {
      ::unsetenv("XDG_STATE_HOME");
      CHECK(ResolveStateDir("") == "/home/someone/.local/state/thrd");
    }
  }
}

TEST_CASE("DecisionFile: a missing file loads as empty") {
  test::TempDir dir;
  DecisionFile file(dir.path());
  CHECK(file.path() == dir.File("decisions.json"));
  Decisions out = kSample;
  CHECK(file.Load(&out).ok());
  CHECK(out.empty());
}

TEST_CASE("DecisionFile: Save then Load round trips and leaves no temp file") {
  test::TempDir dir;
  DecisionFile file(dir.path());
  REQUIRE(file.Save(kSample).ok());
  Decisions out;
  REQUIRE(file.Load(&out).ok());
  CHECK(out == kSample);
  CHECK_FALSE(std::filesystem::exists(file.path() + ".tmp"));
  CHECK(ReadFile(file.path()) == FormatDecisions(kSample));

  SUBCASE("a second Save replaces the whole file") {
    Decisions next = {{"z", JobState::kPaused}};
    REQUIRE(file.Save(next).ok());
    REQUIRE(file.Load(&out).ok());
    CHECK(out == next);
    CHECK_FALSE(std::filesystem::exists(file.path() + ".tmp"));
    // Only the decisions file is left in the dir.
    size_t entries = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
      CAPTURE(entry.path().string());
      ++entries;
    }
    CHECK(entries == 1);
  }
}

TEST_CASE("DecisionFile: Save creates a missing state dir") {
  test::TempDir dir;
  std::string state = dir.File("var/lib/thrd");
  DecisionFile file(state);
  REQUIRE_FALSE(std::filesystem::exists(state));
  REQUIRE(file.Save(kSample).ok());
  CHECK(std::filesystem::is_directory(state));
  Decisions out;
  REQUIRE(DecisionFile(state).Load(&out).ok());
  CHECK(out == kSample);
}

TEST_CASE("DecisionFile: a damaged file is an error that names its path") {
  test::TempDir dir;
  DecisionFile file(dir.path());
  const std::string valid = FormatDecisions(kSample);
  std::string text;
  SUBCASE("empty") { text = ""; }
  SUBCASE("truncated") { text = valid.substr(0, valid.size() - 5); }
  SUBCASE("garbage") { text = "garbage\n"; }
  CAPTURE(text);
  WriteFile(file.path(), text);
  Decisions out = kSample;
  Status s = file.Load(&out);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find(file.path()) != std::string::npos);
  CHECK(out.empty());
}

TEST_CASE("DecisionFile: an empty dir keeps nothing") {
  DecisionFile file("");
  CHECK(file.path().empty());
  CHECK(file.Save(kSample).ok());
  Decisions out = kSample;
  CHECK(file.Load(&out).ok());
  CHECK(out.empty());
}

TEST_CASE("DecisionFile: saves() counts each Save, and a copy counts on its own") {
  test::TempDir dir;
  DecisionFile file(dir.path());
  CHECK(file.saves() == 0);
  REQUIRE(file.Save(kSample).ok());
  REQUIRE(file.Save({}).ok());
  CHECK(file.saves() == 2);

  DecisionFile copy(file);
  CHECK(copy.path() == file.path());
  CHECK(copy.saves() == 0);
  REQUIRE(copy.Save(kSample).ok());
  CHECK(copy.saves() == 1);
  CHECK(file.saves() == 2);

  DecisionFile none("");
  REQUIRE(none.Save(kSample).ok());
  CHECK(none.saves() == 1);
}

TEST_CASE("DecisionFile: Save into an unwritable place is an error that names it") {
  test::TempDir dir;
  SUBCASE("the state dir is a regular file") {
    std::string blocker = dir.File("state");
    WriteFile(blocker, "not a dir\n");
    DecisionFile file(blocker);
    Status s = file.Save(kSample);
    CHECK(s.code() == Status::Code::kIo);
    CHECK(s.message().find(blocker) != std::string::npos);
    CHECK(ReadFile(blocker) == "not a dir\n");
  }
  SUBCASE("a parent of the state dir is a regular file") {
    std::string blocker = dir.File("state");
    WriteFile(blocker, "not a dir\n");
    DecisionFile file(blocker + "/thrd");
    Status s = file.Save(kSample);
    CHECK(s.code() == Status::Code::kIo);
    CHECK(s.message().find(blocker) != std::string::npos);
  }
  SUBCASE("the decisions file's name is taken by a directory") {
    DecisionFile file(dir.path());
    std::filesystem::create_directory(file.path());
    std::filesystem::create_directory(file.path() + "/child");  // rename cannot replace it
    Status s = file.Save(kSample);
    CHECK(s.code() == Status::Code::kIo);
    CHECK(s.message().find(file.path()) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(file.path() + ".tmp"));  // cleaned up
    CHECK(std::filesystem::is_directory(file.path()));
  }
}

}  // namespace
}  // namespace thr

namespace thr {
namespace {

// A full disk (ENOSPC) or a file size limit (EFBIG) fails the write of the temp file midway:
// the file thrd had is untouched, and the next Save, once writing works, succeeds.
TEST_CASE("DecisionFile: a write that fails midway leaves the old file whole and no temp file") {
  test::TempDir dir;
  DecisionFile file(dir.path());
  REQUIRE(file.Save(kSample).ok());
  const std::string before = ReadFile(file.path());
  Decisions bigger = kSample;
  for (int i = 0; i < 50; ++i) bigger["job-" + std::to_string(i)] = JobState::kPaused;
  Status s;
  {
    // No CHECK inside: doctest's own output may be a regular file, limited too.
    test::FileSizeLimit limit(16);  // far less than any decisions file
    s = file.Save(bigger);
  }
  CHECK(s.code() == Status::Code::kIo);
  CHECK(s.message().find("write " + file.path() + ".tmp") != std::string::npos);
  CHECK(ReadFile(file.path()) == before);
  CHECK_FALSE(std::filesystem::exists(file.path() + ".tmp"));
  Decisions loaded;
  REQUIRE(file.Load(&loaded).ok());
  CHECK(loaded == kSample);

  REQUIRE(file.Save(bigger).ok());
  REQUIRE(file.Load(&loaded).ok());
  CHECK(loaded == bigger);
}

}  // namespace
}  // namespace thr
