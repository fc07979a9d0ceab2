#!/usr/bin/env bash
# The seed scenario: two 1s timestamp jobs `a` and `b`. Run 3 s, pause `a` half-way between
# two runs, 3 s, resume, 3 s, pause, 2 s, stop. Checks, from `thrctl --json status` polled all
# along (last_run has ms precision):
#  - no run of `a` after a pause reply: its runs counter stays put across both pause windows;
#  - no catch-up at resume: at most one run in the first 1.4 s after it (the slots are
#    half a period and 1.5 periods away), about one a second afterwards, missed stays 0;
#  - every run of `a` on its original 1s grid (each last_run is a whole number of seconds
#    after the first one seen, within 150 ms x scale), before and after the pause;
#  - `b` untouched: running in every poll, same thread throughout, about one run a second on
#    its own grid.
. "$(dirname "$0")/lib.sh"
setup seed

write_config "$CFG" '{
  "jobs": [
    { "name": "a", "task": "timestamp", "every": "1s" },
    { "name": "b", "task": "timestamp", "every": "1s" }
  ]
}'
EVENTS=$TMPD/events
POLL=$TMPD/poll
: >"$EVENTS"

event() { printf '%s %s\n' "$1" "${EPOCHREALTIME/./}" >>"$EVENTS"; }  # name, wall us

start_thrd -c "$CFG"
event started
wait_until 10 runs_at_least a 1 || die "a made no run"

# The poller: status of both jobs as often as thrctl allows (about every 50 ms), each line
# "<us before> <us after> <reply>".
(
  while [[ ! -e "$TMPD/stop-polling" ]]; do
    tb=${EPOCHREALTIME/./}
    out=$("$THRCTL" -s "$SOCK" --json status a b 2>/dev/null) || out="{}"
    ta=${EPOCHREALTIME/./}
    printf '%s %s %s\n' "$tb" "$ta" "$out"
    sleep 0.05
  done
) >"$POLL" &
bg_track $!
wait_until 10 test -s "$POLL" || die "the status poller got nothing"

# at_mid_period JOB: sleeps until half-way between JOB's runs (scenario timeline).
has_next_run() { [[ "$(job_field "$1" next_run)" != null ]]; }
at_mid_period() {
  local due target
  # (next_run is null while a run is in progress, for a few microseconds here.)
  wait_until 5 has_next_run "$1" || die "$1 has no next_run"
  due=$(iso_ms "$(job_field "$1" next_run)")
  target=$((due - 500))
  if ((target < $(now_ms) + 50)); then target=$((target + 1000)); fi
  sleep_until "$target"
}

# cmd_a COMMAND: thrctl COMMAND a, with events around it; dies on failure.
cmd_a() {
  event "$1-sent"
  ctl "$1" a
  event "$1-replied"
  ((CTL_RC == 0)) || die "thrctl $1 a exited $CTL_RC: $CTL_ERR"
  log "  $1 a: reply in $CTL_MS ms"
}

log "-- 3 s running"
sleep 3
at_mid_period a
t_pause=$(now_ms)  # the timeline below is anchored here, half-way between two runs
cmd_a pause
runs_paused=$(job_field a runs)
expect_eq "a paused" paused "$(job_state a)"

log "-- 3 s paused"
sleep_until $((t_pause + 3000))
expect_eq "no run of a while paused" "$runs_paused" "$(job_field a runs)"
cmd_a resume
runs_resumed=$(job_field a runs)
expect_eq "a running again" running "$(job_state a)"
expect_eq "no run at the very resume" "$runs_paused" "$runs_resumed"

log "-- 3 s running"
sleep_until $((t_pause + 6000))
cmd_a pause
runs_paused2=$(job_field a runs)
d=$((runs_paused2 - runs_resumed))
if ((d >= 2 && d <= 4)); then pass "a ran $d times in the 3 s after resume"; else fail "a ran $d times in the 3 s after resume (expected 3, no burst)"; fi

log "-- 2 s paused"
sleep_until $((t_pause + 8000))
expect_eq "no run of a in the second pause" "$runs_paused2" "$(job_field a runs)"
cmd_a stop
expect_eq "a stopped" stopped "$(job_state a)"
expect_eq "a missed no slot (paused slots are skipped, not missed)" 0 "$(job_field a missed)"
expect_eq "b still running" running "$(job_state b)"

# Once the poller has seen the final state, stop it.
stop_us=$(awk '$1 == "stop-replied" { print $2 }' "$EVENTS")
polled_since() { [[ "$(tail -n 1 "$POLL" | cut -d' ' -f1)" -gt "$1" ]]; }
wait_until 10 polled_since "$stop_us" || fail "the poller saw nothing after the stop"
touch "$TMPD/stop-polling"
wait_until 10 not_alive "${BG_PIDS[-1]}" || fail "the poller did not stop"
expect_eq "b missed no slot" 0 "$(job_field b missed)"
log "  $(wc -l <"$POLL") status polls"

log "-- the timeline, from the polls"
py_checks "$POLL" "$EVENTS" "$TIME_SCALE" <<'EOF'
import datetime, json, sys

poll_file, events_file, scale = sys.argv[1], sys.argv[2], float(sys.argv[3])
TOL = 150 * scale  # ms off the grid allowed

def check(what, cond, detail=""):
    print(f"  {'ok  ' if cond else 'FAIL'}  {what}{'' if cond else ' ' + detail}", flush=True)

