#!/usr/bin/env python3
"""Stress driver for thrd (issue 8): many concurrent clients against many fast jobs.

Speaks the wire protocol (docs/protocol.md) directly, stdlib only. 32 clients send 200 random
requests each: half keep one connection for all of theirs, half open one per request. The mix:
status, show, logs, a brief `events` subscription, ping, wait, invalid JSON, unknown commands,
and control commands (pause, resume, restart, stop, start, kill) -- the latter only on the
designated jobs, so that every other job must keep its rate. Checks: every reply is one JSON
object line with a boolean `ok`, and an error only where one is expected; the untouched jobs'
`runs` grew by elapsed / every (>= 80 %, few missed); the daemon answers at the end.
Prints totals and exits 0 (pass) or 1 (fail).

  stress.py --socket PATH --jobs NAME,... --control NAME,... [--every-ms 250]
            [--clients 32] [--requests 200] [--duration 20] [--scale 1]
"""
import argparse
import collections
import json
import random
import socket
import statistics
import sys
import threading
import time


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.replies = 0
        self.by_code = collections.Counter()   # "ok" or the error code
        self.by_cmd = collections.Counter()
        self.failures = []                      # what broke the contract

    def add(self, cmd, code):
        with self.lock:
            self.requests += 1
            self.replies += 1
            self.by_code[code] += 1
            self.by_cmd[cmd] += 1

    def fail(self, what):
        with self.lock:
            self.requests += 1
            if len(self.failures) < 50:
                self.failures.append(what)
            else:
                self.failures[-1] = f"... and more ({what})"


class Conn:
    """One connection; request() sends a line and reads exactly one reply line."""

    def __init__(self, path, timeout):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb")

    def send_line(self, raw):
        self.sock.sendall(raw + b"\n")

    def read_line(self):
        line = self.reader.readline()
        if not line.endswith(b"\n"):
            raise ConnectionError("connection closed before a whole reply line")
        return line

    def close(self):
        try:
            self.reader.close()
        finally:
            self.sock.close()


# What each request may answer besides ok: true.
ALLOWED_ERRORS = {
    "status": set(), "show": set(), "logs": set(), "ping": set(),
    "wait": {"timeout"},
    "invalid": {"bad_request"},
    "unknown": {"unknown_command"},
    "control": {"refused", "unknown_job"},
}
CONTROLS = ["pause", "resume", "restart", "stop", "start", "kill"]


def make_request(rng, jobs, control):
    """(kind, raw line) for one random request."""
    kind = rng.choices(
        ["status", "show", "logs", "events", "ping", "wait", "invalid", "unknown", "control"],
        weights=[18, 8, 10, 4, 14, 8, 8, 6, 24])[0]
    some = lambda pool, k: rng.sample(pool, rng.randint(1, k))  # noqa: E731
    if kind == "status":
        req = {"cmd": "status"} if rng.random() < 0.5 else {"cmd": "status", "jobs": some(jobs, 5)}
    elif kind == "show":
        req = {"cmd": "show", "jobs": some(jobs, 3), "lines": rng.randint(0, 5)}
    elif kind == "logs":
        req = {"cmd": "logs", "job": rng.choice(jobs), "lines": rng.randint(0, 20)}
    elif kind == "events":
        req = {"cmd": "events"} if rng.random() < 0.5 else {"cmd": "events", "jobs": some(jobs, 3)}
    elif kind == "ping":
        req = {"cmd": "ping"}
    elif kind == "wait":
        # Untouched jobs are running (ok at once); a designated one may be anything (ok or
        # timeout).
        pool = control if rng.random() < 0.5 else jobs
        req = {"cmd": "wait", "jobs": [rng.choice(pool)], "state": "running",
               "timeout_ms": rng.choice([0, 50, 200])}
    elif kind == "invalid":
        return kind, rng.choice([b"this is not json", b"{\"cmd\": ", b"[1, 2, 3]", b"{}",
                                 b"{\"cmd\": 42}", b"\"just a string\"", b"{\"cmd\":\"status\"} x"])
    elif kind == "unknown":
        req = {"cmd": rng.choice(["frobnicate", "STATUS", "reboot", ""])}
    else:
        targets = some(control, 3)
        if rng.random() < 0.05:
            targets.append("no-such-job")
        req = {"cmd": rng.choice(CONTROLS), "jobs": targets}
        if req["cmd"] == "pause" and rng.random() < 0.2:
            req["freeze"] = True
    return kind, json.dumps(req).encode()


def check_reply(kind, line, stats, want_id=None):
    try:
        reply = json.loads(line)
    except ValueError:
        stats.fail(f"{kind}: reply is not JSON: {line[:200]!r}")
        return
    if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
        stats.fail(f"{kind}: reply without a boolean ok: {line[:200]!r}")
        return
    if want_id is not None and reply.get("id") != want_id:
        stats.fail(f"{kind}: reply id {reply.get('id')!r}, expected {want_id!r}")
        return
    if reply["ok"]:
        if kind in ("invalid", "unknown"):
            stats.fail(f"{kind}: accepted: {line[:200]!r}")
            return
        stats.add(kind, "ok")
        return
    err = reply.get("error")
    code = err.get("code") if isinstance(err, dict) else None
    if not isinstance(code, str) or not isinstance(err.get("message"), str):
        stats.fail(f"{kind}: ok false without error code and message: {line[:200]!r}")
        return
    if code not in ALLOWED_ERRORS[kind]:
        stats.fail(f"{kind}: unexpected error {code}: {err.get('message')}")
        return
    stats.add(kind, code)


