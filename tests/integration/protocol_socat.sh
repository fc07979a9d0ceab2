#!/usr/bin/env bash
# The control protocol as docs/protocol.md shows it, spoken by socat and by Python instead of
# thrctl: newline-delimited JSON, one reply per request in order on one connection, the
# documented reply members, error replies that leave the connection usable (invalid JSON,
# unknown command, bad members), and the oversized request that gets too_large and a close.
. "$(dirname "$0")/lib.sh"
setup protocol_socat

if ! command -v socat >/dev/null; then
  skip_test "socat is not installed (Debian: apt-get install socat)"
fi

# As the doc's examples: thrd on its embedded default (one job `tick`, every 1s).
start_thrd
wait_until 10 runs_at_least tick 1 || die "tick made no run"

# socat_session IN OUT: one connection carrying every line of IN; replies into OUT.
socat_session() {
  timeout "$(scaled 30)" socat -t "$(scaled 30)" - "UNIX-CONNECT:$SOCK" <"$1" >"$2"
}

log "-- the doc's transcript on one connection (socat)"
# Each request below is a line of docs/protocol.md's socat example, then some more error
# cases; blank lines must get no reply, and a CRLF line is a line.
{
  printf '%s\n' '{"cmd":"ping"}'
  printf '%s\n' '{"cmd":"status"}'
  printf '%s\n' '{"cmd":"pause","jobs":["tick"],"id":7}'
  printf '%s\n' '{"cmd":"pause","jobs":["tick","nope"]}'
  printf '%s\n' '{"cmd":"logs","job":"tick","lines":2}'
  printf '%s\n' '{"cmd":"stop","jobs":["tick"]}'
  printf '%s\n' '{"cmd":"resume","jobs":["tick"]}'
  printf '%s\n' 'hello'
  printf '%s\n' '{"cmd":"frobnicate"}'
  printf '\n'
  printf '%s\n' '[1,2]'
  printf '%s\n' '{"cmd":5}'
  printf '%s\n' '{"nocmd":true}'
  printf '%s\n' '{"cmd":"pause"}'
  printf '%s\n' '{"cmd":"pause","jobs":["tick"],"all":true}'
  printf '%s\n' '{"cmd":"status","jobs":"tick"}'
  printf '%s\n' '{"cmd":"logs"}'
  printf '%s\n' '{"cmd":"frobnicate","id":9}'
  printf '%s\r\n' '{"cmd":"ping","id":"crlf"}'
  printf '%s\n' '{"cmd":"start","jobs":["tick"],"id":[1,2]}'
  printf '%s\n' '{"cmd":"status","jobs":["tick"]}'
  printf '%s\n' '{"cmd":"ping","id":"last"}'
} >"$TMPD/session.in"
t0=$(now_ms)
socat_session "$TMPD/session.in" "$TMPD/session.out" || fail "socat session failed (exit $?)"
log "        (session took $(($(now_ms) - t0)) ms)"

py_checks "$TMPD/session.out" "$THRD_PID" <<'EOF'
import json, re, sys, time

lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
thrd_pid = int(sys.argv[2])
if lines and lines[-1] == "":
    lines.pop()
replies = []
for i, line in enumerate(lines):
    try:
        replies.append(json.loads(line))
    except ValueError as e:
        print(f"  FAIL  reply line {i + 1} is not JSON: {line!r} ({e})")
        replies.append({})
failures = 0

def check(what, cond, detail=""):
    global failures
    if cond:
        print(f"  ok    {what}")
    else:
        failures += 1
        print(f"  FAIL  {what} {detail}")

EXPECTED = 21  # requests that get a reply (the blank line gets none)
check(f"{EXPECTED} replies, one per request", len(replies) == EXPECTED, f"got {len(replies)}: {lines}")
replies += [{}] * (EXPECTED - len(replies))
bad = [i + 1 for i, r in enumerate(replies) if not (isinstance(r, dict) and isinstance(r.get("ok"), bool))]
check("every reply is an object with a boolean ok", not bad, f"replies {bad} are not")

def is_error(r, code, needle=None):
    e = r.get("error")
    ok = r.get("ok") is False and isinstance(e, dict) and e.get("code") == code and isinstance(e.get("message"), str)
    if ok and needle is not None:
        ok = needle in e["message"]
    return ok

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
(ping, status, pause7, pause_nope, logs, stop, resume, hello, frob, arr, cmd5, nocmd, pause_none,
 pause_both, status_str, logs_nojob, frob9, ping_crlf, start, status2, ping_last) = replies[:EXPECTED]

check("ping: ok, version, pid", ping.get("ok") is True and isinstance(ping.get("version"), str)
      and ping.get("pid") == thrd_pid, repr(ping))

