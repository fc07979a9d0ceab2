# Raw-socket clients for hostile_clients.sh: each subcommand plays one hostile or broken client
# against thrd's socket and prints "  ok    ..." / "  FAIL  ..." lines (lib.sh py_checks), or,
# for `hold`, holds connections open until it is killed.
#
#   hostile_clients.py SOCKET SCALE garbage|random|huge PID|byte|pipeline|hangups N|
#                      hold N READY_FILE|idle|follower JOB OUT_FILE|exhaust RESULT_FILE
import json
import os
import signal
import socket
import struct
import sys
import threading
import time

path, scale, what = sys.argv[1], float(sys.argv[2]), sys.argv[3]
args = sys.argv[4:]
IO_TIMEOUT = 30 * scale


def check(what, cond, detail=""):
    print(f"  {'ok  ' if cond else 'FAIL'}  {what}{'' if cond else ' ' + str(detail)[:400]}", flush=True)


def connect(timeout=IO_TIMEOUT):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def read_line(s):
    """One line from s (bytes, without the newline); None at EOF or reset."""
    buf = b""
    while True:
        try:
            c = s.recv(1)
        except (ConnectionResetError, BrokenPipeError):
            return None
        if not c:
            return None
        if c == b"\n":
            return buf
        buf += c


def read_all(s):
    """Everything until EOF or reset, as a list of JSON replies (None for a non-JSON line)."""
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            break
        if not chunk:
            break
        data += chunk
    out = []
    for line in data.split(b"\n"):
        if line:
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append(None)
    return out


def send_quietly(s, data):
    try:
        s.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False  # thrd closed first: only what it answered matters


def code(r):
    return (r or {}).get("error", {}).get("code")


def ping_on(s, ident):
    s.sendall(json.dumps({"cmd": "ping", "id": ident}).encode() + b"\n")
    line = read_line(s)
    r = json.loads(line) if line else {}
    return r.get("ok") is True and r.get("id") == ident


def rss_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


if what == "garbage":
    # Invalid and meaningless JSON on one connection: an error reply each, in order, then the
    # same connection still answers a ping.
    s = connect()
    lines = [b"{oops", b"\x00\x01\x02", b"[]", b"42", b'"cmd"', b"null", b'{"cmd":5}', b'{"cmd":"nope"}',
             b'{"cmd":null}', b'{"cmd":["ping"]}', b"{}", b'{"cmd":"ping"']
    s.sendall(b"\n".join(lines) + b"\n")
    f = s.makefile("rb")
    replies = [json.loads(f.readline()) for _ in lines]
    want = ["bad_request"] * 6 + ["bad_request", "unknown_command", "bad_request", "bad_request", "bad_request",
                                  "bad_request"]
    got = [code(r) for r in replies]
    check(f"{len(lines)} invalid or meaningless lines: one error reply each, in order", got == want, got)
    check("every error reply has ok false and a message",
          all(r.get("ok") is False and isinstance(r["error"].get("message"), str) for r in replies))
    check("the same connection then answers a ping", ping_on(s, "after-garbage"))
    s.close()

elif what == "random":
    # 3 x 64 KiB of random bytes: on one connection as they come (their newlines make many short
    # lines: an error reply each, maybe a too_large, never a crash), and on another with the
    # newlines taken out (one line past the limit: too_large and a close).
    s = connect()
    blob = b"".join(os.urandom(65536) for _ in range(3))
    send_quietly(s, blob)
    s.shutdown(socket.SHUT_WR)
    replies = read_all(s)
    codes = {code(r) for r in replies}
    check(f"3 x 64 KiB random bytes: {len(replies)} replies, all errors (bad_request or too_large)",
          len(replies) > 0 and codes <= {"bad_request", "too_large"}, codes)
    s.close()
    s = connect()
    send_quietly(s, blob.replace(b"\n", b"x"))
    replies = read_all(s)
    check("3 x 64 KiB random bytes without a newline: one too_large, then a close",
          [code(r) for r in replies] == ["too_large"], replies)
    s.close()

elif what == "huge":
    # A 10 MiB line, sent by another thread as fast as thrd takes it: too_large after the limit,
    # then a close, long before 10 MiB went through.
    pid = int(args[0])
    s = connect()
    sent = [0]

    def sender():
        line = memoryview(b'{"cmd":"ping","pad":"' + b"a" * (10 << 20))
        while sent[0] < len(line):
            try:
                sent[0] += s.send(line[sent[0]:sent[0] + 65536])
            except (BrokenPipeError, ConnectionResetError, socket.timeout):
                return

    t = threading.Thread(target=sender)
    t.start()
    line = read_line(s)
    t.join(IO_TIMEOUT)
    r = json.loads(line) if line else {}
    check("a 10 MiB line: error too_large", code(r) == "too_large", r)
    check("then the connection is closed", read_line(s) is None)
    check(f"thrd stopped taking it early ({sent[0] >> 10} KiB of 10240 went out)", sent[0] < 10 * (1 << 20))
    s.close()
    hwm = rss_kb(pid, "VmHWM")
    print(f"        thrd VmHWM {hwm} kB, VmRSS {rss_kb(pid, 'VmRSS')} kB", flush=True)
    if os.environ.get("THRD_SANITIZED"):
        print("  SKIP  the RSS bound (THRD_SANITIZED: sanitizers change memory use)", flush=True)
    else:
        check("thrd's peak RSS (VmHWM) stays under 200 MiB", 0 < hwm < 200 * 1024, hwm)