def brief_events(path, raw, timeout, stats):
    """Subscribe, read the subscription line and one event (or give up after a second), hang up."""
    conn = Conn(path, timeout)
    try:
        conn.send_line(raw)
        first = json.loads(conn.read_line())
        if first.get("subscribed") is not True:
            stats.fail(f"events: first line is not the subscription: {first}")
            return
        conn.sock.settimeout(1.0)
        try:
            ev = json.loads(conn.read_line())
            if "event" not in ev and "ok" not in ev:
                stats.fail(f"events: a stream line that is neither an event nor the end: {ev}")
                return
        except socket.timeout:
            pass  # a filtered job may be paused: no event within a second is fine
        stats.add("events", "ok")
    finally:
        conn.close()


def client(idx, args, jobs, control, stats, pace_s):
    rng = random.Random(args.seed * 1000 + idx)
    persistent = idx % 2 == 0
    timeout = 30.0 * args.scale
    conn = None
    try:
        for n in range(args.requests):
            kind, raw = make_request(rng, jobs, control)
            try:
                if kind == "events":
                    brief_events(args.socket, raw, timeout, stats)
                elif persistent:
                    if conn is None:
                        conn = Conn(args.socket, timeout)
                    want_id = None
                    if kind not in ("invalid",) and rng.random() < 0.5:
                        req = json.loads(raw)
                        want_id = req["id"] = f"c{idx}-{n}"
                        raw = json.dumps(req).encode()
                    conn.send_line(raw)
                    check_reply(kind, conn.read_line(), stats, want_id)
                else:
                    one = Conn(args.socket, timeout)
                    try:
                        one.send_line(raw)
                        check_reply(kind, one.read_line(), stats)
                    finally:
                        one.close()
            except (OSError, ValueError) as e:
                stats.fail(f"client {idx} {'persistent' if persistent else 'one-shot'} "
                           f"{kind}: {type(e).__name__}: {e}")
                if conn is not None:
                    conn.close()
                    conn = None
            if pace_s > 0:
                time.sleep(rng.uniform(0, 2 * pace_s))
    finally:
        if conn is not None:
            conn.close()


def snapshot(path, timeout):
    conn = Conn(path, timeout)
    try:
        conn.send_line(b'{"cmd":"status"}')
        reply = json.loads(conn.read_line())
        return time.monotonic(), {j["name"]: j for j in reply["jobs"]}
    finally:
        conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--socket", required=True)
    p.add_argument("--jobs", required=True, help="every job name, comma-separated")
    p.add_argument("--control", required=True, help="the jobs control commands may touch")
    p.add_argument("--every-ms", type=int, default=250)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--duration", type=float, default=20.0,
                   help="seconds the requests are spread over (random pauses between them)")
    p.add_argument("--scale", type=float, default=1.0, help="THRD_TEST_TIME_SCALE")
    p.add_argument("--seed", type=int, default=int(time.time()))
    args = p.parse_args()
    jobs = args.jobs.split(",")
    control = args.control.split(",")
    untouched = [j for j in jobs if j not in control]
    print(f"stress: {len(jobs)} jobs every {args.every_ms} ms ({len(control)} take control "
          f"commands), {args.clients} clients x {args.requests} requests "
          f"(half persistent), over ~{args.duration:g} s, seed {args.seed}")

    t0, before = snapshot(args.socket, 30 * args.scale)
    stats = Stats()
    pace = args.duration / args.requests
    threads = [threading.Thread(target=client, args=(i, args, jobs, control, stats, pace))
               for i in range(args.clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    t1, after = snapshot(args.socket, 30 * args.scale)
    window = t1 - t0

    expected = window * 1000 / args.every_ms
    rates, slow, missed_total = [], [], 0
    for name in untouched:
        runs = after[name]["runs"] - before[name]["runs"]
        missed = after[name]["missed"] - before[name]["missed"]
        missed_total += missed
        rates.append(runs / window)
        if runs < 0.8 * expected or missed > max(2, 0.2 * expected):
            slow.append(f"{name}: {runs} runs, {missed} missed (expected {expected:.0f})")
        if after[name]["state"] != "running":
            slow.append(f"{name}: {after[name]['state']}, not running")

    print(f"stress: {stats.requests} requests, {stats.replies} replies in {elapsed:.1f} s "
          f"({stats.requests / elapsed:.0f} requests/s)")
    print("stress: by command: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.by_cmd.items())))
    print("stress: by outcome: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.by_code.items())))
    print(f"stress: untouched jobs over {window:.1f} s: runs/s min {min(rates):.2f}, median "
          f"{statistics.median(rates):.2f}, max {max(rates):.2f} (expected "
          f"{1000 / args.every_ms:.2f}); missed {missed_total} in all")
    ok = True
    if stats.failures:
        ok = False
        print(f"  FAIL  {len(stats.failures)} contract failure(s):")
        for f in stats.failures[:20]:
            print(f"          {f}")
    else:
        print(f"  ok    every one of {stats.replies} replies is one JSON line with ok, "
              f"errors only where expected")
    if slow:
        ok = False
        print(f"  FAIL  {len(slow)} untouched job(s) lost their rate:")
        for s in slow[:20]:
            print(f"          {s}")
    else:
        print(f"  ok    all {len(untouched)} untouched jobs kept their rate "
              f"(>= 80 % of {expected:.0f} runs, missed <= 20 %)")
    want = args.clients * args.requests
    if stats.requests != want:
        ok = False
        print(f"  FAIL  {stats.requests} requests counted, expected {want}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
