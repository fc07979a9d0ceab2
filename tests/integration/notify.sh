#!/usr/bin/env bash
# The service manager's protocol, with this test as the manager: a datagram socket of ours as
# NOTIFY_SOCKET receives READY=1 when `thrctl ping` already works, RELOADING=1 (with
# MONOTONIC_USEC) then READY=1 around a reload, STATUS= with the job counts, WATCHDOG=1 at
# half of WATCHDOG_USEC, and STOPPING=1 on SIGTERM. Jobs do not inherit NOTIFY_SOCKET.
. "$(dirname "$0")/lib.sh"
setup notify

NOTIFY=$TMPD/notify.sock
NLOG=$TMPD/notify.log
# One line per datagram, "<monotonic ms> <message with newlines as |>"; at the first READY=1
# it runs thrctl ping at once and logs "PING <exit status>".
"$PY" - "$NOTIFY" "$NLOG" "$THRCTL" "$SOCK" <<'PYEOF' &
import os, signal, socket, subprocess, sys, time
path, log, thrctl, sock = sys.argv[1:]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
pinged = False
with open(log, "a", buffering=1) as out:
    out.write("LISTENING\n")
    while True:
        msg = s.recv(65536).decode(errors="replace")
        out.write("%d %s\n" % (time.monotonic() * 1000, msg.replace("\n", "|")))
        if "READY=1" in msg.split("\n") and not pinged:
            pinged = True
            rc = subprocess.run([thrctl, "-s", sock, "--timeout", "2s", "ping"],
                                capture_output=True).returncode
            out.write("PING %d\n" % rc)
PYEOF
bg_track $!
wait_until 10 grep -q LISTENING "$NLOG" 2>/dev/null || die "the notify listener did not start"

write_config "$CFG" '{"jobs": [
  { "name": "tick", "task": "timestamp", "every": "100ms" },
  { "name": "envjob", "task": "exec", "every": "100ms",
    "command": "echo notify=${NOTIFY_SOCKET:-unset} watchdog=${WATCHDOG_USEC:-unset}" }]}'
export NOTIFY_SOCKET=$NOTIFY WATCHDOG_USEC=400000
start_thrd -c "$CFG"
unset NOTIFY_SOCKET WATCHDOG_USEC

if wait_until 10 grep -q '^PING' "$NLOG"; then
  expect_eq "thrctl ping at the moment READY=1 arrived" "PING 0" "$(grep '^PING' "$NLOG")"
else
  fail "no READY=1 received"
fi
expect_match "READY=1 carries STATUS= with the counts" 'READY=1\|STATUS=2 jobs: 2 running' "$(cat "$NLOG")"

log "-- watchdog at half of WATCHDOG_USEC (400 ms)"
count_watchdogs() { grep -c 'WATCHDOG=1' "$NLOG" || true; }
w0=$(count_watchdogs)
if wait_until 5 eval '(( $(count_watchdogs) >= w0 + 5 ))'; then
  pass "WATCHDOG=1 keeps coming ($(count_watchdogs) so far)"
else
  fail "WATCHDOG=1: only $(($(count_watchdogs) - w0)) in $(scaled 5)s"
fi

log "-- STATUS= follows a command"
ctl_ok pause tick
if wait_until 5 grep -q 'STATUS=2 jobs: 1 running, 1 paused' "$NLOG"; then
  pass "STATUS= after pause"
else
  fail "no STATUS= with the pause"
fi

log "-- reload: RELOADING=1 with MONOTONIC_USEC, then READY=1"
ctl_ok reload
py_checks "$NLOG" <<'PYEOF'
import sys, time
lines = open(sys.argv[1]).read().splitlines()
reloading = [i for i, l in enumerate(lines) if "RELOADING=1" in l.split(" ", 1)[-1].split("|")]
def report(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
report(len(reloading) == 1, "one RELOADING=1 (%d)" % len(reloading))
if reloading:
    i = reloading[0]
    fields = dict(f.split("=", 1) for f in lines[i].split(" ", 1)[1].split("|") if "=" in f)
    usec = int(fields.get("MONOTONIC_USEC", "0"))
    report(abs(usec / 1000 - time.monotonic() * 1000) < 60000,
           "MONOTONIC_USEC is CLOCK_MONOTONIC now (%d)" % usec)
    ready_after = [l for l in lines[i + 1:] if "READY=1" in l.split(" ", 1)[-1].split("|")]
    report(len(ready_after) == 1, "READY=1 after RELOADING=1")
PYEOF

log "-- jobs do not inherit NOTIFY_SOCKET or WATCHDOG_USEC"
wait_until 10 runs_at_least envjob 1 || fail "envjob never ran"
ctl_ok logs envjob -n 1
expect_eq "the job's environment" "notify=unset watchdog=unset" "$CTL_OUT"

log "-- STOPPING=1 on SIGTERM"
stop_thrd || fail "thrd did not exit 0"
expect_true "STOPPING=1 received" grep -q 'STOPPING=1' "$NLOG"
finish
