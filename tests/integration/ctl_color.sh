#!/usr/bin/env bash
# thrctl status and show for people: colour for states appears only on a terminal (a pty here,
# through python3's pty module), never when piped and never with NO_COLOR set to any
# non-empty value; `show` names each unknown job and exits 1; --json carries no colour.
. "$(dirname "$0")/lib.sh"
setup ctl_color

write_config "$CFG" '{
  "jobs": [
    { "name": "tick", "task": "timestamp", "every": "1s" },
    { "name": "idle", "task": "exec", "command": ["true"], "every": "1h", "start": "paused" }
  ]
}'
start_thrd -c "$CFG"
# Two runs, so that `show -n 2` below has two lines to show.
wait_until 10 runs_at_least tick 2 || die "tick did not run twice within $(scaled 10)s"

# on_pty OUT ARGS...: runs thrctl -s $SOCK ARGS with its stdout on a pty (stderr and stdin
# not), writes what the pty showed to OUT and returns thrctl's exit status. NO_COLOR passes
# through from the environment.
on_pty() {
  local out=$1
  shift
  "$PY" - "$out" "$THRCTL" -s "$SOCK" "$@" <<'PYEOF'
import errno, os, subprocess, sys
out, argv = sys.argv[1], sys.argv[2:]
master, slave = os.openpty()
proc = subprocess.Popen(argv, stdout=slave, stdin=subprocess.DEVNULL)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError as e:  # EIO: every writer has closed the pty
        if e.errno != errno.EIO:
            raise
        break
    if not chunk:
        break
    data += chunk
rc = proc.wait()
with open(out, "wb") as f:
    f.write(data)
sys.exit(rc)
PYEOF
}
ESC=$'\e['
has_escape() { grep -qF "$ESC" "$1"; }
no_escape() { ! has_escape "$1"; }

# status on a pty: coloured states, and the table is there.
rc=0
on_pty "$TMPD/pty.out" status || rc=$?
expect_eq "status on a pty exits" 0 "$rc"
expect_true "status on a pty has escape sequences" has_escape "$TMPD/pty.out"
expect_true "running is green on a pty" grep -qF "${ESC}32mrunning${ESC}0m" "$TMPD/pty.out"
expect_true "paused is yellow on a pty" grep -qF "${ESC}33mpaused${ESC}0m" "$TMPD/pty.out"
expect_true "the header is on the pty" grep -q '^NAME  *TASK  *STATE  *RUNS  *FAILED  *MISSED  *LAST  *NEXT  *ERROR' "$TMPD/pty.out"

# status piped: plain.
ctl_ok status
printf '%s\n' "$CTL_OUT" >"$TMPD/pipe.out"
expect_true "status piped has no escape sequences" no_escape "$TMPD/pipe.out"
expect_match "status piped lists tick running" $'(^|\n)tick +timestamp +running ' "$CTL_OUT"
expect_match "status piped lists idle paused" $'(^|\n)idle +exec +paused ' "$CTL_OUT"

# NO_COLOR: any non-empty value turns colour off, even on a pty; an empty one does not.
for value in 1 0 yes; do
  rc=0
  NO_COLOR=$value on_pty "$TMPD/nocolor.out" status || rc=$?
  expect_eq "status with NO_COLOR=$value exits" 0 "$rc"
  expect_true "status on a pty with NO_COLOR=$value has no escape sequences" \
    no_escape "$TMPD/nocolor.out"
  expect_true "status on a pty with NO_COLOR=$value still lists tick" \
    grep -q '^tick  *timestamp  *running' "$TMPD/nocolor.out"
done
rc=0
NO_COLOR='' on_pty "$TMPD/empty.out" status || rc=$?
expect_true "status on a pty with an empty NO_COLOR is coloured" has_escape "$TMPD/empty.out"

# --json on a pty: the reply object, no colour.
rc=0
on_pty "$TMPD/json.out" --json status || rc=$?
expect_true "--json status on a pty has no escape sequences" no_escape "$TMPD/json.out"
expect_true "--json status on a pty is one JSON object" is_json_object "$(cat "$TMPD/json.out")"

# show: coloured state on a pty, plain when piped, with settings, schedule and output lines.
rc=0
on_pty "$TMPD/show.out" show tick || rc=$?
expect_eq "show on a pty exits" 0 "$rc"
expect_true "show on a pty colours the state" grep -qF "tick: ${ESC}32mrunning${ESC}0m" "$TMPD/show.out"
ctl_ok show tick -n 2
printf '%s\n' "$CTL_OUT" >"$TMPD/show-pipe.out"
expect_true "show piped has no escape sequences" no_escape "$TMPD/show-pipe.out"
expect_match "show piped starts with the job and its state" $'^tick: running\n' "$CTL_OUT"
expect_match "show names the task and period" $'\n  task +timestamp\n  every +1s\n' "$CTL_OUT"
expect_match "show gives the next run" $'\n  next run +20[0-9-]+T[0-9:.]+Z \\(in ' "$CTL_OUT"
expect_match "show gives the thread id" $'\n  thread id +[0-9]+\n' "$CTL_OUT"
expect_match "show -n 2 gives two output lines" $'\n  log \\(last 2 lines\\):\n    [0-9]+\n    [0-9]+$' "$CTL_OUT"

# show with an unknown name: the known one is shown, the unknown one named on stderr, exit 1.
ctl show tick nope
expect_eq "show tick nope exits" 1 "$CTL_RC"
expect_match "show tick nope still shows tick" $'^tick: running\n' "$CTL_OUT"
expect_contains "show tick nope names nope on stderr" "no job named 'nope'" "$CTL_ERR"
ctl show
expect_eq "show without a job name is a usage error" 2 "$CTL_RC"
ctl --json show idle
expect_eq "--json show idle exits" 0 "$CTL_RC"
expect_eq "--json show idle: settings.start" paused "$(json_get "d['jobs'][0]['settings']['start']" "$CTL_OUT")"
expect_eq "--json show idle: settings.command" '["true"]' "$(json_get "d['jobs'][0]['settings']['command']" "$CTL_OUT")"

finish