elif what == "byte":
    # A valid request one byte at a time: answered.
    s = connect()
    for b in b'{"cmd":"ping","id":"byte-by-byte"}\n':
        s.sendall(bytes([b]))
        time.sleep(0.005)
    r = json.loads(read_line(s) or b"{}")
    check("a request sent one byte at a time is answered", r.get("ok") is True and r.get("id") == "byte-by-byte", r)
    s.close()

elif what == "pipeline":
    # Two requests in one write: two replies, in order, ids matching.
    s = connect()
    s.sendall(b'{"cmd":"ping","id":1}\n{"cmd":"status","id":2}\n')
    a = json.loads(read_line(s) or b"{}")
    b = json.loads(read_line(s) or b"{}")
    check("two requests in one write: two replies in order, ids 1 then 2",
          a.get("id") == 1 and a.get("ok") is True and b.get("id") == 2 and isinstance(b.get("jobs"), list), (a, b))
    s.close()

elif what == "hangups":
    # N clients hang up before their reply, a quarter of them with a reset (SO_LINGER {1, 0}):
    # the first asks for the slow stop of `slowstop`, then waits, stops and statuses.
    n = int(args[0])
    requests = [b'{"cmd":"wait","jobs":["tick"],"state":"paused","timeout_ms":5000}\n',
                b'{"cmd":"stop","jobs":["slowstop"]}\n', b'{"cmd":"status"}\n']
    errors = []

    def client(i):
        try:
            s = connect()
            req = b'{"cmd":"stop","jobs":["slowstop"]}\n' if i == 0 else requests[i % 3]
            s.sendall(req)
            if i % 4 == 0:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        except OSError as e:
            errors.append(f"client {i}: {e}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(f"{n} clients sent a request and hung up ({n // 4} with a reset)", not errors, errors[:3])

elif what == "hold":
    # Holds N connections open, each first proven served (a ping answered), then writes
    # READY_FILE and sleeps until killed.
    n, ready = int(args[0]), args[1]
    held = []
    for i in range(n):
        s = connect()
        if not ping_on(s, i):
            print(f"  FAIL  connection {i} was not served", flush=True)
            sys.exit(1)
        held.append(s)
    with open(ready, "w") as f:
        f.write(f"{n}\n")
    signal.sigwait([signal.SIGTERM, signal.SIGINT])

elif what == "idle":
    # idle_timeout 1s: a silent connection gets a timeout line and a close, after about that.
    s = connect()
    t0 = time.monotonic()
    r = json.loads(read_line(s) or b"{}")
    waited = time.monotonic() - t0
    check(f"an idle connection: error timeout after {waited:.2f}s", code(r) == "timeout" and 0.9 <= waited, r)
    check("its message: 'idle for 1s; closing'", r.get("error", {}).get("message") == "idle for 1s; closing", r)
    check("then the connection is closed", read_line(s) is None)
    s.close()

elif what == "follower":
    # logs -f of a job that logs fast, never read: thrd must cut it off once its buffer stays
    # full for 10 s. Writes "cut" to OUT_FILE once the connection has ended, with how much came.
    job, out = args[0], args[1]
    s = connect(timeout=None)
    s.sendall(json.dumps({"cmd": "logs", "job": job, "follow": True, "lines": 0}).encode() + b"\n")
    # Never read until thrd gave up on us: it shuts the socket down, which poll sees as a
    # hang-up even with unread data queued.
    import select
    p = select.poll()
    p.register(s, select.POLLRDHUP)
    deadline = time.monotonic() + 120 * scale
    ended = False
    while time.monotonic() < deadline and not ended:
        for _, ev in p.poll(200):
            ended = bool(ev & (select.POLLRDHUP | select.POLLHUP | select.POLLERR))
    total = 0
    s.settimeout(IO_TIMEOUT)
    while ended:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        total += len(chunk)
    with open(out, "w") as f:
        f.write(f"{'cut' if ended else 'open'} {total}\n")

elif what == "exhaust":
    # thrd's nofile was lowered: opens connections (each pinged) until thrd refuses one, keeps
    # trying a new one every 50 ms for 3 s (each must be refused the same way), then closes
    # them all. Writes "START_WALL END_WALL held refused" to RESULT_FILE.
    result = args[0]
    held = []
    first = None
    for i in range(5000):
        s = connect()
        try:
            s.sendall(json.dumps({"cmd": "ping", "id": i}).encode() + b"\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        line = read_line(s)
        r = json.loads(line) if line else {}
        if r.get("ok") is True:
            held.append(s)
            continue
        first = r
        s.close()
        break
    check(f"after {len(held)} connections thrd refuses with busy 'thrd is out of file descriptors'",
          code(first) == "busy" and "out of file descriptors" in first["error"]["message"], first)
    t0 = time.time()
    refused = 0
    while time.time() - t0 < 3 * scale:
        s = connect()
        try:
            s.sendall(b'{"cmd":"ping"}\n')
        except (BrokenPipeError, ConnectionResetError):
            pass
        line = read_line(s)
        refused += code(json.loads(line) if line else {}) == "busy"
        s.close()
        time.sleep(0.05)
    t1 = time.time()
    check(f"every later connection refused the same way ({refused})", refused > 10, refused)
    for s in held:
        s.close()
    with open(result, "w") as f:
        f.write(f"{t0} {t1} {len(held)} {refused}\n")

else:
    sys.exit(f"unknown client {what}")
