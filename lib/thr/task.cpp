#include "thr/task.h"

#include <ctime>

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
  if (spec.task == TaskKind::kTimestamp) return std::make_unique<TimestampTask>(spec.format);
  return MakeExecTask(spec);
}

}  // namespace thr
