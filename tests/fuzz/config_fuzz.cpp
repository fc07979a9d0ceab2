// Fuzzes the config loader with drop-ins: the input is a main file, then (after a NUL byte) a
// drop-in. The drop-in is written to conf.d/a.json in a temp dir of this process; the main
// file is parsed as if it were <dir>/thrd.json, so its `include` reaches it through a relative
// glob ("conf.d/*.json"), and a fixed main file that includes it is parsed too, so the drop-in
// path (config_include.cpp) runs for every input. A loaded config must be valid by the rules
// the loader enforces.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "thr/config.h"
#include "thr/cron.h"

namespace {

// Never destroyed: the exit handler that removes the directory runs after static destructors.
const std::string& Dir() {
  static const std::string* dir = [] {
    auto* path = new std::string(
        (std::filesystem::temp_directory_path() / "thrd-fuzz-config.XXXXXX").string());
    if (::mkdtemp(path->data()) == nullptr) std::abort();
    std::filesystem::create_directory(*path + "/conf.d");
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(Dir(), ec);
    });
    return path;
  }();
  return *dir;
}

void Check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "config_fuzz: %s for input \"%.*s\"\n", what, static_cast<int>(input.size()),
               input.data());
  std::abort();
}

void CheckConfig(const thr::Config& c, std::string_view input) {
  Check(!c.files.empty(), "a loaded config names no file", input);
  Check(c.socket_mode <= 0777, "socket_mode beyond 0777", input);
  for (const thr::JobSpec& job : c.jobs) {
    Check(thr::IsValidJobName(job.name), "invalid job name accepted", input);
    // No every: a calendar job, or a service, which only an exec job may be.
    Check(job.every ? *job.every >= thr::kMinEvery : thr::IsCalendar(job) || thr::IsService(job),
          job.every ? "every below the minimum accepted" : "a built-in task without a schedule",
          input);
    Check(!(job.every && thr::IsCalendar(job)), "both every and cron accepted", input);
    Check(thr::IsCalendar(job) || (job.tz.empty() && !job.catch_up),
          "tz or catch_up accepted without cron", input);
    if (thr::IsCalendar(job)) {
      thr::CronExpr expr;
      Check(thr::ParseCron(job.cron, &expr).ok(), "a cron expression accepted, then refused",
            input);
    }
    Check(job.stop_timeout <= thr::kMaxStopTimeout, "stop_timeout above the maximum", input);
    Check(job.log_lines <= thr::kMaxLogLines, "log_lines above the maximum", input);
    Check(job.history <= thr::kMaxHistory, "history above the maximum", input);
    Check(job.task != thr::TaskKind::kExec || !job.argv.empty() || !job.shell.empty(),
          "exec job without a command", input);
  }
  Check(!thr::DescribeConfig(c).empty(), "empty DescribeConfig", input);
}

// Only relative include patterns without "..": an absolute glob ("/*/*") would read files of
// the machine (e.g. /proc/kcore) and test nothing of thrd's.
bool SafeIncludes(std::string_view main) {
  nlohmann::json root = nlohmann::json::parse(main, nullptr, /*allow_exceptions=*/false,
                                              /*ignore_comments=*/true);
  if (root.is_discarded() || !root.is_object()) return true;  // never reaches the include
  auto it = root.find("include");
  if (it == root.end() || !it->is_array()) return true;
  for (const auto& p : *it) {
    if (!p.is_string()) continue;
    const std::string& s = p.get_ref<const std::string&>();
    if (s.empty() || s[0] == '/' || s.find("..") != std::string::npos) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view main = input.substr(0, nul);
  std::string_view drop_in = nul == std::string_view::npos ? "" : input.substr(nul + 1);

  const std::string origin = Dir() + "/thrd.json";
  const std::string drop_in_path = Dir() + "/conf.d/a.json";
  if (drop_in.empty()) {
    ::unlink(drop_in_path.c_str());
  } else {
    std::ofstream(drop_in_path, std::ios::binary | std::ios::trunc)
        .write(drop_in.data(), static_cast<std::streamsize>(drop_in.size()));
  }

  if (SafeIncludes(main)) {
    thr::Config config;
    if (thr::ParseConfig(main, origin, &config).ok()) CheckConfig(config, input);
  }
  if (!drop_in.empty()) {
    thr::Config config;
    if (thr::ParseConfig(R"({"include": ["conf.d/*.json"]})", origin, &config).ok()) {
      CheckConfig(config, input);
    }
  }
  return 0;
}
