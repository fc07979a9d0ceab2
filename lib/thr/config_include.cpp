// Reading config files: the main one, and the drop-ins its `include` globs name (each holding
// only {"jobs": [...]}). config.cpp validates what they hold.
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "thr/config_internal.h"

namespace thr::config_internal {
namespace {

using nlohmann::json;

// glob(3) reports a directory it cannot read through a callback without a user pointer, so the
// first such error of the current glob() call is kept here.
struct GlobError {
  std::string path;
  int err = 0;
};
thread_local GlobError glob_error;

int OnGlobError(const char* path, int err) {
  // A missing directory (conf.d/*.json before conf.d exists) is a pattern that matches
  // nothing. Every other error ends the glob: that is GLOB_ERR, which we cannot pass, since it
  // also gives up on ENOENT.
  if (err == ENOENT) return 0;
  glob_error = {path, err};
  return 1;
}

// `text` with glob's metacharacters escaped, so that a directory name is taken literally.
std::string GlobEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// The paths `pattern` matches, sorted byte-wise (glob's own order follows the locale).
// Errors name the directory that could not be read.
Status Glob(const std::string& pattern, std::vector<std::string>* paths) {
  glob_error = {};
  glob_t g{};
  int rc = ::glob(pattern.c_str(), GLOB_NOSORT, OnGlobError, &g);
  if (rc == 0) paths->assign(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  ::globfree(&g);
  switch (rc) {
    case 0:
      std::sort(paths->begin(), paths->end());
      return Status::Ok();
    case GLOB_NOMATCH:
      return Status::Ok();
    case GLOB_ABORTED:
      return Status::InvalidConfig("cannot read directory " + glob_error.path + ": " +
                                   std::strerror(glob_error.err));
    default:  // GLOB_NOSPACE
      return Status::InvalidConfig("out of memory");
  }
}

// Each file once, however many patterns match it or by what path: by device and inode, or by
// path when it cannot be stat()ed (its read will then say why).
class SeenFiles {
 public:
  // True the first time `path` is offered.
  bool Add(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return ids_.insert({st.st_dev, st.st_ino}).second;
    return paths_.insert(path).second;
  }

 private:
  std::set<std::pair<dev_t, ino_t>> ids_;
  std::set<std::string> paths_;
};

// Reads one drop-in into `config`.
Status LoadDropIn(const std::string& path, JobOrigins* origins, Config* config) {
  const std::string where = "config " + path;
  std::string text;
  if (Status s = ReadConfigFile(path, &text); !s.ok()) return s;
  json root;
  if (Status s = ParseJsonObject(text, path, &root); !s.ok()) return s;
  for (const auto& item : root.items()) {
    const std::string& key = item.key();
    if (key == "jobs") continue;
    if (std::find(std::begin(kTopKeys), std::end(kTopKeys), key) != std::end(kTopKeys)) {
      // Settings of thrd itself belong in one place, the main file.
      return Status::InvalidConfig(where + ": key \"" + key +
                                   "\" is not allowed in a drop-in, which holds only \"jobs\"");
    }
    constexpr std::string_view kDropInKeys[] = {"jobs"};
    return Status::InvalidConfig(where + ": " + UnknownKey(key, kDropInKeys));
  }
  if (Status s = ParseJobs(root, path, origins, &config->jobs); !s.ok()) return s;
  config->files.push_back(path);
  return Status::Ok();
}

}  // namespace

Status ReadConfigFile(const std::string& path, std::string* text) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::InvalidConfig("config " + path + ": is a directory, expected a JSON file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::InvalidConfig("config " + path + ": cannot open: " + std::strerror(errno));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return Status::InvalidConfig("config " + path + ": read error");
  *text = std::move(contents).str();
  return Status::Ok();
}

Status LoadDropIns(JobOrigins* origins, Config* config) {
  if (config->include.empty()) return Status::Ok();
  const std::string base = std::filesystem::path(config->origin).parent_path().string();
  SeenFiles seen;
  // The main file counts as read, so that "*.json" beside it does not read it as a drop-in.
  seen.Add(config->origin);
  for (const std::string& pattern : config->include) {
    std::string resolved =
        pattern.front() == '/' || base.empty() ? pattern : GlobEscape(base) + "/" + pattern;
    std::vector<std::string> paths;
    if (Status s = Glob(resolved, &paths); !s.ok()) {
      return Status::InvalidConfig("config " + config->origin + ": key \"include\": \"" + pattern +
                                   "\": " + s.message());
    }
    for (const std::string& path : paths) {
      if (!seen.Add(path)) continue;
      // A FIFO or device matched by a glob would block the read, and with it a reload.
      std::error_code ec;
      auto type = std::filesystem::status(path, ec).type();
      if (!ec && type != std::filesystem::file_type::regular &&
          type != std::filesystem::file_type::directory) {
        return Status::InvalidConfig("config " + path + ": not a regular file");
      }
      if (Status s = LoadDropIn(path, origins, config); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

}  // namespace thr::config_internal
