// Run history: the last `history` runs of each job (start, duration, result, exit status or
// reason, slots missed before it), for `thrctl history` and the strip of `thrctl show`.
// Fed by an EventBus observer with the jobs' run events, and kept by job name beside the job
// objects, so that a reload that replaces a changed job's object keeps its runs.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "thr/clock.h"

namespace thr {

struct Event;

enum class RunOutcome : uint8_t { kOk, kFailed, kInterrupted };
// "ok", "failed", "interrupted": the wire names (docs/json.md, `history`).
std::string_view RunOutcomeName(RunOutcome outcome);

// One run as read out of the history.
struct RunEntry {
  WallTime started{};  // to the millisecond
  int64_t duration_ms = 0;
  RunOutcome outcome = RunOutcome::kOk;
  std::optional<int> exit_status;  // when the command exited by itself
  std::string reason;              // why it failed or was interrupted; else empty
  uint64_t missed = 0;             // slots skipped just before this run
};

// Thread-safe. Record() is the EventBus observer: O(1), one short lock of one of kStripes
// stripes (by name), so that 10,000 jobs ending runs at the same instant do not queue on one
// mutex, and it never calls into a job. A job's ring is allocated as its runs arrive and
// grows to its capacity, so a job that never runs costs one map node.
class RunHistory {
 public:
  RunHistory() = default;
  RunHistory(const RunHistory&) = delete;
  RunHistory& operator=(const RunHistory&) = delete;

  // Keeps the last `capacity` runs of job `name` from now on: the runs it has are kept (the
  // oldest dropped when there are more), 0 drops them and records none. Call it before the
  // job's first run; runs of a name never configured are ignored.
  void Configure(const std::string& name, uint32_t capacity);
  // Forgets job `name` (a reload removed it).
  void Drop(const std::string& name);
  // Adds a run event's run to its job's ring; other events are ignored.
  void Record(const Event& event);
  // The last `n` runs of `name`, oldest first, into `out`. False when `name` is not known.
  bool Recent(const std::string& name, size_t n, std::vector<RunEntry>* out) const;

  // Bytes a ring's entries take (tests, and the memory budget in docs/design.md).
  static constexpr size_t kEntryBytes = 32;

 private:
  // The compact form of a run: 32 bytes, the reason on the heap only for a run that has one.
  struct Stored {
    int64_t start_ms = 0;
    int64_t duration_ms = 0;
    std::unique_ptr<const std::string> reason;
    uint32_t missed = 0;  // saturates
    int16_t exit_status = kNoExit;
    RunOutcome outcome = RunOutcome::kOk;
    static constexpr int16_t kNoExit = -1;
  };
  static_assert(sizeof(Stored) <= kEntryBytes, "history entries must stay compact");

  class Ring {
   public:
    explicit Ring(uint32_t capacity) : capacity_(capacity) {}
    void Push(Stored run);
    void Resize(uint32_t capacity);
    size_t size() const { return runs_.size(); }
    // The i-th run, oldest first.
    const Stored& at(size_t i) const { return runs_[(head_ + i) % runs_.size()]; }

   private:
    uint32_t capacity_;
    uint32_t head_ = 0;         // the oldest run once the ring is full; else 0
    std::vector<Stored> runs_;  // grows to capacity_, then wraps
  };

  struct Stripe {
    mutable std::mutex mu;
    std::unordered_map<std::string, Ring> rings;  // guarded by mu
  };
  static constexpr size_t kStripes = 64;

  Stripe& StripeOf(std::string_view name);
  const Stripe& StripeOf(std::string_view name) const;

  std::array<Stripe, kStripes> stripes_;
};

}  // namespace thr
