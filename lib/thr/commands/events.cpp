// events [JOB...]: streams state changes and run ends as they happen. Each is pushed as one
// line {"event": {...}}; the final reply comes when thrd shuts down ({"ok": true, "end": ...})
// or when this reader fell so far behind that it was cut off (error too_slow), so a slow
// reader never slows the daemon.
#include <spdlog/spdlog.h>

#include <chrono>

#include "thr/commands/command.h"
#include "thr/iso_time.h"
#include "thr/supervisor.h"

namespace thr {
namespace {

// Unread events one reader may hold before it is cut off.
constexpr size_t kEventQueue = 10'000;

nlohmann::json EventJson(const Event& e) {
  nlohmann::json j = {{"seq", e.seq}, {"time", FormatIsoUtc(e.time)}, {"job", e.job}};
  if (e.type == Event::Type::kState) {
    j["type"] = "state";
    j["from"] = StateName(e.from);
    j["to"] = StateName(e.to);
  } else {
    j["type"] = "run";
    j["ok"] = e.ok;
    j["duration_ms"] = e.duration_ms;
    j["error"] = e.ok ? nlohmann::json(nullptr) : nlohmann::json(e.error);
    j["started"] = FormatIsoUtc(e.started);
    j["exit_status"] = e.exit_status ? nlohmann::json(*e.exit_status) : nlohmann::json(nullptr);
    j["lateness_us"] = e.lateness_us ? nlohmann::json(*e.lateness_us) : nlohmann::json(nullptr);
    j["interrupted"] = e.interrupted;
    j["missed"] = e.missed;
  }
  return j;
}

Status HandleEvents(CommandContext& ctx, const nlohmann::json& request, nlohmann::json* result) {
  if (!ctx.push) return Status::Refused("events need a streaming connection");
  std::vector<std::string> names;
  if (Status s = JobNames(request, &names); !s.ok()) return s;
  if (!names.empty()) {
    std::vector<JobInfo> known;
    if (Status s = ctx.supervisor.Snapshot(names, &known); !s.ok()) return s;
  }
  EventBus& bus = ctx.supervisor.events();
  auto sub = bus.Subscribe({names.begin(), names.end()}, kEventQueue);
  struct Unsubscribe {
    EventBus& bus;
    std::shared_ptr<EventBus::Subscription>& sub;
    ~Unsubscribe() { bus.Unsubscribe(sub); }
  } unsubscribe{bus, sub};
  spdlog::info("events: a client follows {}", names.empty() ? "every job" : "some jobs");
  // Tells the client the subscription is live: what happens from now on reaches it.
  if (!ctx.push({{"subscribed", true}}).ok()) return Status::Unavailable("the client hung up");
  while (true) {
    Event event;
    switch (sub->Next(std::chrono::steady_clock::now() + kHangupCheck, &event)) {
      case EventBus::Subscription::Result::kEvent:
        if (!ctx.push({{"event", EventJson(event)}}).ok()) {
          return Status::Unavailable("the client hung up");
        }
        break;
      case EventBus::Subscription::Result::kTimeout:
        if (ctx.client_gone && ctx.client_gone()) return Status::Unavailable("the client hung up");
        break;
      case EventBus::Subscription::Result::kOverflow:
        spdlog::warn("events: a reader fell {} events behind; cut off", kEventQueue);
        return Status::TooSlow("this reader fell " + std::to_string(kEventQueue) +
                               " events behind and was cut off; later events were not sent");
      case EventBus::Subscription::Result::kClosed:
        (*result)["end"] = "thrd is shutting down";
        return Status::Ok();
    }
  }
}

}  // namespace

extern const CommandDef kEventsCommand = {"events", "stream state changes and run ends",
                                          Access::kRead, HandleEvents};

}  // namespace thr
