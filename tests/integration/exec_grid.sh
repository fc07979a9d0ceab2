#!/usr/bin/env bash
# Real runs stay on the fixed-rate grid (issue 4, "Schedule with real runs"):
# - `grid`, a 0.3 s command every 1 s, writes its own start time: 10 runs, each within a loose
#   bound (150 ms x scale) of t0 + k s, t0 being the first run's own start; no slot missed.
#   The real maximum deviation is printed (it goes in the issue note).
# - `over`, a 1.5 s command every 1 s, writes "start T PID" and "end T PID": never two runs at
#   once (no start before the previous run's end), every start on the grid of the first, each
#   next run at the first slot after the previous end (2 s later), and `missed` counted,
#   about one per run.
# - `pid` in status is the run's own pid ($$ of the command) during a run.
# Both jobs run at the same time in one thrd.
. "$(dirname "$0")/lib.sh"
setup exec_grid

GRID_FILE=$TMPD/grid.times
OVER_FILE=$TMPD/over.times
write_config "$CFG" '{
  "jobs": [
    { "name": "grid", "task": "exec", "every": "1s",
      "command": ["bash", "-c", "echo $EPOCHREALTIME $$ >> '"$GRID_FILE"'; sleep 0.3"] },
    { "name": "over", "task": "exec", "every": "1s",
      "command": ["bash", "-c", "echo start $EPOCHREALTIME $$ >> '"$OVER_FILE"'; sleep 1.5; echo end $EPOCHREALTIME $$ >> '"$OVER_FILE"'"] }
  ]
}'
start_thrd -c "$CFG"

# pid during a run: status shows the pid of the command itself.
# One query both sees the pid and keeps it: a second one may come after the 0.3 s run ended.
run_pid=null
has_pid() { run_pid=$(job_field grid pid) && [[ "$run_pid" != null ]]; }
wait_until 5 has_pid || die "grid: status never showed a pid during a run"
if wait_until 3 grep -q " $run_pid\$" "$GRID_FILE"; then
  pass "grid: status pid $run_pid is the run's own \$\$"
else
  fail "grid: status pid $run_pid is not a run's \$\$ ($(tr '\n' ' ' <"$GRID_FILE"))"
fi

lines_at_least() { [[ -f "$1" ]] && (($(grep -c "$2" "$1") >= $3)); }
wait_until 20 lines_at_least "$GRID_FILE" . 10 || die "grid: fewer than 10 runs in $(scaled 20)s"
wait_until 20 lines_at_least "$OVER_FILE" '^end ' 5 || die "over: fewer than 5 runs ended in $(scaled 20)s"
ctl_ok stop grid over
expect_eq "grid: pid null after stop" null "$(job_field grid pid)"
expect_eq "grid: missed" 0 "$(job_field grid missed)"
GRID_FAILURES=$(job_field grid failures)
expect_eq "grid: failures" 0 "$GRID_FAILURES"
OVER_STATUS=$("$THRCTL" -s "$SOCK" --json status over)

py_checks "$GRID_FILE" "$OVER_FILE" "$OVER_STATUS" "$TIME_SCALE" <<'EOF'
import json, sys
grid_file, over_file, over_status, scale = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
bound = 0.150 * scale
def ok(cond, msg):
    print(f"  {'ok  ' if cond else 'FAIL'}  {msg}")

# grid: the first 10 starts against t0 + k.
starts = [float(l.split()[0]) for l in open(grid_file) if l.strip()][:10]
devs = [(t - starts[0]) - k for k, t in enumerate(starts)]
worst = max(devs, key=abs)
ok(abs(worst) <= bound,
   f"grid: 10 starts on t0 + k s, max deviation {worst * 1000:+.2f} ms (bound {bound * 1000:.0f} ms)")
print(f"        grid deviations (ms): {' '.join(f'{d * 1000:+.2f}' for d in devs)}")
print(f"        GRID_MAX_DEVIATION_MS={abs(worst) * 1000:.2f} (spread {(max(devs) - min(devs)) * 1000:.2f} ms)")
gaps = [b - a for a, b in zip(starts, starts[1:])]
ok(all(0.5 < g < 1.5 for g in gaps), f"grid: consecutive starts 1 s apart (min {min(gaps):.3f}, max {max(gaps):.3f} s)")

# over: start/end pairs, in order, never overlapping.
events = []
for l in open(over_file):
    kind, t, pid = l.split()
    events.append((kind, float(t), pid))
runs = []  # (start, end or None, pid)
problems = []
for kind, t, pid in events:
    if kind == "start":
        if runs and runs[-1][1] is None:
            problems.append(f"start at {t:.3f} (pid {pid}) while run {runs[-1][2]} had not ended")
        if runs and runs[-1][1] is not None and t < runs[-1][1]:
            problems.append(f"start at {t:.3f} before the previous end {runs[-1][1]:.3f}")
        runs.append([t, None, pid])
    else:
        if not runs or runs[-1][2] != pid or runs[-1][1] is not None:
            problems.append(f"end at {t:.3f} of pid {pid} that is not the run in progress")
            continue
        runs[-1][1] = t
ok(not problems, f"over: {len(runs)} runs, never two at once" + ("" if not problems else ": " + "; ".join(problems)))
ended = [r for r in runs if r[1] is not None]
ok(len(ended) >= 5, f"over: {len(ended)} runs ended")
ok(all(r[1] - r[0] >= 1.5 for r in ended), "over: each run lasted its 1.5 s")
t0 = runs[0][0]
slots = [round(r[0] - t0) for r in runs]
odevs = [(r[0] - t0) - k for r, k in zip(runs, slots)]
oworst = max(odevs, key=abs)
ok(abs(oworst) <= bound,
   f"over: every start on the grid of the first, max deviation {oworst * 1000:+.2f} ms (bound {bound * 1000:.0f} ms)")
print(f"        OVER_MAX_DEVIATION_MS={abs(oworst) * 1000:.2f}; slots {slots}")
# The next run is the first slot at or after the previous end: 1.5 s runs every 1 s start
# 2 slots apart, never late, never at the overlapped slot.
steps = [b - a for a, b in zip(slots, slots[1:])]
ok(all(s == 2 for s in steps), f"over: each run at the first free slot (slot steps {steps})")

j = json.loads(over_status)["jobs"][0]
r, m = j["runs"], j["missed"]
ok(m > 0, f"over: missed counted ({m} missed for {r} runs)")
ok(r - 1 <= m <= r + 1, f"over: about one missed slot per run (missed {m}, runs {r})")
ok(j["failures"] == 0, f"over: no failure (a run ended by stop is not one): {j['failures']}")
EOF

finish
