#include "thr/atomic_file.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace thr {
namespace {

TEST_CASE("atomic file: replaced whole, the directory made, no temp file left") {
  test::TempDir dir;
  const std::string sub = dir.File("a/b");
  const std::string path = sub + "/f";
  REQUIRE(ReplaceFile(sub, path, "one\n").ok());
  REQUIRE(ReplaceFile(sub, path, "two\n").ok());
  std::string text;
  bool found = false;
  REQUIRE(ReadSmallFile(path, 100, &text, &found).ok());
  CHECK(found);
  CHECK(text == "two\n");
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("atomic file: a planted temp symlink is not followed") {
  test::TempDir dir;
  const std::string path = dir.File("f");
  const std::string victim = dir.File("victim");
  std::ofstream(victim) << "keep";
  REQUIRE(::symlink(victim.c_str(), (path + ".tmp").c_str()) == 0);
  REQUIRE(ReplaceFile(dir.path(), path, "new").ok());
  std::string text;
  bool found = false;
  REQUIRE(ReadSmallFile(victim, 100, &text, &found).ok());
  CHECK(text == "keep");
}

TEST_CASE("atomic file: reading refuses what is not a small regular file") {
  test::TempDir dir;
  std::string text;
  bool found = true;
  SUBCASE("missing: ok, not found") {
    CHECK(ReadSmallFile(dir.File("none"), 100, &text, &found).ok());
    CHECK_FALSE(found);
  }
  SUBCASE("a FIFO: refused without hanging") {
    REQUIRE(::mkfifo(dir.File("fifo").c_str(), 0600) == 0);
    Status s = ReadSmallFile(dir.File("fifo"), 100, &text, &found);
    CHECK(s.message() == dir.File("fifo") + ": not a regular file");
  }
  SUBCASE("a symlink: refused") {
    std::ofstream(dir.File("real")) << "x";
    REQUIRE(::symlink(dir.File("real").c_str(), dir.File("link").c_str()) == 0);
    CHECK_FALSE(ReadSmallFile(dir.File("link"), 100, &text, &found).ok());
  }
  SUBCASE("too large") {
    std::ofstream(dir.File("big")) << std::string(101, 'x');
    Status s = ReadSmallFile(dir.File("big"), 100, &text, &found);
    CHECK(s.message() == dir.File("big") + ": 101 bytes, more than this file ever holds");
  }
}

}  // namespace
}  // namespace thr
