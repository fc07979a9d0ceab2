// ParseCron: the cron grammar (lib/thr/cron.h).
#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "thr/cron.h"

namespace thr {
namespace {

struct FieldDef {
  const char* name;
  int min;
  int max;
  // Names accepted for values min, min+1, ... (three letters, any case), or nullptr.
  const std::array<std::string_view, 12>* names;
};

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
// Seven used; SUN is 0. (7 is accepted as a number only.)
constexpr std::array<std::string_view, 12> kDayNames = {"sun", "mon", "tue", "wed",
                                                        "thu", "fri", "sat"};

enum Field { kSecond, kMinute, kHour, kDayOfMonth, kMonth, kDayOfWeek, kFieldCount };

constexpr FieldDef kFields[kFieldCount] = {
    {"second", 0, 59, nullptr},     {"minute", 0, 59, nullptr},
    {"hour", 0, 23, nullptr},       {"day of month", 1, 31, nullptr},
    {"month", 1, 12, &kMonthNames}, {"day of week", 0, 7, &kDayNames},
};

// Where a field stands in the text (1-based) and what it is, for error messages.
struct FieldRef {
  int place;
  Field field;
};

Status FieldError(FieldRef ref, std::string_view item, std::string_view what) {
  std::string msg = "field " + std::to_string(ref.place) + " (" + kFields[ref.field].name + "): ";
  msg += "\"";
  msg += item.substr(0, 40);  // a fuzzer's megabyte of digits need not be echoed back
  if (item.size() > 40) msg += "...";
  msg += "\" ";
  msg += what;
  return Status::InvalidConfig(std::move(msg));
}

std::string RangeText(const FieldDef& def) {
  return "is out of range " + std::to_string(def.min) + "-" + std::to_string(def.max);
}

// A number or, where the field has them, a name. Returns false if `text` is neither; sets
// *in_range false (and returns true) for a number outside the field's range.
bool ParseValue(const FieldDef& def, std::string_view text, int* out, bool* in_range) {
  *in_range = true;
  if (def.names != nullptr && text.size() == 3) {
    for (size_t i = 0; i < def.names->size() && !(*def.names)[i].empty(); ++i) {
      const std::string_view name = (*def.names)[i];
      bool same = true;
      for (size_t k = 0; k < 3; ++k) {
        same = same && std::tolower(static_cast<unsigned char>(text[k])) == name[k];
      }
      if (same) {
        *out = def.min + static_cast<int>(i);
        return true;
      }
    }
  }
  if (text.empty()) return false;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size()) return false;  // also rejects a sign
  if (ec == std::errc::result_out_of_range || value < def.min || value > def.max) {
    *in_range = false;
  }
  *out = value;
  return true;
}

// One comma-separated item: `*`, `N`, `N-M`, each with an optional `/STEP`.
Status ParseItem(FieldRef ref, std::string_view item, std::vector<bool>* bits) {
  const FieldDef& def = kFields[ref.field];
  if (item.empty()) return FieldError(ref, item, "is empty (a stray comma?)");
  std::string_view range = item;
  int step = 1;
  const size_t slash = item.find('/');
  if (slash != std::string_view::npos) {
    range = item.substr(0, slash);
    const std::string_view step_text = item.substr(slash + 1);
    auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
    if (step_text.empty() || end != step_text.data() + step_text.size()) {
      return FieldError(ref, item, "has a step that is not a number");
    }
    if (ec == std::errc::result_out_of_range || step < 1 || step > def.max - def.min + 1) {
      return FieldError(ref, item,
                        "has a step out of range 1-" + std::to_string(def.max - def.min + 1));
    }
  }
  int low = def.min;
  int high = def.max;
  if (range != "*") {
    const size_t dash = range.find('-');
    const std::string_view first = range.substr(0, dash);
    bool in_range = true;
    if (!ParseValue(def, first, &low, &in_range)) {
      return FieldError(ref, first.empty() ? item : first,
                        def.names ? "is not a number or a name" : "is not a number");
    }
    if (!in_range) return FieldError(ref, first, RangeText(def));
    if (dash != std::string_view::npos) {
      const std::string_view second = range.substr(dash + 1);
      if (!ParseValue(def, second, &high, &in_range)) {
        return FieldError(ref, second.empty() ? item : second,
                          def.names ? "is not a number or a name" : "is not a number");
      }
      if (!in_range) return FieldError(ref, second, RangeText(def));
      if (high < low) return FieldError(ref, range, "is a range that ends before it starts");
    } else if (slash == std::string_view::npos) {
      high = low;  // a single value; with a step, `N/S` runs to the field's end
    }
  }
  for (int v = low; v <= high; v += step) (*bits)[static_cast<size_t>(v)] = true;
  return Status::Ok();
}

template <size_t N>
Status ParseField(FieldRef ref, std::string_view text, std::bitset<N>* out, bool* star) {
  std::vector<bool> bits(static_cast<size_t>(kFields[ref.field].max) + 1, false);
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    Status s = ParseItem(ref, text.substr(start, comma - start), &bits);
    if (!s.ok()) return s;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  out->reset();
  for (size_t v = 0; v < bits.size(); ++v) {
    if (bits[v]) out->set(ref.field == kDayOfWeek ? v % 7 : v);  // 7 is Sunday again
  }
  if (star != nullptr) *star = text.front() == '*';
  return Status::Ok();
}

std::vector<std::string_view> SplitBlanks(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size() && words.size() <= 6) {  // more than 6 is an error either way
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (j > i) words.push_back(text.substr(i, j - i));
    i = j;
  }
  return words;
}

