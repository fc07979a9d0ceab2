// Fuzzes the duration grammar (lib/thr/duration.h): ParseDuration on the raw bytes, and
// ParseDurationJson on them read as JSON. A parsed duration must lie in the accepted range and
// survive FormatDuration -> ParseDuration unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "thr/duration.h"

namespace {

// 100 years, the parser's upper bound.
constexpr int64_t kMaxMs = int64_t{100} * 365 * 86'400'000;

void Check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "duration_fuzz: %s for input \"%.*s\"\n", what,
               static_cast<int>(input.size()), input.data());
  std::abort();
}

void CheckParsed(thr::Duration d, std::string_view input) {
  Check(d.count() > 0 && d.count() <= kMaxMs, "parsed duration out of range", input);
  std::string text = thr::FormatDuration(d);
  thr::Duration again{};
  Check(thr::ParseDuration(text, &again).ok(), "FormatDuration's text does not parse", input);
  Check(again == d, "FormatDuration -> ParseDuration changed the value", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  thr::Duration d{};
  if (thr::ParseDuration(text, &d).ok()) CheckParsed(d, text);

  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!value.is_discarded()) {
    thr::Duration j{};
    if (thr::ParseDurationJson(value, &j).ok()) CheckParsed(j, text);
  }
  return 0;
}
