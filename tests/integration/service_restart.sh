#!/usr/bin/env bash
# The `restart` policy of services (issue 10):
# - restart on-failure: exit 1 is restarted, exit 0 ends the job `stopped` (no failure);
# - restart never: a failing exit ends the job `failed`;
# - a run that stays up past healthy_after and then dies is restarted after the initial
#   backoff again, whatever the backoff had grown to (here 0.3 s doubling: 0.3, 0.6, 1.2 s,
#   then a 1.5 s run, healthy after 1 s, and the next gap is 0.3 s again).
. "$(dirname "$0")/lib.sh"
setup service_restart

ONF=$TMPD/onf
HEAL=$TMPD/heal
# counter FILE: a shell snippet that bumps the run number in FILE.n and sets $n.
counter() { printf 'n=$(cat %s.n 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s.n; ' "$1" "$1"; }
write_config "$CFG" '{
  "jobs": [
    { "name": "onf", "task": "exec", "restart": "on-failure", "backoff": "100ms",
      "command": "'"$(counter "$ONF")"'echo run $n; [ $n -ge 3 ] && exit 0; exit 1" },
    { "name": "never", "task": "exec", "restart": "never", "command": "exit 4" },
    { "name": "heal", "task": "exec", "backoff": "300ms", "healthy_after": "1s",
      "command": "'"$(counter "$HEAL")"'echo start $n $(date +%s%3N) >> '"$HEAL"'; if [ $n -eq 4 ]; then sleep 1.5; fi; echo end $n $(date +%s%3N) >> '"$HEAL"'; if [ $n -ge 5 ]; then exec sleep 600; fi; exit 1" }
  ]
}'
start_thrd -c "$CFG"

log "-- restart on-failure"
wait_until 20 state_is onf stopped || die "onf did not end stopped ($(job_state onf))"
out=$("$THRCTL" -s "$SOCK" --json status onf)
expect_eq "onf: runs (exit 1, exit 1, exit 0)" 3 "$(json_get 'd["jobs"][0]["runs"]' "$out")"
expect_eq "onf: failures" 2 "$(json_get 'd["jobs"][0]["failures"]' "$out")"
expect_eq "onf: restarts" 2 "$(json_get 'd["jobs"][0]["restarts"]' "$out")"
expect_eq "onf: failure_streak after the clean exit" 0 "$(json_get 'd["jobs"][0]["failure_streak"]' "$out")"
got=$("$THRCTL" -s "$SOCK" logs onf)
expect_contains "onf: the log says it exited cleanly and stopped" "exited cleanly (exit status 0); job stopped" "$got"

log "-- restart never"
wait_until 20 state_is never failed || die "never did not end failed ($(job_state never))"
expect_eq "never: runs" 1 "$(job_field never runs)"
expect_eq "never: last_error" "exit status 4 (restart never)" "$(job_field never last_error)"

log "-- healthy_after resets the backoff"
heal_started() { grep -q "^start $1 " "$HEAL" 2>/dev/null; }
wait_until 20 heal_started 5 || die "heal: run 5 never started: $(cat "$HEAL" 2>/dev/null | tr '\n' ';')"
py_checks "$HEAL" "$TIME_SCALE" <<'PYEOF'
import sys
ev = {}
for line in open(sys.argv[1]):
    kind, n, t = line.split()
    ev[(kind, int(n))] = int(t)
scale = float(sys.argv[2])
def check(label, gap, want):
    ok = want - 20 <= gap <= want + 1000 * scale
    print(f"  {'ok   ' if ok else 'FAIL '} {label}: {gap} ms (want about {want})")
up4 = ev[("end", 4)] - ev[("start", 4)]
print(f"  ok    run 4 was up {up4} ms (healthy_after 1s)" if up4 >= 1000 else f"  FAIL  run 4 up only {up4} ms")
for n, want in ((1, 300), (2, 600), (3, 1200)):
    check(f"gap after quick death {n}", ev[("start", n + 1)] - ev[("end", n)], want)
check("gap after the healthy run 4 (backoff reset)", ev[("start", 5)] - ev[("end", 4)], 300)
PYEOF
expect_eq "heal: state with run 5 up" running "$(job_state heal)"

rc=0
stop_thrd || rc=$?
expect_eq "thrd exits 0 on SIGTERM" 0 "$rc"
finish
