// Fuzzes what a client's bytes go through in thrd: LineReader splits them (fed in chunks whose
// size the first byte picks, with a small line limit so over-long lines happen), each line goes
// through Dispatch() (DecodeRequest, then the command) against a Supervisor running two
// timestamp jobs, and the reply through what thrctl does with it (EncodeLine, ReplyStatus).
// Checked: every reply is an object with a boolean "ok", encodes to one line of valid JSON, and
// is never an "internal" error (a request thrd cannot make sense of is a bad_request).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "thr/clock.h"
#include "thr/config.h"
#include "thr/protocol.h"
#include "thr/server.h"
#include "thr/supervisor.h"

namespace {

constexpr size_t kLineLimit = 512;     // small, so that kTooLong is reached
constexpr int kMaxLinesPerInput = 16;  // keeps one input cheap

thr::Supervisor& TheSupervisor() {
  // Never destroyed: its job threads run until the fuzzer exits.
  static thr::Supervisor* sup = [] {
    auto* s = new thr::Supervisor(thr::DefaultClock(), nullptr);
    thr::Config config;
    thr::Status st = thr::ParseConfig(R"({"jobs": [
      {"name": "a", "task": "timestamp", "every": "10s"},
      {"name": "b", "task": "timestamp", "every": "1h", "start": "paused"}]})",
                                      "fuzz.json", &config);
    if (!st.ok()) {
      std::fprintf(stderr, "request_fuzz: %s\n", st.message().c_str());
      std::abort();
    }
    s->Start(config);
    return s;
  }();
  return *sup;
}

void Fail(const char* what, std::string_view line, const nlohmann::json& reply) {
  std::fprintf(stderr, "request_fuzz: %s\n  request: %.*s\n  reply: %s\n", what,
               static_cast<int>(std::min<size_t>(line.size(), 2000)), line.data(),
               reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  std::abort();
}

void OneLine(thr::CommandContext& ctx, std::string_view line) {
  nlohmann::json reply = thr::Dispatch(ctx, line);
  if (!reply.is_object() || !reply.contains("ok") || !reply["ok"].is_boolean()) {
    Fail("reply without a boolean \"ok\"", line, reply);
  }
  std::string encoded = thr::EncodeLine(reply);
  if (encoded.empty() || encoded.back() != '\n' || encoded.find('\n') != encoded.size() - 1) {
    Fail("encoded reply is not one line", line, reply);
  }
  nlohmann::json back = nlohmann::json::parse(encoded, nullptr, /*allow_exceptions=*/false);
  if (back.is_discarded()) Fail("encoded reply is not valid JSON", line, reply);
  thr::Status status = thr::ReplyStatus(back);
  if (status.code() == thr::Status::Code::kInternal) Fail("internal error", line, reply);
  thr::Request req;
  if (!thr::DecodeRequest(line, &req).ok() && status.code() != thr::Status::Code::kBadRequest) {
    Fail("an undecodable request got no bad_request", line, reply);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  TheSupervisor();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte: chunk size 1..255, 0 = all at once.
  size_t chunk = data[0] == 0 ? size : data[0];
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  thr::CommandContext ctx{TheSupervisor()};
  ctx.client_gone = [] { return true; };  // wait gives up at once; push stays empty
  thr::LineReader reader(kLineLimit);
  int lines = 0;
  std::string line;
  for (size_t pos = 0; pos < bytes.size() && lines < kMaxLinesPerInput; pos += chunk) {
    reader.Feed(bytes.substr(pos, chunk));
    while (lines < kMaxLinesPerInput) {
      thr::LineReader::Result r = reader.Next(&line);
      if (r == thr::LineReader::Result::kTooLong) return 0;  // thrd closes the connection
      if (r == thr::LineReader::Result::kNeedMore) break;
      if (line.size() > kLineLimit) Fail("LineReader returned an over-long line", line, {});
      OneLine(ctx, line);
      ++lines;
    }
  }
  return 0;
}
