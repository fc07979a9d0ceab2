// The explicit command table and the request helpers shared by the handlers.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "thr/commands/command.h"

namespace thr {
namespace {

TEST_CASE("Commands: FindCommand finds every command by its wire name") {
  for (const std::string name : {"status", "show", "pause", "resume", "stop", "kill", "start",
                                 "restart", "run", "logs", "ping", "metrics", "history"}) {
    CAPTURE(name);
    const CommandDef* def = FindCommand(name);
    REQUIRE(def != nullptr);
    CHECK(def->name == name);
    CHECK_FALSE(def->summary.empty());
    CHECK(static_cast<bool>(def->handle));
  }
}

// Each command's access class, as docs/protocol.md ("Requests", column "access") and
// docs/security.md give it: read looks, control changes jobs or the daemon.
const std::pair<std::string_view, Access> kAccessClasses[] = {
    {"status", Access::kRead},    {"show", Access::kRead},       {"logs", Access::kRead},
    {"events", Access::kRead},    {"wait", Access::kRead},       {"ping", Access::kRead},
    {"metrics", Access::kRead},   {"history", Access::kRead},    {"pause", Access::kControl},
    {"resume", Access::kControl}, {"stop", Access::kControl},    {"kill", Access::kControl},
    {"start", Access::kControl},  {"restart", Access::kControl}, {"reload", Access::kControl},
    {"run", Access::kControl},
};

TEST_CASE("Commands: every command has the access class the docs give it") {
  for (const auto& [name, want] : kAccessClasses) {
    const std::string cmd(name);
    const std::string expected(AccessName(want));
    CAPTURE(cmd);
    const CommandDef* def = FindCommand(cmd);
    REQUIRE(def != nullptr);
    CHECK(AccessName(def->access) == expected);
  }
  SUBCASE("and the list above covers the whole table: a new command must declare its class") {
    CHECK(AllCommands().size() == std::size(kAccessClasses));
    for (const CommandDef* def : AllCommands()) {
      const std::string cmd(def->name);
      CAPTURE(cmd);
      CHECK(std::any_of(std::begin(kAccessClasses), std::end(kAccessClasses),
                        [def](const auto& entry) { return entry.first == def->name; }));
    }
  }
}

TEST_CASE("Commands: docs/protocol.md lists each command's access class as the table has it") {
  std::ifstream doc(THRD_SOURCE_DIR "/docs/protocol.md");
  REQUIRE(doc.good());
  // Rows of the requests table: "| `pause` | control | ...".
  std::map<std::string, std::string> documented;
  for (std::string line; std::getline(doc, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    size_t name_end = line.find('`', 3);
    size_t cell = line.find('|', 1);
    if (name_end == std::string::npos || cell == std::string::npos) continue;
    size_t next = line.find('|', cell + 1);
    if (next == std::string::npos) continue;
    std::string access = line.substr(cell + 1, next - cell - 1);
    access.erase(0, access.find_first_not_of(' '));
    access.erase(access.find_last_not_of(' ') + 1);
    if (access == "read" || access == "control")
      documented.emplace(line.substr(3, name_end - 3), access);
  }
  for (const CommandDef* def : AllCommands()) {
    const std::string cmd(def->name);
    CAPTURE(cmd);
    REQUIRE(documented.count(cmd) == 1);
    CHECK(documented[cmd] == AccessName(def->access));
  }
}

TEST_CASE("Commands: FindCommand returns nullptr for an unknown name") {
  for (const std::string name : {"", "frob", "PING", "Status", "ping ", "pause\n"}) {
    CAPTURE(name);
    CHECK(FindCommand(name) == nullptr);
  }
}

TEST_CASE("Commands: JobNames reads an optional array of names") {
  std::vector<std::string> names;
  SUBCASE("absent") {
    CHECK(JobNames({{"cmd", "status"}}, &names).ok());
    CHECK(names.empty());
  }
  SUBCASE("present") {
    CHECK(JobNames({{"jobs", {"a", "b"}}}, &names).ok());
    CHECK(names == std::vector<std::string>{"a", "b"});
  }
  SUBCASE("not an array, or not of strings") {
    CHECK(JobNames({{"jobs", "a"}}, &names).code() == Status::Code::kBadRequest);
    CHECK(JobNames({{"jobs", {"a", 1}}}, &names).code() == Status::Code::kBadRequest);
  }
}

TEST_CASE("Commands: OptionalBool reads an optional boolean") {
  bool value = false;
  CHECK(OptionalBool({{"cmd", "pause"}}, "all", &value).ok());
  CHECK_FALSE(value);
  CHECK(OptionalBool({{"all", true}}, "all", &value).ok());
  CHECK(value);
  Status s = OptionalBool({{"all", "yes"}}, "all", &value);
  CHECK(s.code() == Status::Code::kBadRequest);
  CHECK(s.message().find("\"all\"") != std::string::npos);
}

}  // namespace
}  // namespace thr
