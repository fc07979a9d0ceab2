// metrics: the Prometheus text exposition of thrd's metrics (README "Metrics"), the same text
// /metrics serves, so that it can be read with no listener configured. A read command.
#include "thr/metrics.h"

#include "thr/commands/command.h"

namespace thr {
namespace {

Status HandleMetrics(CommandContext& ctx, const nlohmann::json&, nlohmann::json* result) {
  if (ctx.metrics == nullptr) return Status::Refused("metrics are not available here");
  (*result)["text"] = ctx.metrics->Text();
  return Status::Ok();
}

}  // namespace

extern const CommandDef kMetricsCommand = {
    "metrics", "print thrd's metrics in the Prometheus text format", Access::kRead, HandleMetrics};

}  // namespace thr
