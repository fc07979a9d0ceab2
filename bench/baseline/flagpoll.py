#!/usr/bin/env python3
"""The classic flag-polling job supervisor, as a baseline for bench/run.

Each job is a threading.Thread whose loop is the usual design:

    while not stop.is_set():
        if not pause.is_set():
            run()
        time.sleep(period)

so a pause or a stop takes effect only when the loop comes back round to its flags, up to a
whole period late, and the schedule drifts by the run's own duration every period (sleep
starts after the run). There is no kill: a thread stuck in sleep() cannot be interrupted, so
`kill` is `stop`.

It serves a subset of thrd's protocol (newline-delimited JSON on a Unix socket) so that the
bench measures it with the same code: ping, status, pause, resume, stop, kill, start. To be
fair to the design, a control reply is sent when the command has taken effect (pause: the loop
saw the flag; stop: the thread has ended), which is the earliest moment a client could know.

Usage: flagpoll.py SOCKET --jobs N --period SECONDS [--runlog DIR] [--phase]
  --runlog DIR: append time.monotonic() at the start of each run to DIR/<job> (schedule test)
  --phase: start the jobs spread evenly over one period instead of all at once
"""
import argparse
import json
import os
import socket
import sys
import threading
import time


class Job:
    def __init__(self, name, period, runlog, delay):
        self.name = name
        self.period = period
        self.runlog = runlog
        self.delay = delay
        self.pause = threading.Event()
        self.stop = threading.Event()
        self.seen = threading.Condition()
        self.seen_pause = False
        self.runs = 0
        self.thread = None

    def start(self):
        self.stop.clear()
        self.thread = threading.Thread(target=self.loop, name=self.name[:15], daemon=True)
        self.thread.start()

    def run(self):
        # The task: print the Unix time, as thrd's timestamp task does.
        sys.stdout.write("%s: %d\n" % (self.name, int(time.time())))
        if self.runlog:
            with open(os.path.join(self.runlog, self.name), "a") as f:
                f.write("%.9f\n" % time.monotonic())
        self.runs += 1

    def loop(self):
        if self.delay:
            time.sleep(self.delay)
        while not self.stop.is_set():
            paused = self.pause.is_set()
            with self.seen:
                if paused != self.seen_pause:
                    self.seen_pause = paused
                    self.seen.notify_all()
            if not paused:
                self.run()
            time.sleep(self.period)

    def state(self):
        if self.thread is None or not self.thread.is_alive():
            return "stopped"
        return "paused" if self.pause.is_set() else "running"

    def do_pause(self, on):
        if self.state() == "stopped":
            return False
        if on:
            self.pause.set()
        else:
            self.pause.clear()
        with self.seen:
            # The effect: the loop has come round to its flag.
            self.seen.wait_for(lambda: self.seen_pause == on or not self.thread.is_alive())
        return True

    def do_stop(self):
        self.stop.set()
        if self.thread is not None:
            self.thread.join()


def serve(conn, jobs):
    f = conn.makefile("rwb")
    for line in f:
        try:
            req = json.loads(line)
        except ValueError:
            rep = {"ok": False, "error": {"code": "bad_request", "message": "not JSON"}}
        else:
            rep = handle(req, jobs)
        f.write((json.dumps(rep) + "\n").encode())
        f.flush()
    conn.close()


def handle(req, jobs):
    cmd = req.get("cmd")
    if cmd == "ping":
        return {"ok": True, "pid": os.getpid()}
    names = req.get("jobs") or list(jobs)
    results = []
    for n in names:
        j = jobs.get(n)
        if j is None:
            results.append({"name": n, "ok": False})
            continue
        ok = True
        if cmd == "pause":
            ok = j.do_pause(True)
        elif cmd == "resume":
            ok = j.do_pause(False)
        elif cmd in ("stop", "kill"):
            j.do_stop()
        elif cmd == "start":
            if j.state() == "stopped":
                j.pause.clear()
                j.start()
        elif cmd != "status":
            return {"ok": False, "error": {"code": "unknown_command", "message": str(cmd)}}
        tid = j.thread.native_id if j.thread is not None and j.thread.is_alive() else None
        results.append({"name": n, "ok": ok, "state": j.state(), "runs": j.runs,
                        "thread_id": tid})
    return {"ok": all(r["ok"] for r in results), "jobs": results}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--period", type=float, default=1.0)
    ap.add_argument("--runlog")
    ap.add_argument("--phase", action="store_true")
    a = ap.parse_args()
    threading.stack_size(256 << 10)  # as small as thrd's, so the memory comparison is fair
    jobs = {}
    for i in range(a.jobs):
        delay = a.period * i / a.jobs if a.phase else 0.0
        jobs["j%d" % i] = Job("j%d" % i, a.period, a.runlog, delay)
    for j in jobs.values():
        j.start()
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(a.socket)
    srv.listen(256)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c, jobs), daemon=True).start()


if __name__ == "__main__":
    main()
