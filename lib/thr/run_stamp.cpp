#include "thr/run_stamp.h"

#include "thr/atomic_file.h"
#include "thr/iso_time.h"

namespace thr {

RunStamps::RunStamps(std::string state_dir)
    : dir_(state_dir.empty() ? "" : std::move(state_dir) + "/runs") {}

// The ".last" suffix keeps job names such as "." and ".." from naming a directory.
std::string RunStamps::PathOf(const std::string& job) const {
  return dir_.empty() ? "" : dir_ + "/" + job + ".last";
}

Status RunStamps::Load(const std::string& job, std::optional<WallTime>* out) const {
  out->reset();
  if (dir_.empty()) return Status::Ok();
  const std::string path = PathOf(job);
  std::string text;
  bool found = false;
  if (Status s = ReadSmallFile(path, 256, &text, &found); !s.ok()) return s;
  if (!found) return Status::Ok();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::optional<WallTime> t = ParseIsoUtc(text);
  if (!t) return Status::InvalidConfig(path + ": not an ISO 8601 UTC time");
  *out = t;
  return Status::Ok();
}

Status RunStamps::Save(const std::string& job, WallTime t) const {
  if (dir_.empty()) return Status::Ok();
  return ReplaceFile(dir_, PathOf(job), FormatIsoUtc(t) + "\n");
}

}  // namespace thr
