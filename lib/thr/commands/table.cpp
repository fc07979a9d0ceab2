// The explicit command table (tmux cmd.c): the index of what thrd understands.
#include "thr/commands/command.h"

namespace thr {

extern const CommandDef kStatusCommand, kPauseCommand, kResumeCommand, kStopCommand, kKillCommand,
    kStartCommand, kRestartCommand, kLogsCommand, kReloadCommand, kWaitCommand, kPingCommand,
    kShowCommand, kEventsCommand, kRunCommand, kMetricsCommand, kHistoryCommand;

namespace {
const CommandDef* const kCommands[] = {
    &kStatusCommand, &kPauseCommand,  &kResumeCommand,  &kStopCommand,
    &kKillCommand,   &kStartCommand,  &kRestartCommand, &kRunCommand,
    &kLogsCommand,   &kReloadCommand, &kWaitCommand,    &kPingCommand,
    &kShowCommand,   &kEventsCommand, &kMetricsCommand, &kHistoryCommand,
};
}  // namespace

const CommandDef* FindCommand(std::string_view name) {
  for (const CommandDef* def : kCommands) {
    if (def->name == name) return def;
  }
  return nullptr;
}

std::span<const CommandDef* const> AllCommands() { return kCommands; }

Status JobNames(const nlohmann::json& request, std::vector<std::string>* names) {
  auto it = request.find("jobs");
  if (it == request.end()) return Status::Ok();
  if (!it->is_array()) return Status::BadRequest("\"jobs\" must be an array of job names");
  for (const auto& name : *it) {
    if (!name.is_string()) return Status::BadRequest("\"jobs\" must be an array of job names");
    names->push_back(name.get<std::string>());
  }
  return Status::Ok();
}

Status OptionalBool(const nlohmann::json& request, const char* key, bool* out) {
  auto it = request.find(key);
  if (it == request.end()) return Status::Ok();
  if (!it->is_boolean())
    return Status::BadRequest(std::string("\"") + key + "\" must be true or false");
  *out = it->get<bool>();
  return Status::Ok();
}

Status OptionalCount(const nlohmann::json& request, const char* key, size_t* out) {
  auto it = request.find(key);
  if (it == request.end()) return Status::Ok();
  if (!it->is_number_unsigned())
    return Status::BadRequest(std::string("\"") + key + "\" must be a non-negative integer");
  *out = it->get<size_t>();
  return Status::Ok();
}

}  // namespace thr
