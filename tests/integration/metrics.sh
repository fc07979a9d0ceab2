#!/usr/bin/env bash
# Metrics: after a few runs of an ok job and a failing one, /metrics (metrics_listen) and
# `thrctl metrics` both pass `promtool check metrics`, their run counters equal what `status`
# says (read once the jobs are paused, so nothing moves), the state gauge says paused, and
# metrics_file is written too. A reload that removes a job removes its series. A second thrd
# whose metrics_listen port is taken starts anyway and says why /metrics is not served.
. "$(dirname "$0")/lib.sh"
setup metrics

PROMTOOL=$(command -v promtool || true)
[[ -n "$PROMTOOL" ]] || skip_test "promtool not installed (Debian: apt-get install prometheus)"

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# http_get URL: the body, or failure.
http_get() {
  "$PY" -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$1"
}
PORT=$(free_port)
mkdir "$TMPD/prom"
PROM_FILE=$TMPD/prom/thrd.prom
config() {  # config JOBS_JSON
  write_config "$CFG" "{
  \"metrics_listen\": \"127.0.0.1:$PORT\",
  \"metrics_file\": \"$PROM_FILE\",
  \"metrics_every\": \"1s\",
  \"jobs\": [$1]}"
}
JOBS='{ "name": "good", "task": "exec", "every": "200ms", "command": "true" },
  { "name": "bad", "task": "exec", "every": "300ms", "command": "exit 3" }'
config "$JOBS"', { "name": "tick", "task": "timestamp", "every": "100ms" }'
start_thrd -c "$CFG"

wait_until 20 runs_at_least good 3 || die "good never ran 3 times"
wait_until 20 runs_at_least bad 3 || die "bad never ran 3 times"
ctl_ok pause good bad
# A run in progress at the pause still ends (and counts): wait until neither has one.
no_run() { [[ "$(job_field "$1" pid)" == null ]]; }
wait_until 10 no_run good || die "good's run did not end"
wait_until 10 no_run bad || die "bad's run did not end"
ctl_ok --json status good bad
STATUS=$CTL_OUT

http_get "http://127.0.0.1:$PORT/metrics" >"$TMPD/http.txt" || die "GET /metrics failed"
ctl_ok metrics
printf '%s\n' "$CTL_OUT" >"$TMPD/ctl.txt"
for src in http ctl; do
  if "$PROMTOOL" check metrics <"$TMPD/$src.txt" >"$TMPD/$src.promtool" 2>&1; then
    pass "$src: promtool check metrics is happy"
  else
    fail "$src: promtool check metrics: $(head -n 5 "$TMPD/$src.promtool")"
  fi
done

