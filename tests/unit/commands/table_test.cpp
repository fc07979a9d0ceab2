// The explicit command table and the request helpers shared by the handlers.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "thr/commands/command.h"

namespace thr {
namespace {

TEST_CASE("Commands: FindCommand finds every command by its wire name") {
  for (const std::string name :
       {"status", "show", "pause", "resume", "stop", "kill", "start", "restart", "logs", "ping"}) {
    CAPTURE(name);
    const CommandDef* def = FindCommand(name);
    REQUIRE(def != nullptr);
    CHECK(def->name == name);
    CHECK_FALSE(def->summary.empty());
    CHECK(static_cast<bool>(def->handle));
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