jobs = status.get("jobs")
check("status: ok with a jobs array of one", status.get("ok") is True and isinstance(jobs, list) and len(jobs) == 1, repr(status))
job = jobs[0] if isinstance(jobs, list) and jobs else {}
for field in ("name", "task", "state", "every", "runs", "failures", "missed", "last_run", "next_run", "pid",
              "thread_id", "last_error"):
    check(f"status: job has field {field}", field in job, repr(job))
check("status: name tick, task timestamp, state running, every 1s",
      (job.get("name"), job.get("task"), job.get("state"), job.get("every")) == ("tick", "timestamp", "running", "1s"),
      repr(job))
check("status: runs, failures, missed are integers",
      all(isinstance(job.get(k), int) and not isinstance(job.get(k), bool) for k in ("runs", "failures", "missed")))
check("status: runs >= 1", isinstance(job.get("runs"), int) and job["runs"] >= 1, repr(job))
check("status: last_run and next_run are ISO 8601 UTC with ms",
      all(isinstance(job.get(k), str) and ISO.match(job[k]) for k in ("last_run", "next_run")), repr(job))
check("status: pid null (timestamp job), thread_id an integer",
      job.get("pid") is None and isinstance(job.get("thread_id"), int), repr(job))
if isinstance(job.get("last_run"), str) and ISO.match(job["last_run"]):
    t = time.mktime(time.strptime(job["last_run"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    check("status: last_run is recent (UTC)", abs(time.time() - t) < 120, f"{job['last_run']} vs now {time.time()}")

check("pause with id 7: id echoed, tick paused, changed",
      pause7.get("ok") is True and pause7.get("id") == 7
      and pause7.get("jobs") == [{"changed": True, "name": "tick", "ok": True, "state": "paused"}], repr(pause7))

pj = pause_nope.get("jobs") or []
check("pause tick+nope: ok false, unknown_job naming nope", is_error(pause_nope, "unknown_job", "nope"), repr(pause_nope))
check("pause tick+nope: a result per job, in order", [j.get("name") for j in pj] == ["tick", "nope"], repr(pj))
if len(pj) == 2:
    check("pause tick+nope: tick ok, no-op, paused",
          pj[0].get("ok") is True and pj[0].get("changed") is False and pj[0].get("state") == "paused", repr(pj[0]))
    check("pause tick+nope: nope failed with unknown_job", is_error(pj[1], "unknown_job", "nope"), repr(pj[1]))

ll = logs.get("lines")
check("logs: ok, job tick, 1 or 2 lines of Unix seconds",
      logs.get("ok") is True and logs.get("job") == "tick" and isinstance(ll, list) and 1 <= len(ll) <= 2
      and all(isinstance(x, str) and x.isdigit() and abs(int(x) - time.time()) < 120 for x in ll), repr(logs))

check("stop: tick stopped, changed",
      stop.get("ok") is True and stop.get("jobs") == [{"changed": True, "name": "tick", "ok": True, "state": "stopped"}],
      repr(stop))

check("resume of a stopped job: refused, 'job tick is stopped; use start'",
      is_error(resume, "refused", "job tick is stopped; use start"), repr(resume))
rj = resume.get("jobs") or [{}]
check("resume: the job's entry carries the refusal", rj[0].get("name") == "tick" and is_error(rj[0], "refused"), repr(rj))

check("'hello': bad_request", is_error(hello, "bad_request"), repr(hello))
check("frobnicate: unknown_command naming it", is_error(frob, "unknown_command", "frobnicate"), repr(frob))
check("[1,2]: bad_request", is_error(arr, "bad_request"), repr(arr))
check('{"cmd":5}: bad_request', is_error(cmd5, "bad_request"), repr(cmd5))
check("no cmd: bad_request", is_error(nocmd, "bad_request"), repr(nocmd))
check("pause with neither jobs nor all: bad_request", is_error(pause_none, "bad_request"), repr(pause_none))
check("pause with both jobs and all: bad_request", is_error(pause_both, "bad_request"), repr(pause_both))
check("status with jobs a string: bad_request", is_error(status_str, "bad_request"), repr(status_str))
check("logs without job: bad_request", is_error(logs_nojob, "bad_request"), repr(logs_nojob))
check("unknown command with id 9: id echoed", is_error(frob9, "unknown_command") and frob9.get("id") == 9, repr(frob9))
check("CRLF line: answered, id echoed", ping_crlf.get("ok") is True and ping_crlf.get("id") == "crlf", repr(ping_crlf))
check("start with id [1,2]: id echoed, tick running, changed",
      start.get("ok") is True and start.get("id") == [1, 2]
      and start.get("jobs") == [{"changed": True, "name": "tick", "ok": True, "state": "running"}], repr(start))
sj = status2.get("jobs") or [{}]
check("status tick after start: running", status2.get("ok") is True and len(sj) == 1 and sj[0].get("state") == "running",
      repr(status2))
check("the last request still answered: the connection stayed usable",
      ping_last.get("ok") is True and ping_last.get("id") == "last", repr(ping_last))
EOF

log "-- one-shot from a script, as the doc shows"
reply=$(printf '{"cmd":"status"}\n' | timeout "$(scaled 30)" socat -t "$(scaled 30)" - "UNIX-CONNECT:$SOCK") ||
  fail "one-shot socat failed"
expect_eq "one-shot status: one line" 1 "$(printf '%s\n' "$reply" | wc -l)"
expect_eq "one-shot status: ok" true "$(json_get 'd["ok"]' "$reply")"
expect_eq "one-shot status: tick" tick "$(json_get 'd["jobs"][0]["name"]' "$reply")"

log "-- Python, as the doc shows; then an oversized request"
py_checks "$SOCK" "$(scaled 30)" <<'EOF'
import json, socket, sys

path, timeout = sys.argv[1], float(sys.argv[2])

def check(what, cond, detail=""):
    print(f"  {'ok  ' if cond else 'FAIL'}  {what} {'' if cond else detail}")

# The doc's snippet, verbatim but for the path.
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(timeout)
s.connect(path)
f = s.makefile("rw")
f.write(json.dumps({"cmd": "pause", "jobs": ["tick"]}) + "\n"); f.flush()
r = json.loads(f.readline())
check("python: pause tick", r.get("ok") is True and r["jobs"][0]["state"] == "paused", repr(r))
f.write(json.dumps({"cmd": "resume", "jobs": ["tick"]}) + "\n"); f.flush()
r = json.loads(f.readline())
check("python: resume tick on the same connection", r.get("ok") is True and r["jobs"][0]["state"] == "running", repr(r))
# Invalid UTF-8 inside a string: an error reply, the connection goes on.
s.sendall(b'{"cmd":"ping","id":"\xff\xfe"}\n')
r = json.loads(f.readline())
check("python: invalid UTF-8 gets an answer (error or ok), not a hang or close", isinstance(r.get("ok"), bool), repr(r))
f.write('{"cmd":"ping","id":1}\n'); f.flush()
r = json.loads(f.readline())
check("python: connection usable after invalid UTF-8", r.get("ok") is True and r.get("id") == 1, repr(r))
f.close(); s.close()

def oversized(label, payload):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    try:
        s.sendall(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the daemon may close before reading everything
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    except socket.timeout:
        check(f"{label}: connection closed after the error", False, "no close within the timeout")
        s.close()
        return
    s.close()
    lines = [l for l in data.split(b"\n") if l]
    ok = len(lines) == 1
    r = json.loads(lines[0]) if ok else {}
    check(f"{label}: one too_large error reply, then the connection is closed",
          ok and r.get("ok") is False and r.get("error", {}).get("code") == "too_large", repr(data[:300]))

# A line of 70000 bytes (over the documented 65536), newline-terminated.
oversized("70000-byte request line", b'{"cmd":"ping","pad":"' + b"x" * 70000 + b'"}\n')
# 200 KB with no newline at all: the daemon must not buffer it forever.
oversized("200 KB without a newline", b"y" * 200000)

# A line just under the limit is a normal request.
pad = "x" * (65536 - 64)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(timeout)
s.connect(path)
f = s.makefile("rw")
f.write(json.dumps({"cmd": "ping", "pad": pad}) + "\n"); f.flush()
r = json.loads(f.readline())
check("a request line just under 65536 bytes is answered", r.get("ok") is True, repr(r)[:200])
f.close(); s.close()

# Garbage of every byte value, in lines: an error reply for each non-blank line.
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(timeout)
s.connect(path)
garbage = [bytes(range(1, 10)), bytes(range(11, 128)), bytes(range(128, 256)), b"\x00\x00{", b"}}}", b'{"cmd":"ping"']
s.sendall(b"\n".join(garbage) + b'\n{"cmd":"ping","id":"after"}\n')
f = s.makefile("rb")
replies = [json.loads(f.readline()) for _ in range(len(garbage) + 1)]
check("garbage lines: one error reply each",
      all(r.get("ok") is False and r.get("error", {}).get("code") == "bad_request" for r in replies[:-1]), repr(replies))
check("garbage lines: the connection still answers", replies[-1].get("ok") is True and replies[-1].get("id") == "after",
      repr(replies[-1]))
f.close(); s.close()
EOF

log "-- the daemon is unharmed"
ctl ping
expect_eq "thrctl ping" 0 "$CTL_RC"
expect_true "thrd alive" alive "$THRD_PID"
expect_eq "tick running" running "$(job_state tick)"

finish
