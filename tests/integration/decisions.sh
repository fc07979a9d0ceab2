#!/usr/bin/env bash
# Kept decisions (CONTRACT.md "Kept decisions"): decisions survive a SIGKILL of thrd 0.2 s
# after the reply and win over the config's `start`; a kill comes back stopped; SIGTERM saves
# nothing; a removed job's decision is dropped for good; a corrupt, empty or truncated state
# file never stops thrd.
. "$(dirname "$0")/lib.sh"
setup decisions

STATE=$TMPD/state/decisions.json
five_jobs='
    { "name": "p", "task": "timestamp", "every": "200ms" },
    { "name": "s", "task": "timestamp", "every": "200ms" },
    { "name": "k", "task": "timestamp", "every": "200ms" },
    { "name": "q", "task": "timestamp", "every": "200ms", "start": "paused" },
    { "name": "r", "task": "timestamp", "every": "200ms" }'
write_config "$CFG" "{\"jobs\": [ $five_jobs ]}"

# "p=paused q=running ...": every job's state, in config order.
states() {
  local out
  out=$("$THRCTL" -s "$SOCK" --json status) || return 1
  json_get '" ".join("%s=%s" % (j["name"], j["state"]) for j in d["jobs"])' "$out"
}
# sigkill_after_ms MS: SIGKILLs thrd MS after now (the last reply) and reaps it.
sigkill_after_ms() {
  sleep_until $(($(now_ms) + $1))
  kill -KILL "$THRD_PID"
  wait "$THRD_PID" 2>/dev/null || true
  wait_until 10 no_tagged_procs "$TMPD" || fail "processes left after SIGKILL of thrd"
}

start_thrd -c "$CFG"
expect_eq "first start: states by config" "p=running s=running k=running q=paused r=running" "$(states)"
ctl_ok pause p
ctl_ok stop s
ctl_ok kill k
ctl_ok resume q
sigkill_after_ms 200

log "-- restarted after SIGKILL 0.2 s after the last reply"
start_thrd -c "$CFG"
expect_eq "decisions come back (kill as stopped; resume beats start: paused)" \
  "p=paused s=stopped k=stopped q=running r=running" "$(states)"
expect_contains "thrd says it used kept decisions" "kept decision" "$(cat "$THRD_ERR")"

log "-- SIGTERM is not a decision"
stop_thrd || fail "thrd did not exit 0 on SIGTERM"
start_thrd -c "$CFG"
expect_eq "after SIGTERM: the same decisions" "p=paused s=stopped k=stopped q=running r=running" "$(states)"

log "-- a removed job's decision is dropped and never comes back"
write_config "$CFG" '{"jobs": [
    { "name": "s", "task": "timestamp", "every": "200ms" },
    { "name": "k", "task": "timestamp", "every": "200ms" },
    { "name": "q", "task": "timestamp", "every": "200ms", "start": "paused" },
    { "name": "r", "task": "timestamp", "every": "200ms" }]}'
ctl_ok reload
if grep -q '"p"' "$STATE"; then fail "p's decision is still in $STATE"; else pass "reload dropped p's decision"; fi
write_config "$CFG" "{\"jobs\": [ $five_jobs ]}"
ctl_ok reload
expect_eq "p re-added: begins as its start says" running "$(job_state p)"
stop_thrd

log "-- damaged state files never stop thrd"
check_damaged() {  # LABEL: the state file is already damaged
  start_thrd -c "$CFG"
  expect_eq "$1: thrd runs, jobs as the config says" \
    "p=running s=running k=running q=paused r=running" "$(states)"
  expect_contains "$1: logged" "ignoring kept decisions: $STATE" "$(cat "$THRD_ERR")"
  ctl_ok pause p
  expect_true "$1: the next decision rewrites the file" grep -q '"p": "paused"' "$STATE"
  stop_thrd
}
printf 'garbage \x01\x02 not json' >"$STATE"
check_damaged "garbage"
: >"$STATE"
check_damaged "empty"
full=$(cat "$STATE")
printf '%s' "${full:0:$((${#full} / 2))}" >"$STATE"
check_damaged "truncated"
printf '{"version": 1, "decisions": {"p": "exploded"}}' >"$STATE"
check_damaged "unknown state"

log "-- an unwritable state dir: commands still work, the failure is logged"
rm -rf "$TMPD/state"
printf 'not a directory\n' >"$TMPD/state"
start_thrd -c "$CFG"
ctl pause p
expect_eq "pause with no state dir: exit status" 0 "$CTL_RC"
expect_eq "pause with no state dir: paused" paused "$(job_state p)"
if wait_until 5 grep -q "cannot keep operator decisions" "$THRD_ERR"; then
  pass "the failed write is logged"
else
  fail "no error logged for the failed write"
fi
stop_thrd
finish