// The @ forms, as cronie expands them.
std::optional<std::string_view> Macro(std::string_view word) {
  struct Entry {
    std::string_view name, expansion;
  };
  static constexpr Entry kMacros[] = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"},
  };
  for (const Entry& e : kMacros) {
    if (word.size() != e.name.size()) continue;
    bool same = true;
    for (size_t k = 0; k < word.size(); ++k) {
      same = same && std::tolower(static_cast<unsigned char>(word[k])) == e.name[k];
    }
    if (same) return e.expansion;
  }
  return std::nullopt;
}

}  // namespace

Status ParseCron(std::string_view text, CronExpr* out) {
  std::vector<std::string_view> words = SplitBlanks(text);
  if (words.size() == 1 && words[0].front() == '@') {
    std::optional<std::string_view> expansion = Macro(words[0]);
    if (!expansion) {
      return Status::InvalidConfig("unknown schedule \"" + std::string(words[0].substr(0, 40)) +
                                   "\" (known: @yearly @annually @monthly @weekly @daily "
                                   "@midnight @hourly)");
    }
    return ParseCron(*expansion, out);
  }
  if (words.size() != 5 && words.size() != 6) {
    return Status::InvalidConfig(
        words.size() > 6
            ? std::string("more than 6 fields (expected 5, or 6 with seconds)")
            : "expected 5 fields (6 with seconds), got " + std::to_string(words.size()));
  }
  CronExpr e;
  const int skip = words.size() == 5 ? 1 : 0;  // five fields: no seconds
  bool sec_star = false, min_star = false, hour_star = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const FieldRef ref{static_cast<int>(i) + 1, static_cast<Field>(static_cast<int>(i) + skip)};
    Status s;
    switch (ref.field) {
      case kSecond:
        s = ParseField(ref, words[i], &e.seconds, &sec_star);
        break;
      case kMinute:
        s = ParseField(ref, words[i], &e.minutes, &min_star);
        break;
      case kHour:
        s = ParseField(ref, words[i], &e.hours, &hour_star);
        break;
      case kDayOfMonth:
        s = ParseField(ref, words[i], &e.days_of_month, &e.dom_star);
        break;
      case kMonth:
        s = ParseField(ref, words[i], &e.months, nullptr);
        break;
      case kDayOfWeek:
        s = ParseField(ref, words[i], &e.days_of_week, &e.dow_star);
        break;
      case kFieldCount:
        break;
    }
    if (!s.ok()) return s;
  }
  if (skip == 1) e.seconds.set(0);
  e.keeps_rhythm = sec_star || min_star || hour_star;
  *out = e;
  return Status::Ok();
}

}  // namespace thr
