#!/usr/bin/env bash
# thrctl status --watch in a real terminal (tmux, send-keys and capture-pane): the table shows
# the jobs, redraws when a job is paused from another shell (the jobs run once an hour and the
# interval is an hour, so only the event can redraw it), q and Ctrl-C end it with exit 0 and
# give the terminal back (main screen, canonical mode and echo), names filter the table, and
# thrd going away ends it with exit 3 and a message. Without a terminal it refuses (exit 2).
# Needs tmux (Debian: tmux); skips without it.
. "$(dirname "$0")/lib.sh"
setup status_watch
command -v tmux >/dev/null || skip_test "tmux is not installed (Debian: apt-get install tmux)"

write_config "$CFG" '{"jobs": [
  { "name": "a", "task": "timestamp", "every": "1h" },
  { "name": "b", "task": "timestamp", "every": "1h" }]}'
start_thrd -c "$CFG"

log "-- usage errors, no terminal needed"
ctl status --watch
expect_eq "stdout not a terminal: exit 2" 2 "$CTL_RC"
expect_contains "stdout not a terminal: says so" "needs a terminal" "$CTL_ERR"
ctl status --interval 1s
expect_eq "--interval without --watch: exit 2" 2 "$CTL_RC"
ctl status --watch --interval 10ms
expect_eq "--interval under 100ms: exit 2" 2 "$CTL_RC"

# The tmux server lives on a socket in the temp dir and is killed in cleanup (bg_track).
cat >"$TMPD/tmux.conf" <<'EOF'
set -g remain-on-exit on
EOF
tm() { tmux -S "$TMPD/tmux.sock" -f "$TMPD/tmux.conf" "$@"; }
# What each pane runs: the watch, then its exit status and the terminal's modes, on the main
# screen that the watch must have gone back to.
{
  printf '%q -s %q status --watch --interval 1h "$@"\n' "$THRCTL" "$SOCK"
  echo 'echo "watch exit=$?"'
  echo "stty -a | tr ' ;' '\n\n' | grep -xE -- '-?(icanon|echo)' | paste -sd' ' | sed 's/^/modes: /'"
} >"$TMPD/pane.sh"

# The pane's screen and its history: tmux's "Pane is dead" line may scroll the first line off.
pane() { tm capture-pane -p -S - -t "$1"; }
pane_has() { pane "$1" | grep -qE -- "$2"; }
pane_dead() { [[ "$(tm display-message -p -t "$1" '#{pane_dead}')" == 1 ]]; }
# start_watch NAME ARGS...: a 120 x 30 window running the watch of ARGS.
start_watch() {
  local name=$1
  shift
  tm new-session -d -s "$name" -x 120 -y 30 "bash $TMPD/pane.sh $*"
  if ((${#BG_PIDS[@]} == 0)); then bg_track "$(tm display-message -p '#{pid}')"; fi
}
# check_restored NAME CODE: the watch ended with CODE and left the terminal as it found it.
check_restored() {
  wait_until 10 pane_dead "$1" || fail "$1: the pane's script did not end"
  local screen
  screen=$(pane "$1")
  expect_contains "$1: exit status" "watch exit=$2" "$screen"
  expect_contains "$1: canonical mode and echo back" "modes: icanon echo" "$screen"
  if [[ "$screen" == *"q to quit"* || "$screen" == *timestamp* ]]; then
    fail "$1: the table is on the main screen (alternate screen not left): $screen"
  else
    pass "$1: the main screen is back, without the table"
  fi
}

log "-- redraw on an event, then q"
start_watch w1
wait_until 20 pane_has w1 '^a +timestamp +running' || die "w1 never showed a running: $(pane w1)"
wait_until 5 pane_has w1 '^b +timestamp +running' || fail "w1 does not show b running"
expect_true "header says how to quit" pane_has w1 'q to quit'
ctl_ok pause a
t0=$(now_ms)
if wait_until 10 pane_has w1 '^a +timestamp +paused'; then
  pass "redrawn $(($(now_ms) - t0)) ms after the pause from another shell"
else
  fail "the pause never showed: $(pane w1)"
fi
expect_true "b still running on the same screen" pane_has w1 '^b +timestamp +running'
tm send-keys -t w1 q
check_restored w1 0

log "-- one job named, then Ctrl-C"
start_watch w2 b
wait_until 20 pane_has w2 '^b +timestamp +running' || die "w2 never showed b: $(pane w2)"
if pane_has w2 '^a +timestamp'; then fail "w2 shows a, not named"; else pass "w2 shows b only"; fi
tm send-keys -t w2 C-c
check_restored w2 0

log "-- thrd goes away"
start_watch w3
wait_until 20 pane_has w3 '^a +timestamp +paused' || die "w3 never showed a: $(pane w3)"
stop_rc=0
stop_thrd || stop_rc=$?
expect_eq "thrd stopped cleanly" 0 "$stop_rc"
check_restored w3 3
# The stream's last line says so; if a redraw asked first, the closed connection is the news.
expect_true "w3 says why it ended" pane_has w3 'thrctl: (thrd is shutting down|.*closed the connection)'

finish
