// Wire format shared by thrd and thrctl: newline-delimited JSON over a stream Unix socket.
// Change docs/protocol.md together with this file.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "thr/status.h"

namespace thr {

// A request line longer than this gets a too_large error and the connection is closed.
// Replies are not limited.
inline constexpr size_t kMaxLineBytes = 64 * 1024;

// Splits a byte stream into lines without ever holding more than one over-long line's
// worth of bytes (watchman's PduBuffer): fed a chunk at a time, with Next() called until it
// asks for more, it holds at most the limit plus one chunk, and it reports kTooLong as soon
// as an unfinished line passes the limit. Each byte is scanned for '\n' once, so a line fed a
// byte at a time costs linear time. Not thread-safe; one per connection.
class LineReader {
 public:
  enum class Result { kLine, kNeedMore, kTooLong };

  explicit LineReader(size_t max_line = kMaxLineBytes) : max_line_(max_line) {}

  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // Bytes held: returned lines not yet compacted away plus the unfinished line.
  size_t buffered() const { return buffer_.size(); }
  // kLine: `*line` holds the next line without its '\n' (a trailing '\r' is dropped too).
  // kTooLong: the pending line exceeds the limit; the reader is then unusable.
  Result Next(std::string* line);
  // True if bytes of an unfinished line are pending.
  bool has_partial() const { return start_ < buffer_.size(); }

 private:
  size_t max_line_;
  std::string buffer_;
  size_t start_ = 0;    // first byte not yet returned
  size_t scanned_ = 0;  // bytes before this hold no '\n' of the unfinished line
};

// Compact JSON plus '\n'. Invalid UTF-8 is replaced, never thrown on.
std::string EncodeLine(const nlohmann::json& message);

// A decoded request: `cmd` plus the whole object for the handler to read its fields from.
struct Request {
  std::string cmd;
  nlohmann::json body;
};

// Fails with bad_request when `line` is not a JSON object with a string "cmd".
Status DecodeRequest(std::string_view line, Request* out);

// {"ok":true, ...result's members}
nlohmann::json OkReply(nlohmann::json result = nlohmann::json::object());
// {"ok":false, "error":{"code":..., "message":...}, ...result's members}
nlohmann::json ErrorReply(const Status& status, nlohmann::json result = nlohmann::json::object());
// The reply's error as a Status (Ok when "ok" is true); malformed replies are kInternal.
Status ReplyStatus(const nlohmann::json& reply);

}  // namespace thr
