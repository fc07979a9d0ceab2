#!/usr/bin/env bash
# Server push: one client runs `thrctl events`, another pauses then resumes a job: both events
# arrive, in order, within a second; `--json events` prints one object per line with rising
# seq; `thrctl logs -f` shows new lines as they come; both streams end (exit 0) when thrd
# stops.
. "$(dirname "$0")/lib.sh"
setup events_follow

write_config "$CFG" '{"jobs": [
  { "name": "a", "task": "timestamp", "every": "200ms" },
  { "name": "b", "task": "exec", "every": "300ms", "command": "exit 3" }]}'
start_thrd -c "$CFG"

followers() { grep -c 'events: a client follows' "$THRD_ERR" || true; }
# follow_start OUT ARGS...: starts `thrctl ARGS` in the background writing to OUT.
follow_start() {
  local out=$1
  shift
  "$THRCTL" -s "$SOCK" "$@" >"$out" 2>"$out.err" &
  FOLLOW_PID=$!
  bg_track "$FOLLOW_PID"
}

follow_start "$TMPD/ev.txt" events
EV_PID=$FOLLOW_PID
wait_until 10 eval '(( $(followers) >= 1 ))' || die "the events client never subscribed"
follow_start "$TMPD/evj.txt" --json events a
EVJ_PID=$FOLLOW_PID
wait_until 10 eval '(( $(followers) >= 2 ))' || die "the --json events client never subscribed"
follow_start "$TMPD/lf.txt" logs -f a -n 1
LF_PID=$FOLLOW_PID

log "-- pause then resume, seen by the events clients"
ctl_ok pause a
ctl_ok resume a
t0=$(now_ms)
both() { grep -q '  a  running -> paused' "$TMPD/ev.txt" && grep -q '  a  paused -> running' "$TMPD/ev.txt"; }
if wait_until 1 both; then
  pass "both state events arrived within $(scaled 1)s ($(($(now_ms) - t0)) ms after the resume)"
else
  fail "state events missing after $(scaled 1)s: $(grep -c . "$TMPD/ev.txt") lines"
fi
order=$(grep -E '  a  (running -> paused|paused -> running)' "$TMPD/ev.txt" | sed 's/.*  a  //')
expect_eq "in order" $'running -> paused\npaused -> running' "$order"
expect_true "run ends are streamed too (b fails)" wait_until 5 grep -q '  b  run failed in .*: exit status 3' "$TMPD/ev.txt"

wait_until 5 grep -q '"to":"running"' "$TMPD/evj.txt" || fail "--json events: no resume event"
# a runs every 200 ms: wait for one of its run ends too, so that the run checks below have one.
wait_until 10 grep -q '"type":"run"' "$TMPD/evj.txt" || fail "--json events: no run event of a"
py_checks "$TMPD/evj.txt" <<'PYEOF'
import json, sys
def report(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
objs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
report(len(objs) >= 2, "--json events: %d objects, one per line" % len(objs))
report(all(o.get("job") == "a" for o in objs), "--json events a: only job a")
seqs = [o["seq"] for o in objs]
report(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "seq rises: %s" % seqs[:8])
states = [(o["from"], o["to"]) for o in objs if o["type"] == "state"]
report(states == [("running", "paused"), ("paused", "running")], "state events: %s" % states)
runs = [o for o in objs if o["type"] == "run"]
report(all(o["ok"] is True and o["error"] is None and isinstance(o["duration_ms"], int) for o in runs),
       "run events of a: ok, error null, duration_ms an integer (%d)" % len(runs))
lates = [o["lateness_us"] for o in runs]
report(len(runs) > 0 and all(isinstance(x, int) and x >= 0 for x in lates),
       "run events of a: lateness_us a count of microseconds at or after the slot: %s" % lates[:8])
report(all(o["exit_status"] is None and o["started"] <= o["time"] for o in runs),
       "run events of a: a timestamp run has no exit status; started <= time")
PYEOF

log "-- logs -f shows new lines as they come"
n0=$(grep -c . "$TMPD/lf.txt" || true)
if wait_until 5 eval '(( $(grep -c . "$TMPD/lf.txt" || true) >= n0 + 3 ))'; then
  pass "logs -f: new lines keep coming ($n0, then $(grep -c . "$TMPD/lf.txt"))"
else
  fail "logs -f: no new lines ($n0 lines)"
fi
expect_true "logs -f prints only timestamps" eval '! grep -vqE "^[0-9]+$" "$TMPD/lf.txt"'

log "-- every stream ends when thrd stops"
stop_thrd || fail "thrd did not exit 0"
for pid in "$EV_PID" "$EVJ_PID" "$LF_PID"; do
  if wait_until 5 not_alive "$pid"; then
    rc=0
    wait "$pid" || rc=$?
    expect_eq "stream $pid ended with thrd: exit status" 0 "$rc"
  else
    fail "stream $pid still running after thrd stopped"
  fi
done
expect_contains "the reason is given" "thrd is shutting down" "$(cat "$TMPD/lf.txt.err")"
finish
