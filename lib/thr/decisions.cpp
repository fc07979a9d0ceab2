#include "thr/decisions.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "thr/atomic_file.h"

namespace thr {
namespace {

constexpr int kFormatVersion = 1;
constexpr const char* kFileName = "decisions.json";
// Far above 10,000 jobs' decisions; refusing more bounds what parsing a damaged file costs.
constexpr off_t kMaxFileBytes = 16 << 20;

}  // namespace

JobState DecisionFor(JobState after) {
  return after == JobState::kKilled || after == JobState::kFailed ? JobState::kStopped : after;
}

std::string FormatDecisions(const Decisions& decisions) {
  nlohmann::json jobs = nlohmann::json::object();
  for (const auto& [name, state] : decisions) jobs[name] = StateName(state);
  return nlohmann::json({{"version", kFormatVersion}, {"decisions", jobs}}).dump(1) + "\n";
}

Status ParseDecisions(std::string_view text, Decisions* out) {
  out->clear();
  nlohmann::json root = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Status::InvalidConfig("not valid JSON (damaged or truncated)");
  // Not root.value("version", 0): it throws on a string and takes 1.5 or true for 1.
  auto version = root.is_object() ? root.find("version") : root.end();
  if (version == root.end() || !version->is_number_integer() ||
      version->get<int64_t>() != kFormatVersion) {
    return Status::InvalidConfig("not a version " + std::to_string(kFormatVersion) +
                                 " decisions file");
  }
  auto jobs = root.find("decisions");
  if (jobs == root.end() || !jobs->is_object()) {
    return Status::InvalidConfig("\"decisions\" is missing or not an object");
  }
  for (const auto& [name, value] : jobs->items()) {
    std::optional<JobState> state =
        value.is_string() ? ParseState(value.get<std::string>()) : std::nullopt;
    if (!state || DecisionFor(*state) != *state) {
      out->clear();
      // Not value.dump(): a hostile file could nest deep enough to overflow the stack.
      std::string shown = value.is_string() ? "\"" + value.get<std::string>() + "\""
                                            : std::string("a ") + value.type_name();
      return Status::InvalidConfig("job \"" + name + "\": " + shown +
                                   " is not running, paused or stopped");
    }
    (*out)[name] = *state;
  }
  return Status::Ok();
}

std::string ResolveStateDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* dirs = std::getenv("STATE_DIRECTORY"); dirs != nullptr && *dirs != '\0') {
    std::string_view list(dirs);
    return std::string(list.substr(0, list.find(':')));  // systemd: one per StateDirectory=
  }
  if (::geteuid() == 0) return "/var/lib/thrd";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg == '/') {
    return std::string(xdg) + "/thrd";
  }
  // No shared fallback such as /tmp: another user could plant decisions there.
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home != '/') return "";
  return std::string(home) + "/.local/state/thrd";
}

DecisionFile::DecisionFile(std::string dir)
    : dir_(std::move(dir)), path_(dir_.empty() ? "" : dir_ + "/" + kFileName) {}

DecisionFile::DecisionFile(const DecisionFile& other) : DecisionFile(other.dir_) {}

Status DecisionFile::Load(Decisions* out) const {
  out->clear();
  if (path_.empty()) return Status::Ok();
  std::string text;
  bool found = false;
  if (Status s = ReadSmallFile(path_, kMaxFileBytes, &text, &found); !s.ok()) return s;
  if (!found) return Status::Ok();
  if (text.empty()) return Status::InvalidConfig(path_ + ": empty file");
  if (Status s = ParseDecisions(text, out); !s.ok()) {
    return Status::InvalidConfig(path_ + ": " + s.message());
  }
  return Status::Ok();
}

Status DecisionFile::SetAside() const {
  if (path_.empty()) return Status::Ok();
  std::string aside = path_ + ".bad";
  if (::rename(path_.c_str(), aside.c_str()) != 0 && errno != ENOENT) {
    return Status::Io("rename " + path_ + " to " + aside, errno);
  }
  spdlog::warn("kept the unreadable decisions file as {}", aside);
  return Status::Ok();
}

Status DecisionFile::Save(const Decisions& decisions) const {
  ++saves_;
  if (path_.empty()) return Status::Ok();
  return ReplaceFile(dir_, path_, FormatDecisions(decisions));
}

}  // namespace thr
