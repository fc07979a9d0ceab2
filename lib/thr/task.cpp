#include "thr/task.h"

#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include <string_view>

namespace thr {
namespace {

class TimestampTask final : public Task {
 public:
  explicit TimestampTask(std::string format) : format_(std::move(format)) {}
  RunResult Run(RunContext& ctx) override {
    ctx.emit(FormatTimestamp(ctx.clock->WallNow(), format_));
    return {};
  }

 private:
  std::string format_;
};

// A test hook: jobs named in $THRD_TEST_FAULT_JOBS (comma-separated) get a task that throws at
// its first run, the one way to see a job end `failed` from outside (integration tests).
class FaultTask final : public Task {
 public:
  RunResult Run(RunContext&) override {
    throw std::runtime_error("injected fault (THRD_TEST_FAULT_JOBS)");
  }
};

bool FaultInjected(const std::string& job) {
  const char* list = std::getenv("THRD_TEST_FAULT_JOBS");
  if (list == nullptr) return false;
  std::string_view rest(list);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    if (rest.substr(0, comma) == job) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string FormatTimestamp(WallTime t, const std::string& format) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  if (format.empty()) return std::to_string(static_cast<long long>(secs));
  std::tm local{};
  ::localtime_r(&secs, &local);
  char buf[512];
  size_t n = std::strftime(buf, sizeof(buf), format.c_str(), &local);
  // strftime returns 0 for an over-long or empty result; show nothing rather than garbage.
  return std::string(buf, n);
}

std::unique_ptr<Task> MakeTask(const JobSpec& spec) {
  if (FaultInjected(spec.name)) return std::make_unique<FaultTask>();
  if (spec.task == TaskKind::kTimestamp) return std::make_unique<TimestampTask>(spec.format);
  return MakeExecTask(spec);
}

}  // namespace thr
