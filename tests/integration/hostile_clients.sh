#!/usr/bin/env bash
# Hostile and broken clients (issue 8; docs/protocol.md "Limits"), each followed by thrctl
# ping and status answering within a second: invalid and meaningless JSON, 3 x 64 KiB of
# random bytes, a 10 MiB line (too_large; thrd's peak RSS under 200 MiB), a request one byte
# at a time, two requests in one write, 200 clients hanging up before their reply (a quarter
# with a reset; the slow stop one asked for still completes and is kept), 500 idle
# connections, max_connections (busy, thrctl exit 1), idle_timeout (a timeout line and a
# close; a longer wait is not cut), a logs -f follower that never reads (cut off after 10 s,
# nobody else blocked), and EMFILE on accept (refused with a message, no spinning, logged
# once). The raw-socket clients are hostile_clients.py. Needs prlimit (util-linux) for the
# EMFILE part.
. "$(dirname "$0")/lib.sh"
setup hostile_clients

CLIENTS=$THRD_SOURCE_DIR/tests/integration/hostile_clients.py
STATE=$TMPD/state/decisions.json
# hostile NAME ARGS...: runs one client of hostile_clients.py; its ok/FAIL lines are checks.
hostile() { py_checks "$SOCK" "$TIME_SCALE" "$@" <"$CLIENTS"; }

# responsive LABEL: thrctl ping and status each exit 0 within a (scaled) second.
responsive() {
  local limit args
  limit=$(scaled_ms 1)
  for args in ping status; do
    ctl "$args"
    if ((CTL_RC == 0 && CTL_MS < limit)); then
      pass "$1: thrctl $args answers in $CTL_MS ms"
    else
      fail "$1: thrctl $args exit $CTL_RC in $CTL_MS ms (limit $limit ms): $CTL_ERR"
    fi
  done
}
conn_threads() { thread_names "$THRD_PID" | grep -c '^thrd-conn$' || true; }
no_conn_threads() { (($(conn_threads) == 0)); }
# hold N: holds N served connections open in the background (HOLD_PID) until release.
hold() {
  rm -f "$TMPD/held"
  "$PY" "$CLIENTS" "$SOCK" "$TIME_SCALE" hold "$1" "$TMPD/held" >"$TMPD/hold.out" 2>&1 &
  HOLD_PID=$!
  bg_track "$HOLD_PID"
  wait_until 60 test -s "$TMPD/held" || die "could not hold $1 connections: $(cat "$TMPD/hold.out")"
}
release() {
  kill -TERM "$HOLD_PID" 2>/dev/null || true
  wait "$HOLD_PID" 2>/dev/null || true
  wait_until 10 no_conn_threads || fail "connection threads left after the holder ended: $(conn_threads)"
}

JOBS='{ "name": "tick", "task": "timestamp", "every": "200ms" },
  { "name": "slowstop", "task": "exec", "every": "1s",
    "command": "trap '"'"'sleep 1; exit 0'"'"' TERM; sleep 60 & wait" },
  { "name": "nofile", "task": "exec", "every": "1h", "command": "ulimit -Sn" },
  { "name": "chatty", "task": "exec", "every": "1s", "start": "stopped",
    "command": ["'"$PY"'", "-c", "import sys, time\nn = 0\nwhile True:\n    sys.stdout.write(\"%08d %s\\n\" % (n, \"x\" * 100))\n    n += 1\n    if n % 200 == 0:\n        sys.stdout.flush()\n        time.sleep(0.1)\n"] }'
write_config "$CFG" "{\"jobs\": [$JOBS]}"
# Started with a soft nofile of 1024 (systemd's), below the hard limit when that allows.
shell_soft=$(ulimit -Sn)
given_soft=$shell_soft
if [[ "$(ulimit -Hn)" == unlimited ]] || (($(ulimit -Hn) > 1024)); then given_soft=1024; fi
ulimit -Sn "$given_soft"
start_thrd -c "$CFG"
ulimit -Sn "$shell_soft"
wait_until 10 runs_at_least tick 1 || die "tick made no run"
has_run() { [[ "$(job_field "$1" pid)" =~ ^[0-9]+$ ]]; }
wait_until 10 has_run slowstop || die "slowstop never ran"

log "-- the open-files limit: thrd takes the hard limit, runs keep the one it was given"
wait_until 10 runs_at_least nofile 1 || die "nofile made no run"
read -r thrd_soft thrd_hard < <(awk '/^Max open files/ { print $4, $5 }' "/proc/$THRD_PID/limits")
expect_eq "thrd's soft nofile is its hard limit" "$thrd_hard" "$thrd_soft"
ctl_ok logs nofile
expect_eq "a run's soft nofile is the one thrd was started with" "$given_soft" "$CTL_OUT"

log "-- invalid and meaningless JSON"
hostile garbage
responsive "after garbage"

log "-- 3 x 64 KiB of random bytes"
hostile random
responsive "after random bytes"

log "-- a 10 MiB line"
hostile huge "$THRD_PID"
responsive "after a 10 MiB line"

log "-- a request one byte at a time; two requests in one write"
hostile byte
hostile pipeline
responsive "after byte-by-byte and pipelined requests"

log "-- 200 clients hang up before their reply"
slow_pid=$(job_field slowstop pid)
t0=$(now_ms)
hostile hangups 200
responsive "after 200 hang-ups"
expect_true "the slow stop asked for by a client that hung up still completes (its run ended)" \
  wait_until 10 not_alive "$slow_pid"
