#!/usr/bin/env bash
# Calendar schedules (issue 11), with the real thrd and thrctl:
# - `*/2 * * * * *` runs on even seconds only, and its next_run is an even second;
# - `thrctl run` on a paused job makes exactly one run and leaves it paused; during a run, on
#   a killed job, on a service and on an unknown job it exits 1;
# - `catch_up`: a slot passed while thrd was down runs once at the next start, never twice,
#   and a first start (no stamp yet) runs nothing.
# Clock steps are tested in tests/unit/job_calendar_test.cpp with an injected clock: setting
# the real clock needs CAP_SYS_TIME.
. "$(dirname "$0")/lib.sh"
setup cron

write_config "$CFG" '{
  "jobs": [
    { "name": "even", "task": "timestamp", "cron": "*/2 * * * * *", "format": "%s" },
    { "name": "yearly", "task": "exec", "cron": "0 0 1 1 *", "tz": "UTC", "start": "paused",
      "command": "echo ran" },
    { "name": "sleeper", "task": "exec", "cron": "0 0 1 1 *", "start": "paused",
      "command": "exec sleep 1000" },
    { "name": "web", "task": "exec", "command": "exec sleep 1000" }
  ]
}'
start_thrd -c "$CFG"

log "-- */2 * * * * *: even seconds only"
wait_until 15 runs_at_least even 4 || die "even: fewer than 4 runs: $("$THRCTL" -s "$SOCK" --json status even)"
ctl_ok logs even
odd=$(awk '$1 % 2 != 0' <<<"$CTL_OUT")
log "  run times (epoch s): $(tr '\n' ' ' <<<"$CTL_OUT")"
expect_eq "runs on odd seconds" "" "$odd"
next=$(job_field even next_run)
expect_match "next_run is a whole even second" '^[0-9-]+T[0-9][0-9]:[0-9][0-9]:[0-9][02468]\.000Z$' "$next"
left_ms=$(($(iso_ms "$next") - $(now_ms)))
((left_ms > -500 && left_ms <= 2000)) && pass "next_run is $left_ms ms away" || fail "next_run $next is $left_ms ms away"
expect_eq "missed" 0 "$(job_field even missed)"

log "-- thrctl run on a paused job: one run, still paused"
ctl run yearly
expect_eq "run yearly: exit" 0 "$CTL_RC"
expect_eq "run yearly: says" "yearly: run started (job paused)" "$CTL_OUT"
wait_until 10 runs_at_least yearly 1 || die "yearly: the run did not happen"
expect_eq "yearly: state after the run" paused "$(job_state yearly)"
expect_eq "yearly: next_run while paused" null "$(job_field yearly next_run)"

log "-- thrctl run during a run, and of a killed job, a service, an unknown job"
ctl run sleeper
expect_eq "run sleeper: exit" 0 "$CTL_RC"
has_pid() { [[ "$(job_field sleeper pid)" != null ]]; }
wait_until 10 has_pid || die "sleeper: no process"
ctl run sleeper
expect_eq "run during a run: exit" 1 "$CTL_RC"
expect_contains "run during a run: says why" "a run is in progress" "$CTL_ERR"
expect_eq "sleeper: still paused" paused "$(job_state sleeper)"
ctl_ok kill sleeper
ctl run sleeper
expect_eq "run of a killed job: exit" 1 "$CTL_RC"
expect_contains "run of a killed job: says why" "is killed" "$CTL_ERR"
ctl run web
expect_eq "run of a service: exit" 1 "$CTL_RC"
expect_contains "run of a service: says why" "service" "$CTL_ERR"
ctl run nosuch
expect_eq "run of an unknown job: exit" 1 "$CTL_RC"
ctl --json run yearly sleeper
expect_eq "run of two, one refused: exit" 1 "$CTL_RC"
expect_eq "run of two: first ok" true "$(json_get 'd["jobs"][0]["ok"]' "$CTL_OUT")"
expect_eq "run of two: second refused" refused "$(json_get 'd["jobs"][1]["error"]["code"]' "$CTL_OUT")"
wait_until 10 runs_at_least yearly 2 || die "yearly: the second run did not happen"
expect_eq "yearly: exactly one run per request" 2 "$(job_field yearly runs)"
ctl_ok logs yearly
expect_eq "yearly: output of the two runs" "ran
ran" "$CTL_OUT"
stop_thrd || fail "thrd exited $? on SIGTERM"

log "-- catch_up: a first start runs nothing"
STATE=$TMPD/state
write_config "$CFG" '{
  "jobs": [ { "name": "daily", "task": "exec", "cron": "@daily", "tz": "UTC", "catch_up": true,
              "command": "echo daily" } ]
}'
STAMP=$STATE/runs/daily.last
start_thrd -c "$CFG"
stamp_exists() { [[ -s "$STAMP" ]]; }
wait_until 10 stamp_exists || die "no stamp at $STAMP"
first=$(cat "$STAMP")
expect_eq "daily: runs after a first start" 0 "$(job_field daily runs)"
stop_thrd || fail "thrd exited $? on SIGTERM"

log "-- catch_up: the slot passed while thrd was down runs once at start"
# Down for two days: the stamp says so (the wall clock cannot be moved here).
old=$("$PY" -c 'import datetime as d; print((d.datetime.now(d.timezone.utc) - d.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z"))')
printf '%s\n' "$old" >"$STAMP"
start_thrd -c "$CFG"
wait_until 10 runs_at_least daily 1 || die "daily: no catch-up run"
ctl_ok logs daily
expect_eq "daily: one catch-up note" 1 "$(grep -c 'catch_up: the run due at' <<<"$CTL_OUT")"
expect_eq "daily: one run's output" 1 "$(grep -cx 'daily' <<<"$CTL_OUT")"
expect_ne "stamp moved on" "$old" "$(cat "$STAMP")"
log "  stamp: $first -> $old (edited) -> $(cat "$STAMP")"
stop_thrd || fail "thrd exited $? on SIGTERM"

log "-- catch_up: never twice"
before=$(cat "$STAMP")
start_thrd -c "$CFG"
stamp_changed() { [[ "$(cat "$STAMP")" != "$before" ]]; }
wait_until 10 stamp_changed || die "stamp not re-saved at start"
expect_eq "daily: runs after a start with a fresh stamp" 0 "$(job_field daily runs)"
stop_thrd || fail "thrd exited $? on SIGTERM"

log "-- catch_up across a real restart: a per-second job down for two seconds"
write_config "$CFG" '{
  "jobs": [ { "name": "sec", "task": "exec", "cron": "* * * * * *", "catch_up": true,
              "command": "echo tick" } ]
}'
start_thrd -c "$CFG"
wait_until 10 runs_at_least sec 2 || die "sec: fewer than 2 runs"
stop_thrd || fail "thrd exited $? on SIGTERM"
last=$(cat "$STATE/runs/sec.last")
# Down until two more slots have passed (a point on the timeline, not a settle wait).
sleep_until $(($(iso_ms "$last") + 2500))
start_thrd -c "$CFG"
caught_up() { "$THRCTL" -s "$SOCK" logs sec | grep -q 'catch_up: the run due at'; }
wait_until 10 caught_up || die "sec: no catch-up after being down"
wait_until 10 runs_at_least sec 3 || die "sec: fewer than 3 runs after the restart"
ctl_ok logs sec
expect_eq "sec: exactly one catch-up run" 1 "$(grep -c 'catch_up: the run due at' <<<"$CTL_OUT")"
stop_thrd || fail "thrd exited $? on SIGTERM"

finish
