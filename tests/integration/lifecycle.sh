#!/usr/bin/env bash
# thrd's life as a process: a second thrd on a live socket exits 1 naming the path and the
# first keeps serving; a SIGKILLed thrd's stale socket is replaced by the next thrd; SIGHUP
# never terminates thrd and leaves its jobs alone; SIGTERM and SIGINT exit 0 promptly and
# remove the socket; a non-socket file at the path is never replaced.
. "$(dirname "$0")/lib.sh"
setup lifecycle

write_config "$CFG" '{
  "jobs": [
    { "name": "a", "task": "timestamp", "every": "200ms" },
    { "name": "b", "task": "timestamp", "every": "200ms" }
  ]
}'

ping_pid() {
  local out
  out=$("$THRCTL" -s "$SOCK" --json ping) || return 1
  json_get 'd["pid"]' "$out"
}

# run_to_end LABEL ARGS...: runs a thrd expected to exit by itself; sets END_RC (or dies).
run_to_end() {
  local label=$1
  shift
  "$THRD" --state-dir "$TMPD/state" "$@" >"$TMPD/end.out" 2>"$TMPD/end.err" &
  local pid=$!
  THRD_PIDS+=("$pid")
  if ! wait_until 10 not_alive "$pid"; then
    fail "$label: still running after $(scaled 10)s"
    terminate "$pid" 1 || true
    END_RC=-1
    return
  fi
  END_RC=0
  wait "$pid" || END_RC=$?
}

# signal_exit SIGNAL LABEL: sends SIGNAL to $THRD_PID; it must exit 0 within 1 s (scaled) and
# remove its socket.
signal_exit() {
  local sig=$1 label=$2 t0 t1
  t0=$(now_ms)
  kill "-$sig" "$THRD_PID"
  if wait_until 1 not_alive "$THRD_PID"; then
    t1=$(now_ms)
    pass "$label: thrd exited $((t1 - t0)) ms after SIG$sig"
  else
    fail "$label: thrd still running $(scaled 1)s after SIG$sig"
    wait_until 10 not_alive "$THRD_PID" || true
  fi
  local rc=0
  if not_alive "$THRD_PID"; then wait "$THRD_PID" || rc=$?; else rc=running; fi
  expect_eq "$label: exit status" 0 "$rc"
  if [[ -e "$SOCK" ]]; then fail "$label: socket $SOCK left behind"; else pass "$label: socket removed"; fi
  ctl ping
  expect_eq "$label: thrctl ping afterwards" 3 "$CTL_RC"
}

log "-- a second thrd on a live socket"
start_thrd -c "$CFG"
first=$THRD_PID
expect_eq "ping answers from the first thrd" "$first" "$(ping_pid)"
run_to_end "second thrd" -c "$CFG" -s "$SOCK"
expect_eq "second thrd: exit" 1 "$END_RC"
expect_contains "second thrd: message names the socket" "$SOCK" "$(cat "$TMPD/end.err")"
expect_true "first thrd still alive" alive "$first"
expect_true "socket still there" test -S "$SOCK"
expect_eq "ping still answered by the first thrd" "$first" "$(ping_pid)"
expect_eq "its jobs still running" running "$(job_state a)"

log "-- SIGHUP leaves thrd and its jobs alone"
ctl_ok pause b
tid_a=$(job_field a thread_id)
tid_b=$(job_field b thread_id)
runs_a=$(job_field a runs)
kill -HUP "$first"
kill -HUP "$first"
kill -HUP "$first"
# The signals are taken by thrd's main thread in microseconds; two more runs of a (400 ms)
# leave it ample time to have acted on them before the checks below.
expect_true "a's runs go on after SIGHUP" wait_until 5 runs_at_least a $((runs_a + 2))
expect_true "thrd alive after three SIGHUPs" alive "$first"
ctl ping
expect_eq "ping after SIGHUP" 0 "$CTL_RC"
expect_eq "a still running" running "$(job_state a)"
expect_eq "b still paused" paused "$(job_state b)"
expect_eq "a on the same thread" "$tid_a" "$(job_field a thread_id)"
expect_eq "b on the same thread" "$tid_b" "$(job_field b thread_id)"
expect_eq "same daemon" "$first" "$(ping_pid)"

log "-- SIGTERM: exit 0 at once, socket removed"
signal_exit TERM "SIGTERM"
expect_true "no thrd thread left" not_alive "$first"

log "-- a SIGKILLed thrd's stale socket is replaced"
start_thrd -c "$CFG"
killed=$THRD_PID
kill -KILL "$killed"
wait "$killed" 2>/dev/null || true
expect_true "stale socket file left by SIGKILL" test -S "$SOCK"
ctl ping
expect_eq "ping on the stale socket" 3 "$CTL_RC"
start_thrd -c "$CFG"
third=$THRD_PID
expect_eq "the new thrd answers on the same path" "$third" "$(ping_pid)"
expect_eq "its jobs run" running "$(job_state a)"
expect_true "its jobs make runs" wait_until 5 runs_at_least a 2

log "-- SIGINT: exit 0 too"
signal_exit INT "SIGINT"

log "-- a regular file at the socket path is not replaced"
printf 'precious\n' >"$SOCK"
run_to_end "thrd on a regular file" -c "$CFG" -s "$SOCK"
expect_eq "thrd on a regular file: exit" 1 "$END_RC"
expect_contains "thrd on a regular file: names the path" "$SOCK" "$(cat "$TMPD/end.err")"
expect_eq "the file is untouched" precious "$(cat "$SOCK")"
rm -f "$SOCK"

log "-- SIGTERM with jobs paused, stopped and running: still exit 0 at once"
start_thrd -c "$CFG"
ctl_ok pause a
ctl_ok stop b
signal_exit TERM "SIGTERM with a paused and a stopped job"

finish