stop_ms=$(($(now_ms) - t0))
log "        slowstop's run ended $stop_ms ms after the clients began"
expect_true "  after its 1 s trap: the stop was not cut short" test "$stop_ms" -ge 900
expect_eq "  slowstop stopped, no run" "stopped null" "$(job_state slowstop) $(job_field slowstop pid)"
expect_eq "and its decision is kept" stopped "$(json_get 'd["decisions"].get("slowstop")' "$(cat "$STATE")")"
expect_true "every hung-up connection ended (no thrd-conn thread left)" wait_until 10 no_conn_threads
expect_true "thrd alive" alive "$THRD_PID"

log "-- 500 idle connections held open"
hold 500
log "        thrd has $(conn_threads) connection threads, $(fd_count "$THRD_PID") descriptors"
responsive "with 500 idle connections open"
release

log "-- max_connections 8"
write_config "$CFG" "{\"max_connections\": 8, \"jobs\": [$JOBS]}"
ctl_ok reload
# Root may take 8 places past the cap (kPrivilegedReserve); the test runs as root.
hold 16
ctl ping
expect_eq "the 17th connection: thrctl ping exits 1" 1 "$CTL_RC"
expect_eq "and prints thrd's refusal" "thrctl: too many connections (8, max_connections); try again later" "$CTL_ERR"
ctl --json status
expect_eq "thrctl --json status: exit 1" 1 "$CTL_RC"
expect_eq "--json: error code busy" busy "$(json_get 'd["error"]["code"]' "$CTL_OUT")"
release
responsive "once the 16 closed"
expect_eq "the refusals are logged once" 1 "$(grep -c 'refusing new ones until some close' "$THRD_ERR" || true)"
expect_true "and their end too" grep -q 'below max_connections again; 2 refused meanwhile' "$THRD_ERR"

log "-- idle_timeout 1s"
write_config "$CFG" "{\"idle_timeout\": \"1s\", \"jobs\": [$JOBS]}"
ctl_ok reload
hostile idle
ctl wait tick --state paused --for 3s
expect_eq "a 3s wait is not cut by the 1s idle timeout: it ends with its own timeout (exit 1)" 1 "$CTL_RC"
expect_contains "  its message" "not paused in time" "$CTL_ERR"
expect_true "  after 3s" test "$CTL_MS" -ge 2900
responsive "with idle_timeout 1s"
write_config "$CFG" "{\"jobs\": [$JOBS]}"
ctl_ok reload

log "-- a logs -f follower that never reads"
ctl_ok start chatty
t0=$(now_ms)
"$PY" "$CLIENTS" "$SOCK" "$TIME_SCALE" follower chatty "$TMPD/follower" >"$TMPD/follower.log" 2>&1 &
FOLLOWER_PID=$!
bg_track "$FOLLOWER_PID"
sleep_until $((t0 + 5000))
responsive "while the follower is stuck in a write"
expect_true "thrd cuts it off (logged at warn)" \
  wait_until 60 grep -q 'read nothing for 10s and its buffer is full; cut off' "$THRD_ERR"
log "        cut off $(($(now_ms) - t0)) ms after it sent its request"
wait_until 30 test -s "$TMPD/follower" || fail "the follower never saw its connection end"
expect_match "its connection was closed by thrd" '^cut [0-9]+$' "$(cat "$TMPD/follower" 2>/dev/null)"
wait "$FOLLOWER_PID" 2>/dev/null || true
responsive "after the follower was cut off"
ctl_ok stop chatty

log "-- EMFILE on accept"
if ! command -v prlimit >/dev/null; then
  log "  SKIP  EMFILE: prlimit is not installed (Debian: util-linux)"
else
  read -r soft hard < <(prlimit --pid "$THRD_PID" --nofile --output SOFT,HARD --noheadings)
  fds=$(fd_count "$THRD_PID")
  limit=$((fds + 24))
  prlimit --pid "$THRD_PID" --nofile="$limit:$hard" || die "prlimit failed"
  log "        thrd holds $fds descriptors; its soft nofile lowered from $soft to $limit"
  ticks() { awk '{ print $14 + $15 }' "/proc/$THRD_PID/stat"; }
  cpu0=$(ticks)
  hostile exhaust "$TMPD/exhaust"
  cpu1=$(ticks)
  read -r e0 e1 held refused <"$TMPD/exhaust"
  hz=$(getconf CLK_TCK)
  cpu_ms=$(((cpu1 - cpu0) * 1000 / hz))
  wall_ms=$(awk -v a="$e0" -v b="$e1" 'BEGIN { printf "%d", (b - a) * 1000 }')
  log "        held $held, refused $refused; thrd used $cpu_ms ms of CPU in $wall_ms ms out of descriptors"
  expect_true "thrd did not spin while out of descriptors (CPU < 50% of the time)" \
    test "$cpu_ms" -lt $((wall_ms / 2))
  expect_true "thrd answers again once the connections closed" wait_until 10 thrd_ready "$THRD_PID" "$SOCK"
  responsive "after EMFILE"
  expect_eq "the episode is logged once" 1 \
    "$(grep -c 'refusing new connections with "thrd is out of file descriptors" until some close' "$THRD_ERR" || true)"
  expect_true "and its end, with the count of refusals" \
    grep -q "accept: works again; $((refused + 1)) connection(s) refused meanwhile" "$THRD_ERR"
  prlimit --pid "$THRD_PID" --nofile="$soft:$hard" || fail "could not restore thrd's nofile"
fi

expect_true "thrd alive at the end" alive "$THRD_PID"
expect_eq "tick still running" running "$(job_state tick)"
finish
