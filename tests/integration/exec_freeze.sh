#!/usr/bin/env bash
# `pause --freeze` and `resume` of a run in progress (issue 4, "Control of a run in progress").
# The run is a shell whose background child (python3, which does not fork in its loop) prints
# "tick I" every 0.1 s, 20 times, and writes I to a side file after each line.
# - pause --freeze: every process of the run's group goes to state T (D is tolerated only for
#   a shell caught in vfork, see notes/machine-limits.md), status shows state paused,
#   frozen: true and the run's pid, and output stops: the log's line count and the side file
#   stay the same over 0.5 s.
# - resume: the group is continued, frozen: false, output resumes and the run completes
#   with every tick once, in order, no failure.
# - Frozen time is not counted toward `timeout`: the run is frozen 1.5 s and has a 3 s
#   timeout for 2 s of work, so it would time out if it were.
. "$(dirname "$0")/lib.sh"
setup exec_freeze

TICKER=$TMPD/ticker.py
SIDE=$TMPD/ticks
cat >"$TICKER" <<'EOF'
import sys, time
n, side = int(sys.argv[1]), sys.argv[2]
for i in range(1, n + 1):
    print(f"tick {i}", flush=True)
    with open(side, "w") as f:
        f.write(str(i))
    time.sleep(0.1)
EOF
NTICKS=20
write_config "$CFG" '{
  "jobs": [
    { "name": "fz", "task": "exec", "every": "1h", "timeout": "3s",
      "command": "'"$PY"' -u '"$TICKER"' '"$NTICKS"' '"$SIDE"' & wait" }
  ]
}'
start_thrd -c "$CFG"

side() { cat "$SIDE" 2>/dev/null || echo 0; }
side_at_least() { (($(side) >= $1)); }
log_count() { "$THRCTL" -s "$SOCK" logs fz -n 1000 | wc -l; }
ring_has() { "$THRCTL" -s "$SOCK" logs fz -n 1000 | grep -qxF "tick $1"; }
has_pid() { [[ "$(job_field fz pid)" != null ]]; }
# group_frozen PGID: at least 2 processes, each in state T; a shell may be in D (vfork).
group_frozen() {
  local lines
  lines=$(group_ps "$1")
  (($(wc -l <<<"$lines") >= 2)) || return 1
  ! awk '!($2 ~ /^T/ || ($2 ~ /^D/ && $3 ~ /^(sh|dash|bash)$/)) { bad = 1 } END { exit !bad }' <<<"$lines"
}
group_running() { ! group_ps "$1" | awk '$2 ~ /^T/ { found = 1 } END { exit !found }'; }
frozen_is() { [[ "$(job_field fz frozen)" == "$1" ]]; }

wait_until 10 has_pid || die "fz: no run in progress"
PGID=$(job_field fz pid)
wait_until 10 side_at_least 3 || die "fz: the ticker printed fewer than 3 ticks"

log "-- pause --freeze"
ctl pause --freeze fz
expect_eq "pause --freeze: exit" 0 "$CTL_RC"
T_FROZEN=$(now_ms)
if wait_until 2 group_frozen "$PGID"; then
  pass "every process of group $PGID stopped: $(group_ps "$PGID" | tr '\n' ';')"
  if group_ps "$PGID" | awk '$2 ~ /^D/ { f = 1 } END { exit !f }'; then
    log "        (a shell in D: caught in vfork when frozen; tolerated)"
  fi
else
  fail "group $PGID not all in state T: $(group_ps "$PGID" | tr '\n' ';')"
fi
out=$("$THRCTL" -s "$SOCK" --json status fz)
expect_eq "status: state" paused "$(json_get 'd["jobs"][0]["state"]' "$out")"
expect_eq "status: frozen" true "$(json_get 'd["jobs"][0]["frozen"]' "$out")"
expect_eq "status: pid kept while frozen" "$PGID" "$(json_get 'd["jobs"][0]["pid"]' "$out")"

# The side file is written after each line: once the ring has that tick, nothing printed
# before the stop is still on its way.
S1=$(side)
wait_until 2 ring_has "$S1" || fail "the ring never got tick $S1, printed before the freeze"
C1=$(log_count)
sleep_until $(($(now_ms) + 500))
C2=$(log_count)
S2=$(side)
expect_eq "output stopped: log lines over 0.5 s" "$C1" "$C2"
expect_eq "output stopped: the ticker's own count over 0.5 s" "$S1" "$S2"
# Frozen 1.5 s in all (the 3 s timeout would end the run if frozen time counted).
sleep_until $((T_FROZEN + 1500))

log "-- resume"
ctl resume fz
expect_eq "resume: exit" 0 "$CTL_RC"
if wait_until 2 side_at_least $((S2 + 2)); then
  pass "output resumed: the ticker went on from tick $S2"
else
  fail "the ticker did not go on after resume (side file at $(side))"
fi
expect_true "the group is running again" group_running "$PGID"
expect_eq "status: frozen after resume" false "$(job_field fz frozen)"
expect_eq "status: state after resume" running "$(job_state fz)"

wait_until 10 runs_at_least fz 1 || die "fz: the run did not complete after resume"
T_END=$(now_ms)
out=$("$THRCTL" -s "$SOCK" --json status fz)
expect_eq "run completed: failures (frozen time not counted toward the 3 s timeout)" 0 \
  "$(json_get 'd["jobs"][0]["failures"]' "$out")"
expect_eq "run completed: pid" null "$(json_get 'd["jobs"][0]["pid"]' "$out")"
got=$("$THRCTL" -s "$SOCK" logs fz -n 1000)
if [[ "$got" == "$(seq -f 'tick %g' 1 "$NTICKS")" ]]; then
  pass "run completed: ticks 1..$NTICKS in the log, each once, in order"
else
  fail "run completed: the log is not ticks 1..$NTICKS: $(tr '\n' ',' <<<"$got")"
fi
expect_true "run group gone" group_gone "$PGID"
log "  (frozen from $S1 ticks for 1.5 s; the run ended $((T_END - T_FROZEN)) ms after the freeze)"

rc=0
stop_thrd || rc=$?
expect_eq "thrd exits 0 on SIGTERM" 0 "$rc"
finish
