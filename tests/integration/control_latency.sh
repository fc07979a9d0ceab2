#!/usr/bin/env bash
# pause, stop and kill take effect at once, even in the middle of a job's long wait: a 3s job
# is paused, resumed, stopped, started, killed and restarted half-way between two runs. Each
# thrctl reply comes well under 100 ms in a normal build (asserted < 1 s x scale to stay
# robust; the figures are printed), the state shows right at the reply, the job's thread
# (named after it in ps -T) is gone when stop or kill replies, and start/restart run the job on
# a new thread.
. "$(dirname "$0")/lib.sh"
setup control_latency

write_config "$CFG" '{
  "jobs": [
    { "name": "slow", "task": "timestamp", "every": "3s" },
    { "name": "witness", "task": "timestamp", "every": "1h" }
  ]
}'
start_thrd -c "$CFG"
wait_until 10 runs_at_least slow 1 || die "slow made no first run"
LIMIT_MS=$(scaled_ms 1)
ROUNDS=3
declare -A LAT  # command -> "ms ms ms"

# measure LABEL CMD JOB: runs thrctl CMD JOB, records its wall time.
measure() {
  local cmd=$1 job=$2
  ctl "$cmd" "$job"
  local ms=$CTL_MS us=$CTL_US
  LAT[$cmd]+="$(awk -v u="$us" 'BEGIN { printf "%.1f", u / 1000 }') "
  expect_eq "$cmd $job: exit" 0 "$CTL_RC"
  if ((ms < LIMIT_MS)); then
    pass "$cmd $job: reply in $(awk -v u="$us" 'BEGIN { printf "%.1f", u / 1000 }') ms"
  else
    fail "$cmd $job: reply took $ms ms (limit $LIMIT_MS ms)"
  fi
}

# mid_wait JOB: sleeps until half-way to JOB's next run (scenario timeline, not a settle).
has_next_run() { [[ "$(job_field "$1" next_run)" != null ]]; }
mid_wait() {
  local next
  # (next_run is null while a run is in progress, for a few microseconds here.)
  wait_until 5 has_next_run "$1" || die "$1 has no next_run"
  next=$(job_field "$1" next_run)
  local due
  due=$(iso_ms "$next")
  local target=$((due - 1500))
  # The next run must still be ahead, or the command would not land in a wait.
  if ((target < $(now_ms) + 20)); then target=$((target + 3000)); fi
  sleep_until "$target"
}

# thread_gone LABEL TID: the job's thread is gone at once, from ps -T.
thread_gone() {
  local label=$1 tid=$2
  if ps -T -o spid= -p "$THRD_PID" | tr -d ' ' | grep -qxF -- "$tid"; then
    fail "$label: thread $tid still listed by ps -T right after the reply"
    if wait_until 1 no_tid "$THRD_PID" "$tid"; then log "        (it was gone soon after)"; fi
  else
    pass "$label: thread $tid gone from ps -T"
  fi
  if thread_names "$THRD_PID" | grep -qxF slow; then
    fail "$label: a thread named slow is still listed"
  fi
}

# new_thread LABEL: right after a start or restart reply, the job runs on a live thread:
# status shows its thread_id and next_run at once (protocol.md: start answers "when the new
# threads run"). Sets TID_NOW; waits for it if it is missing, so one lapse does not cascade.
has_thread_id() { [[ "$(job_field slow thread_id)" != null ]]; }
new_thread() {
  local out
  out=$("$THRCTL" -s "$SOCK" --json status slow)
  TID_NOW=$(json_get 'd["jobs"][0]["thread_id"]' "$out")
  local next
  next=$(json_get 'd["jobs"][0]["next_run"]' "$out")
  expect_eq "$1: state at once" running "$(json_get 'd["jobs"][0]["state"]' "$out")"
  if [[ "$TID_NOW" == null || "$next" == null ]]; then
    fail "$1: right after the reply, thread_id=$TID_NOW next_run=$next (the new thread is not running yet)"
    wait_until 5 has_thread_id || die "$1: no thread_id at all"
    TID_NOW=$(job_field slow thread_id)
  else
    pass "$1: thread_id and next_run shown at once"
  fi
}

# Baseline: what a thrctl round trip costs with nothing to do.
for i in 1 2 3; do
  ctl ping
  LAT[ping]+="$(awk -v u="$CTL_US" 'BEGIN { printf "%.1f", u / 1000 }') "
done

witness_tid=$(job_field witness thread_id)
tid=$(job_field slow thread_id)
expect_eq "slow's thread is named after the job" slow "$(cat "/proc/$THRD_PID/task/$tid/comm")"
declare -A SEEN_TIDS=([$tid]=1)

