// The one chokepoint between a request line and its reply: decode, find the command in the
// table, check the peer's access, run the handler, audit. Shared by the server and the tests.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "thr/commands/command.h"

namespace thr {

class Supervisor;

// Nothing thrown below this point reaches the connection loop. Checks `ctx.peer` against the
// access policy before any handler runs (permission_denied otherwise) and writes the audit
// line (access.h).
nlohmann::json Dispatch(CommandContext& ctx, std::string_view line);
// The same without a reloader, as thrd's own user (tests).
nlohmann::json Dispatch(Supervisor& sup, std::string_view line);

}  // namespace thr
