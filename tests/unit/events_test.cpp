// EventBus: delivery, filtering, order, the cut-off of a reader that falls behind, and close.
#include "thr/events.h"

#include <doctest/doctest.h>

#include <thread>

#include "test_util.h"

namespace thr {
namespace {

using Result = EventBus::Subscription::Result;

Event StateEvent(const std::string& job, JobState from, JobState to) {
  Event e;
  e.job = job;
  e.type = Event::Type::kState;
  e.from = from;
  e.to = to;
  return e;
}

std::chrono::steady_clock::time_point Soon() {
  return std::chrono::steady_clock::now() + test::DefaultDeadline();
}

TEST_CASE("EventBus: subscribers get events in order with rising seq; filters by job") {
  EventBus bus;
  auto all = bus.Subscribe({}, 100);
  auto only_b = bus.Subscribe({"b"}, 100);
  bus.Publish(StateEvent("a", JobState::kRunning, JobState::kPaused));
  bus.Publish(StateEvent("b", JobState::kRunning, JobState::kStopped));
  Event e;
  REQUIRE(all->Next(Soon(), &e) == Result::kEvent);
  CHECK(e.job == "a");
  uint64_t first = e.seq;
  REQUIRE(all->Next(Soon(), &e) == Result::kEvent);
  CHECK(e.job == "b");
  CHECK(e.seq == first + 1);
  REQUIRE(only_b->Next(Soon(), &e) == Result::kEvent);
  CHECK(e.job == "b");
  CHECK(e.to == JobState::kStopped);
  auto now = std::chrono::steady_clock::now();
  CHECK(only_b->Next(now + std::chrono::milliseconds(20), &e) == Result::kTimeout);
}

TEST_CASE("EventBus: a waiting reader is woken by a publish from another thread") {
  EventBus bus;
  auto sub = bus.Subscribe({}, 10);
  std::thread publisher(
      [&] { bus.Publish(StateEvent("a", JobState::kPaused, JobState::kRunning)); });
  Event e;
  CHECK(sub->Next(Soon(), &e) == Result::kEvent);
  publisher.join();
  CHECK(e.from == JobState::kPaused);
}

TEST_CASE("EventBus: a reader that falls behind is cut off after what it had") {
  EventBus bus;
  auto slow = bus.Subscribe({}, 3);
  auto fast = bus.Subscribe({}, 100);
  for (int i = 0; i < 5; ++i) bus.Publish(StateEvent("a", JobState::kRunning, JobState::kPaused));
  Event e;
  for (int i = 0; i < 3; ++i) CHECK(slow->Next(Soon(), &e) == Result::kEvent);
  CHECK(slow->Next(Soon(), &e) == Result::kOverflow);
  int got = 0;
  while (fast->Next(std::chrono::steady_clock::now(), &e) == Result::kEvent) ++got;
  CHECK(got == 5);  // the other reader lost nothing
}

TEST_CASE("EventBus: Close ends every reader after its queue; nothing is published after") {
  EventBus bus;
  auto sub = bus.Subscribe({}, 10);
  bus.Publish(StateEvent("a", JobState::kRunning, JobState::kPaused));
  bus.Close();
  bus.Publish(StateEvent("a", JobState::kPaused, JobState::kRunning));
  Event e;
  CHECK(sub->Next(Soon(), &e) == Result::kEvent);
  CHECK(sub->Next(Soon(), &e) == Result::kClosed);
}

TEST_CASE("EventBus: an unsubscribed reader gets nothing more") {
  EventBus bus;
  auto sub = bus.Subscribe({}, 10);
  bus.Unsubscribe(sub);
  bus.Publish(StateEvent("a", JobState::kRunning, JobState::kPaused));
  Event e;
  CHECK(sub->Next(std::chrono::steady_clock::now() + std::chrono::milliseconds(10), &e) ==
        Result::kTimeout);
}

}  // namespace
}  // namespace thr

namespace thr {
namespace {

TEST_CASE("EventBus: observers see every event, with or without subscribers, and past a cut-off") {
  EventBus bus;
  std::vector<std::string> seen;
  bus.AddObserver([&](const Event& e) { seen.push_back(e.job); });
  bus.Publish(StateEvent("a", JobState::kRunning, JobState::kPaused));  // nobody subscribed
  auto slow = bus.Subscribe({}, 1);
  bus.Publish(StateEvent("b", JobState::kRunning, JobState::kPaused));
  bus.Publish(StateEvent("c", JobState::kRunning, JobState::kPaused));  // cuts `slow` off
  CHECK(seen == std::vector<std::string>{"a", "b", "c"});
}

}  // namespace
}  // namespace thr
