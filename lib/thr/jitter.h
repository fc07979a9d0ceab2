// The random delay of a job's `jitter`: spreads the runs of many hosts or jobs with the same
// schedule without moving the schedule itself.
#pragma once

#include <cstdint>
#include <string_view>

#include "thr/duration.h"

namespace thr {

// The delay of one run: uniform in [0, jitter], drawn from `random` (any 64-bit value; see
// JitterSeed), but always less than `gap`, the time from this slot to the next, so a run is
// never pushed into (or past) the next slot. Zero when jitter or gap is not positive. The
// caller adds it to the slot's own time, never to the grid: each slot's delay is computed
// fresh, so delays do not accumulate.
Duration JitterFor(Duration jitter, Duration gap, std::uint64_t random);

// A well-mixed 64-bit value for (salt, job, slot): the same inputs give the same delay (a
// restart or re-computation after a clock jump does not re-draw it), different slots or jobs
// independent ones. `salt` is per daemon (e.g. from std::random_device at start), so hosts
// with the same config spread out; `slot_ms` is the slot's time in ms since the epoch.
std::uint64_t JitterSeed(std::uint64_t salt, std::string_view job, std::int64_t slot_ms);

// This process's salt for JitterSeed: random, drawn once.
std::uint64_t ProcessJitterSalt();

}  // namespace thr
