#!/usr/bin/env bash
# A reload that waits for a slow stop (a changed job ignoring SIGTERM until its stop_timeout)
# holds up nothing else: pause on another job answers at once, and kill on the slow job
# escalates the reload's stop. SIGTERM during such a reload starts nothing new and exits 0.
. "$(dirname "$0")/lib.sh"
setup reload_slow

slow_config() {  # EVERY
  write_config "$CFG" '{"jobs": [
  { "name": "other", "task": "timestamp", "every": "1s" },
  { "name": "slow", "task": "exec", "every": "'"$1"'", "stop_timeout": "10s",
    "command": ["bash", "-c", "trap \"\" TERM; echo started; sleep 60"] }]}'
}
slow_config 1h
start_thrd -c "$CFG"
wait_until 10 eval '[[ "$(job_field slow pid 2>/dev/null)" =~ ^[0-9]+$ ]]' || die "slow never started its run"

reloads() { grep -c 'reload: unchanged' "$THRD_ERR" || true; }
# shellcheck disable=SC2034 # read inside the eval below
r0=$(reloads)
slow_config 2h
"$THRCTL" -s "$SOCK" reload >"$TMPD/reload.out" 2>&1 &
RELOAD_PID=$!
bg_track "$RELOAD_PID"
wait_until 10 eval '(( $(reloads) > r0 ))' || die "the reload never started"

ctl --timeout 2s pause other
expect_eq "pause of another job during the reload: exit status" 0 "$CTL_RC"
if ((CTL_MS < $(scaled_ms 1))); then pass "it answered in ${CTL_MS} ms"; else
  fail "it took ${CTL_MS} ms"; fi
expect_true "the reload is still waiting for slow's stop" alive "$RELOAD_PID"

ctl --timeout 5s kill slow
expect_eq "kill of the slow job escalates the reload's stop: exit status" 0 "$CTL_RC"
if wait_until 5 not_alive "$RELOAD_PID"; then
  rc=0
  wait "$RELOAD_PID" || rc=$?
  expect_eq "the reload finished: exit status" 0 "$rc"
else
  fail "the reload is still waiting $(scaled 5)s after the kill"
fi
expect_eq "slow's new settings" 2h "$(job_field slow every)"
expect_eq "other stayed paused" paused "$(job_state other)"

log "-- SIGTERM while a reload waits for a slow stop"
ctl_ok start slow  # the kill above was kept as a decision: slow came back stopped
wait_until 10 eval '[[ "$(job_field slow pid 2>/dev/null)" =~ ^[0-9]+$ ]]' || die "slow never ran again"
slow_config 3h
# shellcheck disable=SC2034 # read inside the eval below
r0=$(reloads)
"$THRCTL" -s "$SOCK" reload >"$TMPD/reload2.out" 2>&1 &
bg_track $!
wait_until 10 eval '(( $(reloads) > r0 ))' || die "the second reload never started"
t0=$(now_ms)
kill -TERM "$THRD_PID"
if wait_until 45 not_alive "$THRD_PID"; then
  rc=0
  wait "$THRD_PID" || rc=$?
  expect_eq "thrd exit status" 0 "$rc"
  took=$(($(now_ms) - t0))
  # One stop_timeout (10 s), not two: the reload's stop and the shutdown's are the same one.
  if ((took < 10000 + $(scaled_ms 8))); then
    pass "thrd stopped $took ms after SIGTERM (one 10s stop_timeout)"
  else
    fail "thrd took $took ms after SIGTERM (more than one stop_timeout)"
  fi
else
  fail "thrd still running $(scaled 45)s after SIGTERM"
fi
if grep -q 'job slow: exec every 3h' "$THRD_ERR"; then
  fail "the reload started the new slow after SIGTERM"
else
  pass "nothing was started after SIGTERM"
fi
finish
