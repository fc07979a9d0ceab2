#!/usr/bin/env bash
# A service (exec, no every) whose command fails at once, with the default policy (restart
# always, backoff 1s doubling, max_restarts 5, healthy_after 10s), issue 10:
# - it is restarted after gaps of about 1, 2, 4, 8 and 16 s (each measured start to start,
#   printed; asserted loosely: at least the backoff, at most 1 s more, scaled);
# - while it waits in backoff it is `running` with next_run set and restarts counting up;
# - after the 5th quick restart it dies again and the job is `failed`, with the crash loop
#   and the last exit in last_error (status and thrctl show);
# - `start` brings it back with a fresh backoff: the next gap is about 1 s again;
# - the command's output is captured into the job's log, and no run is left a zombie.
. "$(dirname "$0")/lib.sh"
setup service_crash_loop

STARTS=$TMPD/starts
write_config "$CFG" '{
  "jobs": [
    { "name": "crashy", "task": "exec",
      "command": "date +%s%3N >> '"$STARTS"'; echo crashing; exit 3" }
  ]
}'
start_thrd -c "$CFG"

starts() { wc -l <"$STARTS" 2>/dev/null || echo 0; }
starts_at_least() { (($(starts) >= $1)); }

wait_until 10 starts_at_least 1 || die "crashy never ran"
log "-- in backoff: running, next_run set"
in_backoff() {
  local out
  out=$("$THRCTL" -s "$SOCK" --json status crashy) || return 1
  [[ "$(json_get 'd["jobs"][0]["state"]' "$out")" == running &&
    "$(json_get 'd["jobs"][0]["next_run"]' "$out")" != null &&
    "$(json_get 'd["jobs"][0]["restarts"]' "$out")" -ge 1 ]]
}
expect_true "after the first death: running, next_run set, restarts >= 1" wait_until 5 in_backoff
expect_eq "status: service" true "$(job_field crashy service)"
expect_eq "status: every" null "$(job_field crashy every)"

log "-- the crash loop (about 31 s)"
state_is_failed() { state_is crashy failed; }
wait_until 60 state_is_failed || die "crashy did not go failed within $(scaled 60)s ($(starts) starts)"
expect_eq "runs before giving up (1 + 5 restarts)" 6 "$(starts)"
out=$("$THRCTL" -s "$SOCK" --json status crashy)
expect_eq "status: last_error" \
  "crash loop: 5 restarts in a row, each run up less than 10s; last: exit status 3" \
  "$(json_get 'd["jobs"][0]["last_error"]' "$out")"
expect_eq "status: restarts" 5 "$(json_get 'd["jobs"][0]["restarts"]' "$out")"
expect_eq "status: runs" 6 "$(json_get 'd["jobs"][0]["runs"]' "$out")"
expect_eq "status: failures" 6 "$(json_get 'd["jobs"][0]["failures"]' "$out")"
expect_eq "status: next_run" null "$(json_get 'd["jobs"][0]["next_run"]' "$out")"
ctl status crashy
expect_contains "thrctl status shows the service as failed with the crash loop" "crash loop" "$CTL_OUT"
expect_contains "thrctl status names it a service" "service" "$CTL_OUT"
ctl show crashy
expect_contains "thrctl show: restarts" "restarts" "$CTL_OUT"
got=$("$THRCTL" -s "$SOCK" logs crashy -n 1000)
expect_eq "the command's output is in the job's log, once per run" 6 "$(grep -cx crashing <<<"$got")"
expect_contains "the log says when it restarts" "[thrd] exit status 3; restarting in 16s" "$got"
no_zombie_child() { [[ -z "$(zombies_of "$THRD_PID")" ]]; }
expect_true "no zombie left by the six runs" wait_until 5 no_zombie_child

py_checks "$STARTS" "$TIME_SCALE" <<'PYEOF'
import sys
t = [int(x) for x in open(sys.argv[1]).read().split()]
scale = float(sys.argv[2])
gaps = [b - a for a, b in zip(t, t[1:])]
print("  measured gaps (ms): " + ", ".join(map(str, gaps)))
want = [1000, 2000, 4000, 8000, 16000]
if len(gaps) != len(want):
    print(f"  FAIL  expected {len(want)} gaps, got {len(gaps)}")
for i, (g, w) in enumerate(zip(gaps, want)):
    if w - 20 <= g <= w + 1000 * scale:
        print(f"  ok    gap {i + 1}: {g} ms (backoff {w} ms)")
    else:
        print(f"  FAIL  gap {i + 1}: {g} ms, expected {w} ms to {w} + {int(1000 * scale)} ms")
PYEOF

log "-- start brings it back with a fresh backoff"
ctl start crashy
expect_eq "start of a failed service: exit" 0 "$CTL_RC"
wait_until 10 starts_at_least 8 || die "crashy did not run twice after start ($(starts) starts)"
t7=$(sed -n 7p "$STARTS")
t8=$(sed -n 8p "$STARTS")
gap=$((t8 - t7))
log "  first gap after start: $gap ms"
if ((gap >= 980 && gap <= 1000 + $(scaled_ms 1))); then
  pass "the backoff was reset by start: $gap ms"
else
  fail "the first gap after start is $gap ms, expected about 1000"
fi
expect_eq "state after start" running "$(job_state crashy)"
ctl stop crashy
expect_eq "stop: exit" 0 "$CTL_RC"
expect_eq "state after stop" stopped "$(job_state crashy)"

rc=0
stop_thrd || rc=$?
expect_eq "thrd exits 0 on SIGTERM" 0 "$rc"
finish
