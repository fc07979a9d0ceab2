// One control command as the daemon runs it. The table (table.cpp) lists them all; each
// lives in lib/thr/commands/<verb>.cpp. thrctl's side is in ctl.cpp.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string_view>

#include "thr/access.h"
#include "thr/status.h"

namespace thr {

class Supervisor;
class Reloader;
class Metrics;

// What a handler may reach. Owned by the daemon; outlives every connection.
struct CommandContext {
  explicit CommandContext(Supervisor& sup) : supervisor(sup) {}
  Supervisor& supervisor;
  Reloader* reloader = nullptr;  // nullptr: reload is refused (unit tests)
  // nullptr: `metrics` is refused and requests are not counted (unit tests).
  Metrics* metrics = nullptr;
  // True once the client of this request has hung up: a long wait gives up then. Set per
  // connection by the server; empty means "never".
  std::function<bool()> client_gone;
  // Pushes one line to the client before the reply (events, logs -f). Empty: streaming is
  // refused. Fails when the client is gone.
  std::function<Status(const nlohmann::json&)> push;
  // Who connected (SO_PEERCRED), read once per connection by the server. Empty: a request
  // from inside thrd (unit tests), taken for thrd's own user.
  std::optional<Peer> peer;
  // The access policy in force; nullptr: nobody but root and thrd's own user.
  const AccessControl* access = nullptr;
  // Requests refused with permission_denied on this connection so far: past kLoudRefusals they
  // are audited at debug, so that one client cannot flood the journal (and so push real audit
  // lines past journald's rate limit).
  size_t refusals = 0;
};

inline constexpr size_t kLoudRefusals = 10;

// How often a request that waits with nothing to say (wait, events, logs -f) checks whether its
// client hung up.
inline constexpr std::chrono::seconds kHangupCheck{1};

struct CommandDef {
  std::string_view name;     // wire name == thrctl subcommand
  std::string_view summary;  // one line, for docs and --help
  Access access;             // who may run it (checked in Dispatch); docs/protocol.md lists it
  // Fills `result` (merged into the reply) and returns its status. May block (stop waits for
  // threads); each connection has its own thread, so that delays no one else.
  Status (*handle)(CommandContext& ctx, const nlohmann::json& request, nlohmann::json* result);
};

// nullptr if no command is called `name`.
const CommandDef* FindCommand(std::string_view name);
// Every command, in the table's order.
std::span<const CommandDef* const> AllCommands();

// Request helpers shared by the handlers. Both fail with bad_request naming the member.
Status JobNames(const nlohmann::json& request, std::vector<std::string>* names);
Status OptionalBool(const nlohmann::json& request, const char* key, bool* out);
// A non-negative integer member (logs, show and history take "lines"); absent leaves *out.
Status OptionalCount(const nlohmann::json& request, const char* key, size_t* out);

}  // namespace thr
