// thr::Status: codes, their wire names, and messages.
#include "thr/status.h"

#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace thr {
namespace {

using Code = Status::Code;

TEST_CASE("Status: the default status is ok") {
  Status s;
  CHECK(s.ok());
  CHECK(s.code() == Code::kOk);
  CHECK(s.ToString() == "ok");
  CHECK(Status::Ok().ok());
}

TEST_CASE("Status: every code has a wire name that maps back to it") {
  const std::pair<Code, std::string> names[] = {
      {Code::kOk, "ok"},
      {Code::kInvalidConfig, "invalid_config"},
      {Code::kBadRequest, "bad_request"},
      {Code::kUnknownCommand, "unknown_command"},
      {Code::kUnknownJob, "unknown_job"},
      {Code::kRefused, "refused"},
      {Code::kPermissionDenied, "permission_denied"},
      {Code::kTooLarge, "too_large"},
      {Code::kTooSlow, "too_slow"},
      {Code::kBusy, "busy"},
      {Code::kUnavailable, "unavailable"},
      {Code::kTimeout, "timeout"},
      {Code::kIo, "io_error"},
      {Code::kInternal, "internal"},
  };
  for (const auto& entry : names) {
    // Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.
    const Code code = entry.first;
    const std::string& name = entry.second;
    CAPTURE(name);
    CHECK(Status::CodeName(code) == name);
    CHECK(Status::CodeFromName(name) == code);
  }
}

TEST_CASE("Status: an unknown wire name maps to internal") {
  CHECK(Status::CodeFromName("no_such_code") == Code::kInternal);
  CHECK(Status::CodeFromName("") == Code::kInternal);
  CHECK(Status::CodeFromName("Unknown_Job") == Code::kInternal);
}

TEST_CASE("Status: each factory sets its code and message") {
  CHECK(Status::InvalidConfig("m").code() == Code::kInvalidConfig);
  CHECK(Status::BadRequest("m").code() == Code::kBadRequest);
  CHECK(Status::Refused("m").code() == Code::kRefused);
  CHECK(Status::PermissionDenied("m").code() == Code::kPermissionDenied);
  CHECK(Status::TooLarge("m").code() == Code::kTooLarge);
  CHECK(Status::Busy("m").code() == Code::kBusy);
  CHECK(Status::Unavailable("m").code() == Code::kUnavailable);
  CHECK(Status::Timeout("m").code() == Code::kTimeout);
  CHECK(Status::Internal("m").code() == Code::kInternal);
  CHECK(Status::FromCode(Code::kRefused, "m").code() == Code::kRefused);

  Status unknown_job = Status::UnknownJob("sync");
  CHECK(unknown_job.code() == Code::kUnknownJob);
  CHECK(unknown_job.code_name() == "unknown_job");
  CHECK(unknown_job.message() == "no job named 'sync'");
  CHECK(unknown_job.ToString() == "no job named 'sync'");
  CHECK_FALSE(unknown_job.ok());

  Status unknown_command = Status::UnknownCommand("frob");
  CHECK(unknown_command.code() == Code::kUnknownCommand);
  CHECK(unknown_command.message() == "unknown command: frob");
}

TEST_CASE("Status: an I/O error says what failed and strerror of the errno") {
  Status s = Status::Io("open /etc/thrd.json", ENOENT);
  CHECK(s.code() == Code::kIo);
  CHECK(s.code_name() == "io_error");
  CHECK(s.message() == std::string("open /etc/thrd.json: ") + std::strerror(ENOENT));
  CHECK(Status::Io("bind", EACCES).message() == std::string("bind: ") + std::strerror(EACCES));
}

}  // namespace
}  // namespace thr
