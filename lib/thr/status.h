// Result type returned across module boundaries instead of exceptions (leveldb's Status).
// The codes are the protocol's error codes; see docs/protocol.md.
#pragma once

#include <string>
#include <string_view>

namespace thr {

class Status {
 public:
  enum class Code {
    kOk,
    kInvalidConfig,   // config file syntax or meaning
    kBadRequest,      // a request that is not valid JSON or lacks fields
    kUnknownCommand,  // no such command
    kUnknownJob,      // no such job
    kRefused,         // the transition is refused by the state table
    kTooLarge,        // a request line over the limit
    kTooSlow,         // a streaming reader fell too far behind and was cut off
    kBusy,            // thrd refused the connection: max_connections or out of descriptors
    kUnavailable,     // the daemon cannot be reached (client side)
    kTimeout,         // no answer in time (client side)
    kIo,              // a system call failed
    kInternal,        // a bug or an unexpected exception
    // The peer may not run this command (access.h).
    kPermissionDenied,
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidConfig(std::string msg) { return {Code::kInvalidConfig, std::move(msg)}; }
  static Status BadRequest(std::string msg) { return {Code::kBadRequest, std::move(msg)}; }
  static Status UnknownCommand(std::string_view name);
  static Status UnknownJob(std::string_view name);
  static Status Refused(std::string msg) { return {Code::kRefused, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) {
    return {Code::kPermissionDenied, std::move(msg)};
  }
  static Status TooLarge(std::string msg) { return {Code::kTooLarge, std::move(msg)}; }
  static Status TooSlow(std::string msg) { return {Code::kTooSlow, std::move(msg)}; }
  static Status Busy(std::string msg) { return {Code::kBusy, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status Timeout(std::string msg) { return {Code::kTimeout, std::move(msg)}; }
  // "what: strerror(err)".
  static Status Io(std::string_view what, int err);
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }
  // For a code read off the wire.
  static Status FromCode(Code code, std::string msg) { return {code, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The wire name of the code, e.g. "unknown_job".
  std::string_view code_name() const { return CodeName(code_); }
  std::string ToString() const;

  static std::string_view CodeName(Code code);
  // Inverse of CodeName; unknown names map to kInternal.
  static Code CodeFromName(std::string_view name);

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace thr
