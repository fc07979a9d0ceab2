// A job's `on_failure` hook: the command run after a failed run or crash and when the job goes
// `failed`. It runs on its own short-lived thread, in its own process group, bounded by
// `hook_timeout`, so a slow or hanging hook never blocks or delays the job.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace thr {

struct JobSpec;

// What the hook is told, as THRD_EVENT, THRD_REASON and THRD_EXIT_STATUS (empty when the
// command did not exit by itself: killed by a signal, never started, or an internal error).
struct HookEvent {
  std::string event;  // "run_failed" or "job_failed"
  std::string reason;
  std::optional<int> exit_status;
};

// Runs one job's hook, at most one at a time. An event that arrives while a hook runs waits
// (logged); a later one replaces it, so the next hook gets the latest. All public methods are
// safe to call from any thread.
class HookRunner {
 public:
  using Emit = std::function<void(std::string_view line)>;
  // `spec` must outlive the runner; the hook's output lines go to `emit`, from the hook's
  // thread, prefixed "[on_failure] ".
  HookRunner(const JobSpec& spec, Emit emit);
  // Kills a hook in progress (SIGKILL to its group), drops a waiting event, and joins.
  ~HookRunner();
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // Queues `e` and starts the hook unless one is running. Never waits for a hook.
  void Fire(HookEvent e);
  // Blocks until no hook runs and none waits (tests).
  void WaitIdle();
  // Hooks finished so far, whatever their outcome (tests).
  uint64_t finished() const;

 private:
  void Main();
  void RunOne(const HookEvent& e);

  const JobSpec& spec_;
  const Emit emit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;        // signalled when the runner goes idle
  std::optional<HookEvent> pending_;  // guarded by mu_
  bool busy_ = false;                 // guarded by mu_: the thread is running hooks
  bool closing_ = false;              // guarded by mu_
  int wake_fd_ = -1;                  // guarded by mu_: the eventfd of the hook in progress
  uint64_t finished_ = 0;             // guarded by mu_
  std::thread thread_;                // guarded by mu_; joined before the next one starts
};

}  // namespace thr
