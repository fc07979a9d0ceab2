#!/usr/bin/env bash
# `timeout` (issue 4): a `sleep 5` every 1 s with timeout 300ms. Each run is ended as `stop`
# does (it receives SIGTERM, its trap records when) about 300 ms after it started, and counts
# a failure with "timeout after 300ms" in status and in the log; the job stays `running` and
# runs again at its next slot (starts 1 s apart on the grid, nothing missed), so `runs` keeps
# increasing. No `sleep 5` is left behind.
. "$(dirname "$0")/lib.sh"
setup exec_timeout

TIMES=$TMPD/times
write_config "$CFG" '{
  "jobs": [
    { "name": "to", "task": "exec", "every": "1s", "timeout": "300ms",
      "command": ["bash", "-c", "trap \u0027echo term $EPOCHREALTIME $$ >> '"$TIMES"'; exit 1\u0027 TERM; echo start $EPOCHREALTIME $$ >> '"$TIMES"'; sleep 5"] }
  ]
}'
start_thrd -c "$CFG"

wait_until 10 runs_at_least to 2 || die "to: fewer than 2 runs"
R2=$(job_field to runs)
wait_until 10 runs_at_least to 4 || die "to: fewer than 4 runs"
out=$("$THRCTL" -s "$SOCK" --json status to)
runs=$(json_get 'd["jobs"][0]["runs"]' "$out")
expect_true "runs keeps increasing ($R2, then $runs)" test "$runs" -gt "$R2"
expect_eq "every run a failure" "$runs" "$(json_get 'd["jobs"][0]["failures"]' "$out")"
expect_eq "last_error" "timeout after 300ms" "$(json_get 'd["jobs"][0]["last_error"]' "$out")"
expect_eq "the job stays running" running "$(json_get 'd["jobs"][0]["state"]' "$out")"
expect_eq "no slot missed" 0 "$(json_get 'd["jobs"][0]["missed"]' "$out")"
logged=$("$THRCTL" -s "$SOCK" logs to | grep -cxF '[thrd] run failed: timeout after 300ms' || true)
expect_true "each timeout in the log ($logged lines for $runs runs)" test "$logged" -ge "$runs"

ctl_ok stop to
expect_eq "no sleep 5 left" "" "$(tagged_procs "$TMPD" | awk '$2 == "sleep"')"

# Only the runs completed before `stop` count: the stop may land in a run, whose SIGTERM then
# comes from the stop, at any point of its 300 ms.
py_checks "$TIMES" "$TIME_SCALE" "$runs" <<'EOF'
import sys
path, scale, completed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
def ok(cond, msg):
    print(f"  {'ok  ' if cond else 'FAIL'}  {msg}")
runs = {}
order = []
for line in open(path):
    kind, t, pid = line.split()
    if kind == "start":
        order.append(pid)
    runs.setdefault(pid, {})[kind] = float(t)
done = [p for p in order[:completed] if "term" in runs[p]]
ok(len(done) >= 4, f"{len(done)} runs received SIGTERM from the timeout")
lat = [runs[p]["term"] - runs[p]["start"] for p in done]
# The timeout counts from the spawn; the "start" line comes after bash has started, which
# under load can be tens of ms later: hence the low end of the window.
hi = 0.3 + 0.5 * scale
ok(all(0.2 <= d <= hi for d in lat),
   f"each ended ~300 ms after its start: {' '.join(f'{d * 1000:.0f}' for d in lat)} ms (window 200..{hi * 1000:.0f})")
starts = [runs[p]["start"] for p in order]
devs = [(t - starts[0]) - k for k, t in enumerate(starts)]
worst = max(devs, key=abs)
ok(abs(worst) <= 0.15 * scale,
   f"the next run at the next slot: {len(starts)} starts on t0 + k s, max deviation {worst * 1000:+.2f} ms")
EOF

rc=0
stop_thrd || rc=$?
expect_eq "thrd exits 0 on SIGTERM" 0 "$rc"
finish
