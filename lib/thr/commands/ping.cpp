// ping: answers at once; thrctl uses it to tell a slow stop from a dead daemon.
#include <unistd.h>

#include "thr/commands/command.h"
#include "thr/version.h"

namespace thr {
namespace {

Status HandlePing(CommandContext&, const nlohmann::json&, nlohmann::json* result) {
  (*result)["version"] = kVersion;
  (*result)["pid"] = ::getpid();
  return Status::Ok();
}

}  // namespace

extern const CommandDef kPingCommand = {"ping", "check that thrd answers", Access::kRead,
                                        HandlePing};

}  // namespace thr
