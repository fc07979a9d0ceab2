// Job events pushed to `thrctl events` subscribers: state changes and run ends. Publishing
// never waits on a reader: each subscription has a bounded queue, and one that overflows is
// cut off (it reads what it had, then kOverflow), so a slow reader costs the daemon nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "thr/clock.h"
#include "thr/job_state.h"

namespace thr {

struct Event {
  enum class Type { kState, kRun };
  uint64_t seq = 0;  // set by Publish: 1, 2, ... across all jobs
  WallTime time{};
  std::string job;
  Type type = Type::kState;
  JobState from = JobState::kStopped, to = JobState::kStopped;  // kState
  bool ok = true;                                               // kRun
  int64_t duration_ms = 0;                                      // kRun
  std::string error;                                            // kRun: !ok, or interrupted
  WallTime started{};                                           // kRun
  std::optional<int> exit_status;                               // kRun: when the command exited
  std::optional<int64_t> lateness_us;  // kRun: start minus due; none for a service or `run`
  bool interrupted = false;            // kRun: ended by stop, kill or restart; ok is true
  uint64_t missed = 0;                 // kRun: slots skipped since the job's previous run
};

class EventBus {
 public:
  class Subscription {
   public:
    enum class Result { kEvent, kTimeout, kClosed, kOverflow };
    // The next event, oldest first. kOverflow and kClosed come once the queue is drained.
    Result Next(std::chrono::steady_clock::time_point deadline, Event* out);

   private:
    friend class EventBus;
    std::set<std::string> jobs_;  // empty: every job
    size_t capacity_ = 0;
    std::deque<Event> queue_;  // guarded by the bus's mu_
    bool overflowed_ = false;  // guarded by the bus's mu_
    EventBus* bus_ = nullptr;
  };

  EventBus() = default;
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Events of `jobs` (all when empty), at most `capacity` unread. Ends when the pointer is
  // released (Unsubscribe) or the bus closes.
  std::shared_ptr<Subscription> Subscribe(std::set<std::string> jobs, size_t capacity);
  void Unsubscribe(const std::shared_ptr<Subscription>& sub);
  // In-process consumers (metrics, history) that must see every event, unlike a subscription
  // that may be cut off. Called synchronously by Publish, on the job's thread and possibly
  // with the job's lock held: an observer must be quick, take only its own locks and never
  // call into a job. Add them before any job starts; the list is then read without a lock.
  using Observer = std::function<void(const Event&)>;
  void AddObserver(Observer observer) { observers_.push_back(std::move(observer)); }
  // Cheap when nobody listens (no lock). May be called with a job's lock held: the bus takes
  // none.
  void Publish(Event event);
  // Shutdown: every subscriber gets kClosed after its queue.
  void Close();

 private:
  std::vector<Observer> observers_;  // fixed before the first Publish
  std::mutex mu_;
  std::condition_variable cv_;
  std::list<std::shared_ptr<Subscription>> subs_;  // guarded by mu_
  std::atomic<size_t> sub_count_{0};               // subs_.size(), readable without mu_
  uint64_t next_seq_ = 1;                          // guarded by mu_
  bool closed_ = false;                            // guarded by mu_
};

}  // namespace thr