# The counters against status, in both outputs; the state gauges; the requests.
py_checks "$TMPD/http.txt" "$TMPD/ctl.txt" "$STATUS" <<'PYEOF'
import json, re, sys
def report(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
def samples(path):
    out = {}
    for line in open(path):
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$', line.strip())
        if m:
            out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out
status = {j["name"]: j for j in json.loads(sys.argv[3])["jobs"]}
for path in sys.argv[1:3]:
    s = samples(path)
    src = path.rsplit("/", 1)[1]
    for name in ("good", "bad"):
        j = status[name]
        ok = s.get('thrd_runs_total{job="%s",result="ok"}' % name)
        failed = s.get('thrd_runs_total{job="%s",result="failed"}' % name)
        report(ok == j["runs"] - j["failures"] and failed == j["failures"],
               "%s: %s runs ok=%s failed=%s, status runs=%d failures=%d" %
               (src, name, ok, failed, j["runs"], j["failures"]))
        report(s.get('thrd_job_state{job="%s",state="paused"}' % name) == 1 and
               s.get('thrd_job_state{job="%s",state="running"}' % name) == 0,
               "%s: %s's state gauge says paused" % (src, name))
        report(s.get('thrd_missed_slots_total{job="%s"}' % name) == j["missed"],
               "%s: %s missed slots = status missed (%d)" % (src, name, j["missed"]))
        count = s.get('thrd_run_duration_seconds_count{job="%s"}' % name)
        report(count == j["runs"], "%s: %s duration histogram counts every run (%s)" % (src, name, count))
        inf = s.get('thrd_run_duration_seconds_bucket{job="%s",le="+Inf"}' % name)
        report(inf == count, "%s: %s +Inf bucket = count" % (src, name))
        late = s.get('thrd_run_lateness_seconds_count{job="%s"}' % name)
        report(late == j["runs"], "%s: %s lateness histogram counts every scheduled run (%s)" % (src, name, late))
    report(status["bad"]["failures"] >= 3 and status["good"]["failures"] == 0,
           "%s: bad failed %d times, good never" % (src, status["bad"]["failures"]))
    report(s.get('thrd_jobs{state="paused"}') == 2 and s.get('thrd_jobs{state="running"}') == 1,
           "%s: thrd_jobs: 2 paused, 1 running" % src)
    report(s.get('thrd_requests_total{command="pause",code="ok"}') == 1,
           "%s: the pause request is counted" % src)
    report(any(k.startswith('thrd_build_info{version="') and v == 1 for k, v in s.items()),
           "%s: thrd_build_info" % src)
    report("thrd_connections" in s, "%s: thrd_connections" % src)
PYEOF

log "-- metrics_file: rewritten every second, valid too"
file_has_runs() {
  grep -qxF "thrd_runs_total{job=\"bad\",result=\"failed\"} $(json_get "d['jobs'][1]['failures']" "$STATUS")" "$PROM_FILE"
}
expect_true "the file shows the paused counters within a few seconds" wait_until 10 file_has_runs
if "$PROMTOOL" check metrics <"$PROM_FILE" >"$TMPD/file.promtool" 2>&1; then
  pass "file: promtool check metrics is happy"
else
  fail "file: promtool check metrics: $(head -n 5 "$TMPD/file.promtool")"
fi
expect_eq "no temp file left beside it" "thrd.prom" "$(ls "$TMPD/prom")"

log "-- --json metrics: the reply object with the text"
ctl_ok --json metrics
expect_true "one JSON object" is_json_object "$CTL_OUT"
expect_contains "its text holds the series" 'thrd_job_state{job=\"tick\",state=\"running\"} 1' "$CTL_OUT"

log "-- a reload that removes a job removes its series"
config "$JOBS"
ctl_ok reload
ctl_ok metrics
if grep -q 'job="tick"' <<<"$CTL_OUT"; then fail "tick's series are still there"; else pass "tick is gone"; fi
expect_contains "good is still there" 'thrd_job_state{job="good",state="paused"} 1' "$CTL_OUT"
http_get "http://127.0.0.1:$PORT/metrics" >"$TMPD/http2.txt" || fail "GET /metrics after the reload failed"
if grep -q 'job="tick"' "$TMPD/http2.txt"; then fail "/metrics still has tick"; else pass "/metrics: tick is gone"; fi

log "-- a second thrd whose port is taken starts anyway"
FIRST_PID=$THRD_PID
write_config "$TMPD/two.json" "{\"metrics_listen\": \"127.0.0.1:$PORT\",
  \"jobs\": [{ \"name\": \"t\", \"task\": \"timestamp\", \"every\": \"1s\" }]}"
start_thrd -c "$TMPD/two.json" -s "$TMPD/two.sock" --state-dir "$TMPD/state2"
expect_true "it logs why /metrics is not served" \
  grep -q "metrics_listen 127.0.0.1:$PORT: cannot listen" "$THRD_ERR"
ctl_at "$TMPD/two.sock" metrics
expect_eq "thrctl metrics works there all the same" 0 "$CTL_RC"
stop_thrd "$THRD_PID" || fail "the second thrd did not exit 0"

rm -f "$PROM_FILE"
stop_thrd "$FIRST_PID" || fail "thrd did not exit 0"
expect_true "the file is written at shutdown (or just before)" grep -q '^thrd_runs_total{job="good"' "$PROM_FILE"
finish
