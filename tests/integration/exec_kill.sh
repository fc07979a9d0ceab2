#!/usr/bin/env bash
# Ending a run in progress (issue 4, "Control of a run in progress"):
# - `kill` during the string command `sleep 1000 & sleep 1000`: the reply comes in under 1 s
#   (x scale; printed), and at the reply the run's whole process group is gone (no process,
#   not even a zombie, with its pgid: the background sleep included), no zombie has thrd for
#   parent, the state is `killed` and `pid` is null.
# - `stop` of a run that ignores SIGTERM (`trap '' TERM; sleep 1000`, stop_timeout 1s): the
#   run survives the TERM and is killed after the stop_timeout; the reply comes after ~1 s
#   (>= 0.9 s, < 2 s x scale; printed), with the group gone.
# - `stop_signal: "SIGINT"`: the run receives SIGINT, not SIGTERM (its traps say which, in
#   the job's log), and ends by itself on it, long before its stop_timeout.
# - `kill` while a `stop` of a TERM-ignoring run still waits (stop_timeout 10s) escalates it:
#   both replies come at once, the group is gone, the state stays `stopped`.
# - During a run, grandchildren that thrd adopts (their parent died; thrd is a subreaper) are
#   reaped as they exit, whether still in the run's group or not: no zombie child of thrd
#   while the run goes on.
. "$(dirname "$0")/lib.sh"
setup exec_kill

write_config "$CFG" '{
  "jobs": [
    { "name": "k", "task": "exec", "every": "1h", "command": "sleep 1000 & sleep 1000" },
    { "name": "stubborn", "task": "exec", "every": "1h", "stop_timeout": "1s",
      "command": "trap \"\" TERM; sleep 1000" },
    { "name": "stubborn2", "task": "exec", "every": "1h", "stop_timeout": "10s",
      "command": "trap \"\" TERM; sleep 1000" },
    { "name": "adopt", "task": "exec", "every": "1h",
      "command": "(sleep 0.3 &); (setsid sleep 0.4 &); echo started; sleep 1000" },
    { "name": "intr", "task": "exec", "every": "1h", "stop_signal": "SIGINT", "stop_timeout": "10s",
      "command": "trap \"echo got SIGINT; exit 0\" INT; trap \"echo got SIGTERM; exit 0\" TERM; sleep 1000 & wait" }
  ]
}'
start_thrd -c "$CFG"

has_pid() { [[ "$(job_field "$1" pid)" != null ]]; }
# sleeps_in PGID N: at least N `sleep` processes in group PGID (so the shell got that far).
sleeps_in() { (($(group_ps "$1" | awk '$3 == "sleep"' | wc -l) >= $2)); }
# run_group JOB NSLEEPS: waits for JOB's run and its sleeps; sets PGID and MEMBERS.
run_group() {
  wait_until 10 has_pid "$1" || die "$1: no run in progress"
  PGID=$(job_field "$1" pid)
  wait_until 10 sleeps_in "$PGID" "$2" || die "$1: fewer than $2 sleep in group $PGID: $(group_ps "$PGID")"
  MEMBERS=$(group_pids "$PGID" | xargs)
  log "  $1: run group $PGID: $(group_ps "$PGID" | tr '\n' ';')"
}
# after_end LABEL JOB STATE: the checks at the reply of a kill or stop.
after_end() {
  local label=$1 job=$2 state=$3 left p gone=1
  left=$(group_ps "$PGID")
  if [[ -z "$left" ]]; then
    pass "$label: at the reply, no process left in group $PGID"
  else
    fail "$label: at the reply, group $PGID still has: $(tr '\n' ';' <<<"$left")"
  fi
  for p in $MEMBERS; do
    if [[ -e /proc/$p ]]; then
      gone=0
      fail "$label: process $p of the run still exists: $(ps -o pid=,ppid=,stat=,args= -p "$p")"
    fi
  done
  ((gone)) && pass "$label: every process of the run ($MEMBERS) is gone, none a zombie"
  expect_eq "$label: no zombie child of thrd" "" "$(zombies_of "$THRD_PID")"
  local out
  out=$("$THRCTL" -s "$SOCK" --json status "$job")
  expect_eq "$label: state" "$state" "$(json_get 'd["jobs"][0]["state"]' "$out")"
  expect_eq "$label: pid" null "$(json_get 'd["jobs"][0]["pid"]' "$out")"
  expect_eq "$label: not counted a failure" 0 "$(json_get 'd["jobs"][0]["failures"]' "$out")"
}
fmt_ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }

log "-- kill during 'sleep 1000 & sleep 1000'"
run_group k 2
ctl kill k
expect_eq "kill: exit" 0 "$CTL_RC"
KILL_MS=$(fmt_ms "$CTL_US")
if ((CTL_MS < $(scaled_ms 1))); then
  pass "kill: reply in $KILL_MS ms (limit $(scaled_ms 1) ms)"
else
  fail "kill: reply took $KILL_MS ms (limit $(scaled_ms 1) ms)"
fi
after_end kill k killed

log "-- stop of a run that ignores SIGTERM, stop_timeout 1s"
run_group stubborn 1
ctl stop stubborn
expect_eq "stop stubborn: exit" 0 "$CTL_RC"
STOP_MS=$(fmt_ms "$CTL_US")
if ((CTL_MS >= 900 && CTL_MS < $(scaled_ms 2))); then
  pass "stop stubborn: killed after the stop_timeout, reply in $STOP_MS ms (window 900..$(scaled_ms 2) ms)"
else
  fail "stop stubborn: reply in $STOP_MS ms, outside 900..$(scaled_ms 2) ms"
fi
after_end "stop stubborn" stubborn stopped

log "-- stop_signal SIGINT"
run_group intr 1
ctl stop intr
expect_eq "stop intr: exit" 0 "$CTL_RC"
INT_MS=$(fmt_ms "$CTL_US")
if ((CTL_MS < 5000)); then
  pass "stop intr: the run ended on its signal, reply in $INT_MS ms (stop_timeout 10 s)"
else
  fail "stop intr: reply in $INT_MS ms: the run did not end on its stop signal"
fi
after_end "stop intr" intr stopped
got=$("$THRCTL" -s "$SOCK" logs intr)
expect_eq "stop intr: the run received SIGINT (its log)" "got SIGINT" "$got"

log "-- kill escalates a stop still waiting"
run_group stubborn2 1
T0=$(now_ms)
"$THRCTL" -s "$SOCK" stop stubborn2 >"$TMPD/bgstop.out" 2>&1 &
BG_STOP=$!
bg_track "$BG_STOP"
wait_until 5 state_is stubborn2 stopped || die "stubborn2: not stopped after the stop request"
expect_true "stop stubborn2 still waiting for the run (stop_timeout 10s)" alive "$BG_STOP"
ctl kill stubborn2
expect_eq "kill during stop: exit" 0 "$CTL_RC"
ESC_MS=$(fmt_ms "$CTL_US")
if wait_until 1 not_alive "$BG_STOP"; then
  rc=0
  wait "$BG_STOP" || rc=$?
  expect_eq "the waiting stop replied, exit" 0 "$rc"
  pass "kill during stop: kill replied in $ESC_MS ms, the stop $(($(now_ms) - T0)) ms after it was sent"
else
  fail "the waiting stop did not reply within $(scaled 1)s of the kill"
fi
after_end "kill during stop" stubborn2 stopped

log "-- adopted grandchildren reaped during the run"
run_group adopt 1
# (ps shows no args for a zombie: these match live processes only.)
no_short_sleeps() { ! ps -e -o args= | grep -qE '^sleep 0\.[34]$'; }
no_thrd_zombie() { [[ -z "$(zombies_of "$THRD_PID")" ]]; }
if wait_until 5 no_short_sleeps; then
  if wait_until 2 no_thrd_zombie; then
    pass "adopt: the exited grandchildren (in the run's group and setsid) were reaped, the run goes on"
  else
    fail "adopt: zombie children of thrd during the run: $(zombies_of "$THRD_PID" | tr '\n' ';')"
  fi
else
  fail "adopt: the short sleeps did not end"
fi
expect_eq "adopt: the run still in progress" "$PGID" "$(job_field adopt pid)"
ctl_ok kill adopt
after_end "kill adopt" adopt killed

log "-- figures: kill $KILL_MS ms, stop (TERM ignored, stop_timeout 1s) $STOP_MS ms, stop (SIGINT) $INT_MS ms"
rc=0
stop_thrd || rc=$?
expect_eq "thrd exits 0 on SIGTERM" 0 "$rc"
finish