def iso_ms(s):
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return round(t.timestamp() * 1000)

ev = {}
for line in open(events_file):
    name, us = line.split()
    ev.setdefault(name, []).append(int(us) / 1000)
pause1_sent, pause2_sent = ev["pause-sent"]
pause1, pause2 = ev["pause-replied"]
resume_sent, resume = ev["resume-sent"][0], ev["resume-replied"][0]
stop_sent = ev["stop-sent"][0]

polls = []  # (before ms, after ms, {name: job})
bad = 0
for line in open(poll_file):
    parts = line.rstrip("\n").split(" ", 2)
    if len(parts) < 3:
        continue
    try:
        reply = json.loads(parts[2])
        jobs = {j["name"]: j for j in reply["jobs"]}
    except (ValueError, KeyError, TypeError):
        bad += 1
        continue
    polls.append((int(parts[0]) / 1000, int(parts[1]) / 1000, jobs))
check(f"{len(polls)} status polls parsed", len(polls) > 50 and bad <= 2, f"{bad} unreadable")

def runs_of(name):
    return [(b, a, j[name]["runs"], j[name]["last_run"], j[name]) for b, a, j in polls if name in j]

a = runs_of("a")
# Runs counter constant across each pause window (polls wholly inside it).
for label, start, end in (("first pause", pause1, resume_sent), ("second pause", pause2, stop_sent)):
    inside = [r for b, af, r, _, _ in a if b >= start and af <= end]
    check(f"a: runs constant through the {label} ({len(inside)} polls, {(end - start) / 1000:.1f} s)",
          len(inside) > 5 and len(set(inside)) == 1, repr(sorted(set(inside))))

# No run started after a pause reply, until the resume.
last_runs = sorted({iso_ms(lr) for _, _, _, lr, _ in a if lr})
for label, start, end in (("first pause", pause1, resume_sent), ("second pause", pause2, stop_sent + 1000)):
    late = [t for t in last_runs if start <= t <= end]
    check(f"a: no run started in the {label}", not late, repr(late))

# No catch-up: after the resume, a's runs never exceed the slots of its grid that have come
# since (a burst of the slots skipped while paused would), and keep up with them.
t0 = min(iso_ms(lr) for _, _, _, lr, _ in a if lr)
def slots(since, until):  # grid slots t0 + k*1000 in (since, until]
    return max(0, (until - t0) // 1000 - (since - t0) // 1000)
runs_at_resume = max([r for b, af, r, _, _ in a if af <= resume_sent] or [0])
after = [(b, af, r) for b, af, r, _, _ in a if b >= resume and af <= pause2_sent]
ahead = [(round(af - resume), r - runs_at_resume, slots(resume_sent, af + TOL)) for b, af, r in after
         if r - runs_at_resume > slots(resume_sent, af + TOL)]
check(f"a: no catch-up after resume: runs never ahead of the grid's slots ({len(after)} polls)",
      len(after) > 5 and not ahead, "(ms after resume, runs since, slots since): " + repr(ahead))
behind = [(round(b - resume), r - runs_at_resume, slots(resume, b - TOL)) for b, af, r in after
          if r - runs_at_resume < slots(resume, b - TOL)]
check("a: after resume, runs keep up with the grid's slots", not behind,
      "(ms after resume, runs since, slots since): " + repr(behind))
first_after = [t for t in last_runs if t > resume_sent]
if first_after:
    gap = first_after[0] - resume_sent
    check(f"a: the first run after resume came {gap:.0f} ms after it (the next slot, within a period)",
          gap <= 1000 + TOL, "")

# Every run on the original grid.
def grid(name, times):
    t0 = times[0]
    off = [((t - t0 + 500) % 1000) - 500 for t in times]
    worst = max(off, key=abs)
    check(f"{name}: {len(times)} runs seen, all on the 1s grid of the first (worst {worst:+.0f} ms, "
          f"allowed ±{TOL:.0f})", all(abs(o) <= TOL for o in off), repr(list(zip(times, off))))
    gaps = [t2 - t1 for t1, t2 in zip(times, times[1:])]
    return gaps

gaps = grid("a", last_runs)
check("a: runs seen both before the first pause and after the resume",
      any(t < pause1 for t in last_runs) and any(t > resume for t in last_runs))
# Spacing: consecutive runs are ~1 s apart except across a pause (a whole number of seconds).
short = [g for g in gaps if g < 1000 - TOL]
check("a: no two runs closer than a period (no burst)", not short, repr(short))

# b: untouched.
b = runs_of("b")
states = {j["state"] for _, _, _, _, j in b}
check("b: running in every poll", states == {"running"}, repr(states))
tids = {j["thread_id"] for _, _, _, _, j in b}
check("b: one thread throughout", len(tids) == 1 and None not in tids, repr(tids))
b_last = sorted({iso_ms(lr) for _, _, _, lr, _ in b if lr})
grid("b", b_last)
span = (b[-1][1] - b[0][0]) / 1000
made = b[-1][2] - b[0][2]
check(f"b: {made} runs in {span:.1f} s of polling (about one a second)", abs(made - span) <= 2, "")
EOF

log "-- logs agree with the counters"
ctl_ok logs a
expect_eq "a logged one line per run" "$(job_field a runs)" "$(printf '%s\n' "$CTL_OUT" | grep -c .)"

finish
