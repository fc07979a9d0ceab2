// reload: re-read the config and its drop-ins and apply the difference (reload.h). Replies
// when changed and removed jobs have stopped and the new ones run.
#include "thr/reload.h"

#include "thr/commands/command.h"

namespace thr {
namespace {

Status HandleReload(CommandContext& ctx, const nlohmann::json&, nlohmann::json* result) {
  if (ctx.reloader == nullptr) return Status::Refused("reload is not available here");
  ReloadOutcome outcome;
  if (Status s = ctx.reloader->Reload(&outcome); !s.ok()) return s;
  if (outcome.embedded) {
    (*result)["message"] = "thrd runs on the embedded default config: nothing to reload";
    return Status::Ok();
  }
  (*result)["files"] = outcome.files;
  (*result)["unchanged"] = outcome.report.unchanged;
  (*result)["changed"] = outcome.report.changed;
  (*result)["added"] = outcome.report.added;
  (*result)["removed"] = outcome.report.removed;
  (*result)["notes"] = outcome.notes;
  return Status::Ok();
}

}  // namespace

extern const CommandDef kReloadCommand = {
    "reload", "re-read the config; refused whole when invalid", Access::kControl, HandleReload};

}  // namespace thr
