#include "thr/dispatch.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <memory>

#include "thr/access.h"
#include "thr/metrics.h"
#include "thr/protocol.h"

namespace thr {

nlohmann::json Dispatch(Supervisor& sup, std::string_view line) {
  CommandContext ctx{sup};
  return Dispatch(ctx, line);
}

nlohmann::json Dispatch(CommandContext& ctx, std::string_view line) {
  // Requests by command and result code, for thrd_requests_total; "" when none was named.
  auto count = [&ctx](std::string_view command, const Status& s) {
    if (ctx.metrics != nullptr) ctx.metrics->CountRequest(command, s.code_name());
  };
  Request req;
  if (Status s = DecodeRequest(line, &req); !s.ok()) {
    count("", s);
    return ErrorReply(s);
  }
  nlohmann::json id = req.body.contains("id") ? req.body["id"] : nlohmann::json();
  auto with_id = [&id](nlohmann::json reply) {
    if (!id.is_null()) reply["id"] = id;
    return reply;
  };
  const CommandDef* def = FindCommand(req.cmd);
  if (def == nullptr) {
    Status unknown = Status::UnknownCommand(req.cmd);
    count("", unknown);  // not the name: a client must not mint label values
    return with_id(ErrorReply(unknown));
  }
  spdlog::debug("dispatch {}", def->name);
  // The access check: here, once, before any handler runs.
  const Peer peer = ctx.peer ? *ctx.peer : SelfPeer();
  std::shared_ptr<const AccessPolicy> policy =
      ctx.access != nullptr ? ctx.access->Get() : std::make_shared<const AccessPolicy>();
  if (!policy->Decide(peer, def->access)) {
    Status refusal = policy->Refusal(peer, def->name, def->access);
    Audit(peer, def->name, def->access, req.body, refusal, ++ctx.refusals <= kLoudRefusals);
    count(def->name, refusal);
    if (ctx.refusals == kLoudRefusals) {
      spdlog::warn(
          "audit: uid={} pid={}: {} requests refused on one connection; its further "
          "refusals are logged at debug",
          peer.uid, peer.pid, kLoudRefusals);
    }
    return with_id(ErrorReply(refusal));
  }
  policy.reset();  // checked; a stream must not keep a policy a reload has replaced
  Status s;
  nlohmann::json reply;
  try {
    nlohmann::json result = nlohmann::json::object();
    s = def->handle(ctx, req.body, &result);
    reply = s.ok() ? OkReply(std::move(result)) : ErrorReply(s, std::move(result));
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", def->name, e.what());
    s = Status::Internal(e.what());
    reply = ErrorReply(s);
  }
  Audit(peer, def->name, def->access, req.body, s);
  count(def->name, s);
  return with_id(std::move(reply));
}

}  // namespace thr
