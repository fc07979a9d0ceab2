#!/usr/bin/env bash
# Clients are served concurrently: idle connections, a connection holding half a request
# line, and a client that sends requests without reading its replies (its connection stuck in
# a write) delay nobody else: thrctl ping, status, pause, resume, stop and start on other
# connections answer promptly, and many thrctl at once all succeed. Several requests
# pipelined on one connection get their replies in order. Closed connections leave no thread
# behind.
#
# (A `stop` that takes long cannot be staged with timestamp jobs, whose threads end at once;
# the stuck writer is the slow connection here.)
. "$(dirname "$0")/lib.sh"
setup concurrency

write_config "$CFG" '{
  "jobs": [
    { "name": "a", "task": "timestamp", "every": "1s" },
    { "name": "b", "task": "timestamp", "every": "1s" }
  ]
}'
start_thrd -c "$CFG"
wait_until 10 runs_at_least a 1 || die "a made no run"

thread_count() { ls "/proc/$THRD_PID/task" | wc -l; }
baseline=$(thread_count)
log "  thrd has $baseline threads with no client"

py_checks "$THRCTL" "$SOCK" "$TIME_SCALE" <<'EOF'
import array, fcntl, json, os, socket, subprocess, sys, termios, threading, time

thrctl, path, scale = sys.argv[1], sys.argv[2], float(sys.argv[3])
PROMPT = 1.0 * scale    # a reply "at once", with room for a loaded 2-core machine
IO_TIMEOUT = 30 * scale

def check(what, cond, detail=""):
    print(f"  {'ok  ' if cond else 'FAIL'}  {what}{'' if cond else ' ' + detail}", flush=True)

def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(IO_TIMEOUT)
    s.connect(path)
    return s

def ctl(*args):
    t0 = time.monotonic()
    p = subprocess.run([thrctl, "-s", path, *args], capture_output=True, text=True, timeout=IO_TIMEOUT)
    return p.returncode, p.stdout, p.stderr, (time.monotonic() - t0) * 1000

def prompt_commands(label):
    for args in (["ping"], ["status"], ["--json", "status", "a"], ["pause", "a"], ["resume", "a"],
                 ["stop", "b"], ["start", "b"], ["logs", "a", "-n", "1"]):
        rc, out, err, ms = ctl(*args)
        check(f"{label}: thrctl {' '.join(args)} exits 0 in {ms:.0f} ms (< {PROMPT * 1000:.0f})",
              rc == 0 and ms < PROMPT * 1000, f"rc={rc} err={err!r}")

def served(s):
    """Proves a thread of thrd serves connection s: one ping answered on it."""
    s.sendall(b'{"cmd":"ping"}\n')
    line = b""
    while not line.endswith(b"\n"):
        chunk = s.recv(1)
        if not chunk:
            raise RuntimeError("connection closed")
        line += chunk
    return json.loads(line).get("ok") is True

# 1. Idle connections and half-written request lines, each first proven served.
idle = [connect() for _ in range(20)]
check("20 connections, each served (a ping answered), then left idle", all(served(s) for s in idle))
half = connect()
served(half)
half.sendall(b'{"cmd":"pi')
big_half = connect()
served(big_half)
big_half.sendall(b'{"cmd":"status","pad":"' + b"z" * 30000)
prompt_commands("20 idle connections and 2 half-written lines open")

# Finishing the half-written line: it was kept, and is answered now.
half.sendall(b'ng","id":"half"}\n')
r = json.loads(half.makefile("rb").readline())
check("the half-written ping, once finished, is answered", r.get("ok") is True and r.get("id") == "half", repr(r))
big_half.sendall(b'"}\n')
r = json.loads(big_half.makefile("rb").readline())
check("the half-written 30 KB status, once finished, is answered", r.get("ok") is True and "jobs" in r, repr(r)[:200])

# 2. A client that sends and never reads: its replies fill the socket buffers and its
# connection's writes block. Everyone else goes on.
stuck = connect()
stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
N = 20000  # ~600 KB of requests, ~8 MB of replies: far more than the socket buffers
reqs = b"".join(json.dumps({"cmd": "status", "id": i}).encode() + b"\n" for i in range(N))
sender_done = threading.Event()
def send_all():
    try:
        stuck.sendall(reqs)
    except OSError:
        pass
    sender_done.set()
