#include "thr/status.h"

#include <array>
#include <cstring>
#include <utility>

namespace thr {
namespace {

constexpr std::array<std::pair<Status::Code, std::string_view>, 14> kCodeNames = {{
    {Status::Code::kOk, "ok"},
    {Status::Code::kInvalidConfig, "invalid_config"},
    {Status::Code::kBadRequest, "bad_request"},
    {Status::Code::kUnknownCommand, "unknown_command"},
    {Status::Code::kUnknownJob, "unknown_job"},
    {Status::Code::kRefused, "refused"},
    {Status::Code::kTooLarge, "too_large"},
    {Status::Code::kTooSlow, "too_slow"},
    {Status::Code::kBusy, "busy"},
    {Status::Code::kUnavailable, "unavailable"},
    {Status::Code::kTimeout, "timeout"},
    {Status::Code::kIo, "io_error"},
    {Status::Code::kInternal, "internal"},
    {Status::Code::kPermissionDenied, "permission_denied"},
}};

}  // namespace

Status Status::UnknownCommand(std::string_view name) {
  return {Code::kUnknownCommand, "unknown command: " + std::string(name)};
}

Status Status::UnknownJob(std::string_view name) {
  return {Code::kUnknownJob, "no job named '" + std::string(name) + "'"};
}

Status Status::Io(std::string_view what, int err) {
  return {Code::kIo, std::string(what) + ": " + std::strerror(err)};
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return message_;
}

std::string_view Status::CodeName(Code code) {
  for (const auto& [c, name] : kCodeNames) {
    if (c == code) return name;
  }
  return "internal";
}

Status::Code Status::CodeFromName(std::string_view name) {
  for (const auto& [c, n] : kCodeNames) {
    if (n == name) return c;
  }
  return Code::kInternal;
}

}  // namespace thr