for round in $(seq 1 "$ROUNDS"); do
  log "-- round $round"

  mid_wait slow
  runs=$(job_field slow runs)
  measure pause slow
  out=$("$THRCTL" -s "$SOCK" --json status slow)
  expect_eq "right after pause: state" paused "$(json_get 'd["jobs"][0]["state"]' "$out")"
  expect_eq "right after pause: next_run" null "$(json_get 'd["jobs"][0]["next_run"]' "$out")"
  expect_eq "right after pause: no run since" "$runs" "$(json_get 'd["jobs"][0]["runs"]' "$out")"
  expect_eq "paused job keeps its thread" "$tid" "$(json_get 'd["jobs"][0]["thread_id"]' "$out")"

  measure resume slow
  expect_eq "right after resume: state" running "$(job_state slow)"

  mid_wait slow
  measure stop slow
  out=$("$THRCTL" -s "$SOCK" --json status slow)
  thread_gone "stop" "$tid"
  expect_eq "right after stop: state" stopped "$(json_get 'd["jobs"][0]["state"]' "$out")"
  expect_eq "right after stop: thread_id" null "$(json_get 'd["jobs"][0]["thread_id"]' "$out")"

  measure start slow
  new_thread "start"
  tid=$TID_NOW
  if [[ -n "${SEEN_TIDS[$tid]:-}" ]]; then fail "start reused thread id $tid"; else pass "start: new thread $tid"; fi
  SEEN_TIDS[$tid]=1
  expect_true "start: the new thread is listed by ps -T as slow" has_thread "$THRD_PID" slow

  mid_wait slow
  measure kill slow
  out=$("$THRCTL" -s "$SOCK" --json status slow)
  thread_gone "kill" "$tid"
  expect_eq "right after kill: state" killed "$(json_get 'd["jobs"][0]["state"]' "$out")"

  measure start slow
  new_thread "start after kill"
  tid=$TID_NOW
  if [[ -n "${SEEN_TIDS[$tid]:-}" ]]; then fail "start after kill reused thread id $tid"; else pass "start after kill: new thread $tid"; fi
  SEEN_TIDS[$tid]=1

  mid_wait slow
  measure restart slow
  new_thread "restart"
  expect_ne "restart: new thread" "$tid" "$TID_NOW"
  if has_tid "$THRD_PID" "$tid"; then fail "restart: old thread $tid still there"; fi
  tid=$TID_NOW
  SEEN_TIDS[$tid]=1
done

expect_eq "witness job untouched: same thread" "$witness_tid" "$(job_field witness thread_id)"
expect_eq "witness job untouched: running" running "$(job_state witness)"

# The same, faster than a person: stop and kill replies checked against /proc at once, many
# times, through the protocol (a thrctl + ps round trip is too slow to see a thread that
# outlives the reply by microseconds).
log "-- thread gone at the very reply, 100 stops and 100 kills; thread there after 200 starts"
py_checks "$SOCK" "$THRD_PID" "$(scaled 30)" <<'EOF'
import json, os, socket, sys, time
path, pid, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(timeout)
s.connect(path)
f = s.makefile("rw")
def call(req):
    f.write(json.dumps(req) + "\n"); f.flush()
    return json.loads(f.readline())
lingering = {"stop": 0, "kill": 0}
not_yet = 0  # start replies after which status showed no thread_id yet
no_next = 0  # ... a thread_id but no next_run (null during run 0, though the job is running)
tid = None
for i in range(200):
    cmd = "stop" if i % 2 == 0 else "kill"
    deadline = time.monotonic() + timeout
    while tid is None and time.monotonic() < deadline:
        tid = call({"cmd": "status", "jobs": ["slow"]})["jobs"][0]["thread_id"]
    r = call({"cmd": cmd, "jobs": ["slow"]})
    if os.path.exists(f"/proc/{pid}/task/{tid}"):
        lingering[cmd] += 1
    call({"cmd": "start", "jobs": ["slow"]})
    j = call({"cmd": "status", "jobs": ["slow"]})["jobs"][0]
    if j["thread_id"] is None:
        not_yet += 1
    elif j["next_run"] is None:
        no_next += 1
    tid = j["thread_id"]
for cmd, n in lingering.items():
    ok = n == 0
    print(f"  {'ok  ' if ok else 'FAIL'}  {cmd}: the job's thread was gone at the reply "
          f"{100 - n} times out of 100{'' if ok else ' (still in /proc/PID/task ' + str(n) + ' times)'}")
ok = not_yet == 0
print(f"  {'ok  ' if ok else 'FAIL'}  start: thread_id shown right after the reply {200 - not_yet} times out of 200")
ok = no_next == 0
print(f"  {'ok  ' if ok else 'FAIL'}  start: next_run shown right after the reply (the job is running) "
      f"{200 - not_yet - no_next} times out of {200 - not_yet}")
EOF

log "-- latency figures (ms, one per round; thrctl process included)"
for cmd in ping pause resume stop kill start restart; do
  log "$(printf '  %-8s %s' "$cmd" "${LAT[$cmd]:-}")"
done

finish