threading.Thread(target=send_all, daemon=True).start()
# Wait until its replies stop piling up in its receive queue: thrd's writes to it block.
def queued(sock):
    buf = array.array("i", [0])
    fcntl.ioctl(sock.fileno(), termios.FIONREAD, buf)
    return buf[0]
deadline = time.monotonic() + IO_TIMEOUT
last = -1
while time.monotonic() < deadline:
    q = queued(stuck)
    if q > 0 and q == last:
        break
    last = q
    time.sleep(0.05)
check(f"the client not reading its replies has {queued(stuck)} bytes of replies queued, no more coming",
      queued(stuck) == last and last > 0)
check("the client not reading its replies is stalled (its own sends block)", not sender_done.is_set())
prompt_commands("a client not reading its replies")

# Many thrctl at once.
results = []
lock = threading.Lock()
def one(i):
    r = ctl("status") if i % 2 else ctl("ping")
    with lock:
        results.append(r)
t0 = time.monotonic()
ts = [threading.Thread(target=one, args=(i,)) for i in range(24)]
for t in ts: t.start()
for t in ts: t.join()
took = (time.monotonic() - t0) * 1000
check(f"24 thrctl at once: all exit 0 ({took:.0f} ms in all)", all(r[0] == 0 for r in results) and len(results) == 24,
      repr([r[:3] for r in results if r[0] != 0]))
check(f"24 thrctl at once within {5 * scale:.0f} s", took < 5000 * scale)

# The stuck client now reads: every reply is there, in order.
f = stuck.makefile("rb")
ids = []
for _ in range(N):
    line = f.readline()
    if not line:
        break
    ids.append(json.loads(line).get("id"))
check(f"the slow reader gets all {N} replies, in order", ids == list(range(N)), f"got {len(ids)}")
sender_done.wait(IO_TIMEOUT)

# 3. Several requests pipelined on one connection, written at once: replies in order.
p = connect()
reqs = [
    {"cmd": "ping", "id": 0},
    {"cmd": "status", "id": 1},
    {"cmd": "pause", "jobs": ["a"], "id": 2},
    {"cmd": "status", "jobs": ["a"], "id": 3},
    {"cmd": "resume", "jobs": ["a"], "id": 4},
    {"cmd": "stop", "jobs": ["b"], "id": 5},
    {"cmd": "status", "jobs": ["b"], "id": 6},
    {"cmd": "nope", "id": 7},
    {"cmd": "start", "jobs": ["b"], "id": 8},
    {"cmd": "logs", "job": "a", "lines": 1, "id": 9},
    {"cmd": "status", "jobs": ["b"], "id": 10},
]
reqs += [{"cmd": "ping", "id": i} for i in range(11, 100)]
p.sendall(b"".join(json.dumps(r).encode() + b"\n" for r in reqs))
f = p.makefile("rb")
replies = [json.loads(f.readline()) for _ in reqs]
check("100 pipelined requests: 100 replies, ids in order", [r.get("id") for r in replies] == list(range(100)),
      repr([r.get("id") for r in replies]))
check("pipelined: each reply fits its request (pause -> paused, stop -> stopped, status in between)",
      replies[2]["jobs"][0]["state"] == "paused" and replies[3]["jobs"][0]["state"] == "paused"
      and replies[4]["jobs"][0]["state"] == "running" and replies[6]["jobs"][0]["state"] == "stopped"
      and replies[7]["ok"] is False and replies[10]["jobs"][0]["state"] == "running", repr(replies[:11]))
p.close()

# 4. Close everything, one connection mid-line.
half2 = connect()
half2.sendall(b'{"cmd":"status","jo')
half2.close()
for s in idle + [half, big_half, stuck]:
    s.close()
rc, out, err, ms = ctl("ping")
check(f"ping after closing every connection ({ms:.0f} ms)", rc == 0 and ms < PROMPT * 1000, err)
EOF

log "-- closed connections leave no thread behind"
if wait_until 10 test "$(thread_count)" -le "$baseline"; then
  pass "thrd back to $baseline threads"
else
  fail "thrd has $(thread_count) threads, $baseline before the clients: $(thread_names "$THRD_PID" | sort | uniq -c | tr '\n' ' ')"
fi
expect_eq "a still running" running "$(job_state a)"
expect_eq "b running (started again)" running "$(job_state b)"

finish
