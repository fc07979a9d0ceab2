#!/usr/bin/env bash
# thrd --log-format json: every line thrd writes is one JSON object, its log on stderr (time,
# level, message, and job and event on a job's lines: a control action, a failing run) and the
# jobs' output on stdout (time, job, stream, line), quotes and backslashes intact. With stderr
# on the journal (JOURNAL_STREAM naming it) each log line starts with its sd-daemon priority,
# in JSON and in text. An unknown format is a usage error.
. "$(dirname "$0")/lib.sh"
setup log_json

cat >"$CFG" <<'EOF'
{"jobs": [
  {"name": "tick", "task": "timestamp", "every": "200ms"},
  {"name": "bad", "task": "exec", "every": "300ms",
   "command": ["sh", "-c", "printf '%s\\n' 'say \"hi\" \\ back'; echo oops >&2; exit 3"]}]}
EOF

rc=0
"$THRD" --log-format xml -c "$CFG" >/dev/null 2>"$TMPD/usage.err" || rc=$?
expect_eq "--log-format xml: usage error" 2 "$rc"
expect_contains "--log-format xml: names the option" "--log-format" "$(cat "$TMPD/usage.err")"

log "-- json on plain files"
start_thrd -c "$CFG" --log-format json
wait_until 10 eval '(( $(job_field bad failures) >= 1 ))' || die "bad never failed"
ctl_ok pause tick
ctl pause nope
wait_until 10 grep -q '"job":"tick","stream":"output"' "$THRD_OUT" || fail "no output line of tick"
stop_rc=0
stop_thrd || stop_rc=$?
expect_eq "thrd stopped cleanly" 0 "$stop_rc"

py_checks "$THRD_ERR" "$THRD_OUT" <<'EOF'
import json, sys

def report(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)

def objects(path, prefix=""):
    out, bad = [], []
    for raw in open(path, encoding="utf-8", errors="strict").read().splitlines():
        text = raw[len(prefix):] if raw.startswith(prefix) else raw
        try:
            value = json.loads(text)
        except ValueError:
            bad.append(raw)
            continue
        (out if isinstance(value, dict) else bad).append(value if isinstance(value, dict) else raw)
    return out, bad

log, bad = objects(sys.argv[1])
report(log and not bad, f"stderr: {len(log)} lines, each a JSON object" + (f"; not: {bad[:3]}" if bad else ""))
report(all(set(o) >= {"time", "level", "message"} and o["time"].endswith("Z") for o in log),
       "stderr: each has time (UTC), level and message")
report(all(set(o) <= {"time", "level", "job", "event", "message"} for o in log), "stderr: no other keys")
def has(job, event, text, level="info"):
    found = [o for o in log if o.get("job") == job and o.get("event") == event
             and text in o["message"] and o["level"] == level]
    report(bool(found), f"stderr: {level} line of job {job}, event {event}: {text!r}")
has("tick", "configured", "job tick: ")
has("tick", "pause", "pause tick: running -> paused")
has("bad", "run_failed", "job bad: run failed", level="warning")
jobless = [o for o in log if "serving" in o["message"]]
report(jobless and "job" not in jobless[0], "stderr: a line about no job has no job key")
report(all(o["message"].startswith("job " + o["job"]) or o["job"] in o["message"]
           for o in log if "job" in o), "stderr: the job key names the job its message is about")

out, bad = objects(sys.argv[2])
report(out and not bad, f"stdout: {len(out)} lines, each a JSON object" + (f"; not: {bad[:3]}" if bad else ""))
report(all(list(o) == ["time", "job", "stream", "line"] for o in out), "stdout: time, job, stream, line")
report(all(o["stream"] == "output" for o in out), "stdout: stream is output")
lines = {(o["job"], o["line"]) for o in out}
report(("bad", 'say "hi" \\ back') in lines, "stdout: quotes and backslash come back intact")
report(("bad", "oops") in lines, "stdout: the run's stderr is a line of its own")
report(any(j == "tick" and l.isdigit() for j, l in lines), "stdout: tick's timestamps")
EOF

log "-- the journal gets priorities, in json and in text"
for format in json text; do
  n=${#THRD_PIDS[@]}
  : >"$TMPD/thrd$n.err"
  # What systemd sets when stderr is the journal; thrd compares it with its stderr's inode.
  export JOURNAL_STREAM
  JOURNAL_STREAM=$(stat -c '%d:%i' "$TMPD/thrd$n.err")
  start_thrd -c "$CFG" --log-format "$format"
  unset JOURNAL_STREAM
  wait_until 10 grep -q '^<4>' "$THRD_ERR" || fail "$format: no warning line (a failed run)"
  stop_thrd || fail "$format: thrd did not stop cleanly"
  py_checks "$THRD_ERR" "$format" <<'EOF'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
fmt = sys.argv[2]
bad = [l for l in lines if not re.match(r"<[0-7]>", l)]
print(("  ok    " if lines and not bad else "  FAIL  ") + f"{fmt}: every line has a priority prefix" + (f"; not: {bad[:3]}" if bad else ""))
prio = {"<6>": "info", "<4>": "warning", "<3>": "error", "<7>": "debug", "<2>": "critical"}
wrong = []
for l in lines:
    if fmt == "json":
        level = json.loads(l[3:])["level"]
    else:
        level = l[3:].split(" ", 1)[0]  # no timestamp: the journal has its own
    if prio.get(l[:3]) != level:
        wrong.append(l)
print(("  ok    " if not wrong else "  FAIL  ") + f"{fmt}: each prefix matches the level" + (f"; not: {wrong[:3]}" if wrong else ""))
EOF
done

finish
