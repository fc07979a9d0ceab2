#include "thr/protocol.h"

#include <algorithm>

namespace thr {

LineReader::Result LineReader::Next(std::string* line) {
  size_t nl = buffer_.find('\n', std::max(start_, scanned_));
  if (nl == std::string::npos) {
    scanned_ = buffer_.size();
    if (buffer_.size() - start_ > max_line_) return Result::kTooLong;
    // Compact so the buffer holds only the unfinished line.
    if (start_ > 0) {
      buffer_.erase(0, start_);
      scanned_ -= start_;
      start_ = 0;
    }
    return Result::kNeedMore;
  }
  if (nl - start_ > max_line_) return Result::kTooLong;
  size_t end = nl;
  if (end > start_ && buffer_[end - 1] == '\r') --end;
  line->assign(buffer_, start_, end - start_);
  start_ = nl + 1;
  scanned_ = start_;
  return Result::kLine;
}

std::string EncodeLine(const nlohmann::json& message) {
  std::string out = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out += '\n';
  return out;
}

Status DecodeRequest(std::string_view line, Request* out) {
  nlohmann::json body = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Status::BadRequest("request is not valid JSON");
  if (!body.is_object()) return Status::BadRequest("request must be a JSON object");
  auto cmd = body.find("cmd");
  if (cmd == body.end() || !cmd->is_string()) {
    return Status::BadRequest("request needs a string member \"cmd\"");
  }
  out->cmd = cmd->get<std::string>();
  out->body = std::move(body);
  return Status::Ok();
}

nlohmann::json OkReply(nlohmann::json result) {
  nlohmann::json reply = {{"ok", true}};
  if (result.is_object()) reply.update(result);
  reply["ok"] = true;
  return reply;
}

nlohmann::json ErrorReply(const Status& status, nlohmann::json result) {
  nlohmann::json reply = {{"ok", false}};
  if (result.is_object()) reply.update(result);
  reply["ok"] = false;
  reply["error"] = {{"code", status.code_name()}, {"message", status.message()}};
  return reply;
}

Status ReplyStatus(const nlohmann::json& reply) {
  if (!reply.is_object() || !reply.contains("ok") || !reply["ok"].is_boolean()) {
    return Status::Internal("malformed reply from thrd");
  }
  if (reply["ok"].get<bool>()) return Status::Ok();
  std::string code = "internal", message = "unknown error";
  auto err = reply.find("error");
  if (err != reply.end() && err->is_object()) {
    auto c = err->find("code");
    auto m = err->find("message");
    bool well_formed = (c == err->end() || c->is_string()) && (m == err->end() || m->is_string());
    if (well_formed && c != err->end()) code = c->get<std::string>();
    if (well_formed && m != err->end()) message = m->get<std::string>();
  }
  Status::Code c = Status::CodeFromName(code);
  return Status::FromCode(c == Status::Code::kOk ? Status::Code::kInternal : c, message);
}

}  // namespace thr
