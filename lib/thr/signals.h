// Signal names as operators write them ("SIGTERM", "TERM", "15") and as thrd reports them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace thr {

std::optional<int> ParseSignal(std::string_view text);
// "SIGKILL"; "signal 64" for one without a name.
std::string SignalName(int sig);

}  // namespace thr
