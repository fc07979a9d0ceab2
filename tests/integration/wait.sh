#!/usr/bin/env bash
# thrctl wait JOB... --state STATE [--for D]: exit 0 once every named job is in STATE (already,
# or as soon as another client changes it), exit 1 with the laggards named when D passes
# first, exit 1 for an unknown job, exit 2 for a bad state; a wait ends when thrd stops.
. "$(dirname "$0")/lib.sh"
setup wait

write_config "$CFG" '{"jobs": [
  { "name": "a", "task": "timestamp", "every": "1s" },
  { "name": "b", "task": "timestamp", "every": "1s" }]}'
# debug: thrd logs "dispatch wait" when a wait request arrives.
start_thrd -c "$CFG" --log-level debug

ctl wait a b --state running --for 5s
expect_eq "already running: exit 0" 0 "$CTL_RC"
expect_eq "already running: each job named" $'a: running\nb: running' "$CTL_OUT"

log "-- a wait that another client satisfies"
waits_seen() { grep -c 'dispatch wait' "$THRD_ERR" || true; }
# shellcheck disable=SC2034 # read inside the eval below
seen=$(waits_seen)
"$THRCTL" -s "$SOCK" wait a b --state paused --for 30s >"$TMPD/w.out" 2>"$TMPD/w.err" &
waiter=$!
bg_track "$waiter"
# The wait must have arrived before b changes, or the test proves nothing about waking up.
wait_until 10 eval '(( $(waits_seen) > seen ))' || die "the wait request never arrived"
ctl_ok pause a
expect_true "one job paused: still waiting" alive "$waiter"
t0=$(now_ms)
ctl_ok pause b
if wait_until 5 not_alive "$waiter"; then
  pass "the wait ended $(($(now_ms) - t0)) ms after the second pause"
else
  fail "the wait did not end within $(scaled 5)s of the second pause"
fi
rc=0
wait "$waiter" || rc=$?
expect_eq "satisfied wait: exit 0" 0 "$rc"
expect_eq "satisfied wait: prints the states" $'a: paused\nb: paused' "$(cat "$TMPD/w.out")"

log "-- running out of time"
ctl wait a b --state stopped --for 300ms
expect_eq "timeout: exit 1" 1 "$CTL_RC"
expect_contains "timeout: names the laggards" "a is paused, b is paused" "$CTL_ERR"
if ((CTL_MS >= 250)); then pass "timeout: waited ${CTL_MS} ms (--for 300ms)"; else
  fail "timeout: returned after ${CTL_MS} ms, before --for 300ms"; fi

ctl wait nope --state running --for 1s
expect_eq "unknown job: exit 1" 1 "$CTL_RC"
expect_contains "unknown job: named" "nope" "$CTL_ERR"
ctl wait a --state sleeping
expect_eq "bad state: usage error, exit 2" 2 "$CTL_RC"

log "-- thrd stopping ends a wait without --for"
"$THRCTL" -s "$SOCK" wait a --state running >"$TMPD/w2.out" 2>"$TMPD/w2.err" &
waiter=$!
bg_track "$waiter"
ctl_ok status a  # the waiter has had its turn to connect
stop_thrd || fail "thrd did not exit 0 with a wait in progress"
if wait_until 10 not_alive "$waiter"; then pass "the wait ended with thrd"; else
  fail "the wait outlived thrd"; fi
rc=0
wait "$waiter" || rc=$?
if ((rc == 1 || rc == 3)); then pass "ended wait: exit $rc (not 0)"; else
  fail "ended wait: exit $rc"; fi
finish
