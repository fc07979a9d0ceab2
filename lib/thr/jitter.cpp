#include "thr/jitter.h"

#include <algorithm>
#include <random>

namespace thr {
namespace {

// splitmix64's finalizer: every input bit affects every output bit.
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

Duration JitterFor(Duration jitter, Duration gap, std::uint64_t random) {
  if (jitter <= Duration::zero() || gap <= Duration{1}) return Duration::zero();
  // Strictly below the gap: a run delayed by the whole gap would start at the next slot.
  const std::int64_t cap = std::min(jitter.count(), gap.count() - 1);
  return Duration{static_cast<std::int64_t>(random % (static_cast<std::uint64_t>(cap) + 1))};
}

std::uint64_t JitterSeed(std::uint64_t salt, std::string_view job, std::int64_t slot_ms) {
  std::uint64_t h = Mix(salt);
  for (unsigned char c : job) h = Mix(h ^ c);  // FNV-like, but mixed per byte
  return Mix(h ^ static_cast<std::uint64_t>(slot_ms));
}

std::uint64_t ProcessJitterSalt() {
  static const std::uint64_t salt = [] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }();
  return salt;
}

}  // namespace thr
