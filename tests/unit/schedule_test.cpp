// Fixed-rate schedule math (CONTRACT.md "Schedule"), on hand-built steady_clock time points.
#include "thr/schedule.h"

#include <doctest/doctest.h>

namespace thr {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// An arbitrary, non-zero origin so nothing depends on the clock's epoch.
const SteadyTime kT0 = SteadyTime{} + std::chrono::hours(1000);
const Grid kGrid{kT0, Duration(100)};

SteadyTime At(int64_t ms) { return kT0 + milliseconds(ms); }

TEST_CASE("Schedule: slot k is due at t0 + k * every") {
  CHECK(kGrid.Due(0) == kT0);
  CHECK(kGrid.Due(1) == At(100));
  CHECK(kGrid.Due(7) == At(700));
  CHECK(kGrid.Due(1'000'000) == At(100'000'000));
}

TEST_CASE("Schedule: FirstSlotAtOrAfter is exact at slot boundaries") {
  SUBCASE("at or before t0 it is slot 0") {
    CHECK(kGrid.FirstSlotAtOrAfter(kT0) == 0);
    CHECK(kGrid.FirstSlotAtOrAfter(kT0 - milliseconds(5)) == 0);
  }
  SUBCASE("exactly on a due time it is that slot") {
    CHECK(kGrid.FirstSlotAtOrAfter(At(100)) == 1);
    CHECK(kGrid.FirstSlotAtOrAfter(At(300)) == 3);
  }
  SUBCASE("one nanosecond past a due time it is the next slot") {
    CHECK(kGrid.FirstSlotAtOrAfter(kT0 + nanoseconds(1)) == 1);
    CHECK(kGrid.FirstSlotAtOrAfter(At(100) + nanoseconds(1)) == 2);
  }
  SUBCASE("one nanosecond before a due time it is that slot") {
    CHECK(kGrid.FirstSlotAtOrAfter(At(200) - nanoseconds(1)) == 2);
  }
  SUBCASE("between due times it is the next one") { CHECK(kGrid.FirstSlotAtOrAfter(At(250)) == 3); }
}

TEST_CASE("Schedule: a run that ends before the next due time misses nothing") {
  NextSlot next = AfterRun(kGrid, 0, At(10));
  CHECK(next.slot == 1);
  CHECK(next.missed == 0);
}

TEST_CASE("Schedule: a late run does not shift the next due time") {
  // Slot 2 was due at 200 but ran from 250 to 260: slot 3 is still due at 300.
  NextSlot next = AfterRun(kGrid, 2, At(260));
  CHECK(next.slot == 3);
  CHECK(next.missed == 0);
  CHECK(kGrid.Due(next.slot) == At(300));
}

TEST_CASE("Schedule: a run that ends exactly on the next due time misses nothing") {
  NextSlot next = AfterRun(kGrid, 0, At(100));
  CHECK(next.slot == 1);
  CHECK(next.missed == 0);
}

TEST_CASE("Schedule: a run that overlaps due times makes those slots missed") {
  SUBCASE("just past the next due time") {
    NextSlot next = AfterRun(kGrid, 0, At(100) + nanoseconds(1));
    CHECK(next.slot == 2);
    CHECK(next.missed == 1);
  }
  SUBCASE("over three due times") {
    // Slots 1, 2 and 3 (100, 200, 300) passed during the run; slot 4 (400) is next.
    NextSlot next = AfterRun(kGrid, 0, At(350));
    CHECK(next.slot == 4);
    CHECK(next.missed == 3);
  }
  SUBCASE("ending exactly on a later due time runs that slot, never a second run for the others") {
    NextSlot next = AfterRun(kGrid, 0, At(300));
    CHECK(next.slot == 3);
    CHECK(next.missed == 2);
  }
  SUBCASE("from a later slot") {
    NextSlot next = AfterRun(kGrid, 5, At(720));
    CHECK(next.slot == 8);
    CHECK(next.missed == 2);
  }
}

TEST_CASE("Schedule: resuming before the pending slot keeps it") {
  // Paused with slot 3 (due 300) pending, resumed at 250.
  CHECK(AfterPause(kGrid, 3, At(250)) == 3);
  CHECK(AfterPause(kGrid, 3, At(300)) == 3);
}

TEST_CASE("Schedule: resuming later skips to the next slot of the same grid") {
  SUBCASE("just past the pending slot") {
    CHECK(AfterPause(kGrid, 3, At(300) + nanoseconds(1)) == 4);
  }
  SUBCASE("many slots later") {
    // Slots 3..10 passed while paused; they are skipped, and 11 (1100) is next: no burst.
    int64_t slot = AfterPause(kGrid, 3, At(1050));
    CHECK(slot == 11);
    CHECK(kGrid.Due(slot) == At(1100));
  }
  SUBCASE("exactly on a later due time") { CHECK(AfterPause(kGrid, 3, At(900)) == 9); }
}

}  // namespace
}  // namespace thr
