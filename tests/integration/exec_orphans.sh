#!/usr/bin/env bash
# Nothing a run starts outlives thrd (issue 4, "No orphans, no zombies, whatever the exit").
# Two runs in progress: the string command `sleep 1000 & sleep 1000` (a shell, its background
# grandchild and its foreground child) and the argv `sleep 1000`.
# - thrd SIGKILLed (killed by its exact pid; its keeper is left alone): within 2 s (x scale)
#   no process of either run is alive, the background grandchild included, and the keeper
#   (thrd-keeper, which did that) has exited by itself. The keeper started with thrd is the
#   one still there when runs are in progress (it did not die at start).
# - thrd SIGTERMed: it exits 0 and, by then, every process of the runs and the keeper are gone
#   entirely (reaped, not zombies).
. "$(dirname "$0")/lib.sh"
setup exec_orphans

write_config "$CFG" '{
  "jobs": [
    { "name": "shell", "task": "exec", "every": "1h", "command": "sleep 1000 & sleep 1000" },
    { "name": "plain", "task": "exec", "every": "1h", "command": ["sleep", "1000"] }
  ]
}'

has_pid() { [[ "$(job_field "$1" pid)" != null ]]; }
sleeps_in() { (($(group_ps "$1" | awk '$3 == "sleep"' | wc -l) >= $2)); }
# start_runs: a thrd with both runs in progress; sets RUN_PIDS (every process of both runs)
# and KEEPER.
start_runs() {
  start_thrd -c "$CFG"
  wait_until 10 has_pid shell || die "shell: no run in progress"
  wait_until 10 has_pid plain || die "plain: no run in progress"
  local g1 g2
  g1=$(job_field shell pid)
  g2=$(job_field plain pid)
  wait_until 10 sleeps_in "$g1" 2 || die "shell: its two sleeps did not start: $(group_ps "$g1")"
  RUN_PIDS="$(group_pids "$g1" | xargs) $(group_pids "$g2" | xargs)"
  log "  runs: shell group $g1 ($(group_ps "$g1" | tr '\n' ';')), plain group $g2"
  KEEPER=$(ps -e -o pid=,ppid=,args= | awk -v p="$THRD_PID" '$2 == p && $3 == "thrd-keeper" { print $1 }' | xargs)
  [[ "$KEEPER" =~ ^[0-9]+$ ]] || die "expected one thrd-keeper child of thrd, found '$KEEPER'"
  expect_eq "the keeper's process name (ps -C, pgrep)" thrd-keeper "$(cat "/proc/$KEEPER/comm")"
  if grep -q 'keeper process .* died' "$THRD_ERR"; then
    fail "a keeper died since thrd started: $(grep 'keeper process' "$THRD_ERR" | head -n 1)"
  else
    pass "keeper $KEEPER: the one started with thrd, alive"
  fi
}
none_alive() {
  local p
  for p in "$@"; do
    if alive "$p"; then return 1; fi
  done
  return 0
}
still_there() {
  local p out=""
  for p in "$@"; do
    [[ -e /proc/$p ]] && out+="$(ps -o pid=,ppid=,stat=,args= -p "$p" 2>/dev/null); "
  done
  printf '%s' "$out"
}

log "-- thrd SIGKILLed mid-run"
start_runs
# shellcheck disable=SC2086 # RUN_PIDS is a list of pids
kill -KILL "$THRD_PID"
T0=$(now_ms)
rc=0
wait "$THRD_PID" 2>/dev/null || rc=$?
expect_eq "thrd died of SIGKILL" 137 "$rc"
# shellcheck disable=SC2086
if wait_until 2 none_alive $RUN_PIDS; then
  pass "no process of the runs alive $(($(now_ms) - T0)) ms after thrd's SIGKILL (background grandchild included)"
else
  fail "processes of the runs alive $(scaled 2)s after thrd's SIGKILL: $(still_there $RUN_PIDS)"
fi
if wait_until 2 not_alive "$KEEPER"; then
  pass "the keeper $KEEPER exited by itself"
else
  fail "the keeper $KEEPER still alive $(scaled 2)s after thrd's SIGKILL"
fi
expect_true "nothing thrd started is alive" wait_until 2 no_tagged_procs "$TMPD"

log "-- thrd SIGTERMed mid-run"
start_runs
T0=$(now_ms)
rc=0
terminate "$THRD_PID" 10 || rc=$?
T1=$(now_ms)
expect_eq "thrd exit status on SIGTERM" 0 "$rc"
log "  (thrd exited $((T1 - T0)) ms after SIGTERM)"
# shellcheck disable=SC2086
left=$(still_there $RUN_PIDS "$KEEPER")
expect_eq "when thrd has exited, no process of the runs and no keeper is left, not even a zombie" "" "$left"
expect_true "nothing thrd started is alive" no_tagged_procs "$TMPD"
finish
