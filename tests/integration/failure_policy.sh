#!/usr/bin/env bash
# The failure policy of periodic jobs and the on_failure hook (issue 10):
# - max_failures 3: a job whose every run fails is `failed` after exactly 3 runs, with the
#   reason; `start` brings it back;
# - the same limit is never reached by 2 failures and a success, over and over;
# - on_failure gets THRD_JOB, THRD_EVENT, THRD_REASON and THRD_EXIT_STATUS (the hook writes
#   them to a file) for run_failed and for job_failed;
# - a hanging hook is killed after hook_timeout (its process is gone, the log says so), and
#   the job's schedule is unaffected meanwhile (runs keep their rate, nothing missed).
. "$(dirname "$0")/lib.sh"
setup failure_policy

HOOKS=$TMPD/hooks
HANG_PIDS=$TMPD/hang_pids
HANG_RUNS=$TMPD/hang_runs
MIXED=$TMPD/mixed
write_config "$CFG" '{
  "jobs": [
    { "name": "three", "task": "exec", "every": "100ms", "max_failures": 3, "command": "exit 3",
      "on_failure": "printf \"%s|%s|%s|%s\\n\" \"$THRD_JOB\" \"$THRD_EVENT\" \"$THRD_REASON\" \"$THRD_EXIT_STATUS\" >> '"$HOOKS"'" },
    { "name": "mixed", "task": "exec", "every": "100ms", "max_failures": 3,
      "command": "n=$(cat '"$MIXED"' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '"$MIXED"'; [ $((n % 3)) -eq 0 ]" },
    { "name": "hang", "task": "exec", "every": "200ms", "command": "date +%s%3N >> '"$HANG_RUNS"'; exit 1",
      "hook_timeout": "1s",
      "on_failure": "echo $$ $(date +%s%3N) >> '"$HANG_PIDS"'; echo hook started; exec sleep 600" }
  ]
}'
start_thrd -c "$CFG"

log "-- max_failures 3"
wait_until 10 state_is three failed || die "three did not go failed ($(job_state three))"
out=$("$THRCTL" -s "$SOCK" --json status three)
expect_eq "three: runs" 3 "$(json_get 'd["jobs"][0]["runs"]' "$out")"
expect_eq "three: failures" 3 "$(json_get 'd["jobs"][0]["failures"]' "$out")"
expect_eq "three: failure_streak" 3 "$(json_get 'd["jobs"][0]["failure_streak"]' "$out")"
expect_eq "three: last_error" "max_failures: 3 failed runs in a row; last: exit status 3" \
  "$(json_get 'd["jobs"][0]["last_error"]' "$out")"
expect_eq "three: next_run" null "$(json_get 'd["jobs"][0]["next_run"]' "$out")"

log "-- the hook's environment"
has_job_failed() { grep -q '|job_failed|' "$HOOKS" 2>/dev/null; }
wait_until 10 has_job_failed || die "no job_failed hook ran: $(cat "$HOOKS" 2>/dev/null)"
first=$(head -n 1 "$HOOKS")
expect_eq "first hook: run_failed" "three|run_failed|exit status 3|3" "$first"
expect_eq "last hook: job_failed" \
  "three|job_failed|max_failures: 3 failed runs in a row; last: exit status 3|3" "$(tail -n 1 "$HOOKS")"
log "  hooks run: $(wc -l <"$HOOKS") (events meanwhile coalesce to the latest)"

log "-- start brings it back"
ctl start three
expect_eq "start of a failed job: exit" 0 "$CTL_RC"
wait_until 10 state_is three failed || die "three did not go failed again"
expect_eq "three: runs after start and 3 more failures" 6 "$(job_field three runs)"

log "-- 2 failures and a success never reach max_failures 3"
wait_until 20 runs_at_least mixed 12 || die "mixed: fewer than 12 runs"
out=$("$THRCTL" -s "$SOCK" --json status mixed)
expect_eq "mixed: state after $(json_get 'd["jobs"][0]["runs"]' "$out") runs" running \
  "$(json_get 'd["jobs"][0]["state"]' "$out")"
f=$(json_get 'd["jobs"][0]["failures"]' "$out")
((f >= 8)) && pass "mixed: $f failures counted" || fail "mixed: only $f failures"

log "-- a hanging hook is killed after hook_timeout; the schedule goes on"
hook_started() { [[ -s "$HANG_PIDS" ]]; }
wait_until 10 hook_started || die "hang: the hook never started"
read -r HP HT < <(head -n 1 "$HANG_PIDS")
killed_logged() { "$THRCTL" -s "$SOCK" logs hang -n 1000 | grep -qF '[thrd] on_failure hook failed: killed after 1s (hook_timeout)'; }
wait_until 10 killed_logged || fail "hang: the log never said the hook was killed"
expect_true "hang: the first hook process ($HP) is gone" wait_until 5 not_alive "$HP"
# The runs that started while that hook hung (from its start, for its 1 s).
n=$(awk -v t="$HT" '$1 >= t && $1 < t + 1000' "$HANG_RUNS" | wc -l)
log "  $n runs started in the 1 s the first hook hung (every 200ms)"
((n >= 3)) && pass "the job kept its schedule while its hook hung" || fail "only $n runs in that second"
expect_eq "hang: missed" 0 "$(job_field hang missed)"
expect_eq "hang: state" running "$(job_state hang)"
got=$("$THRCTL" -s "$SOCK" logs hang -n 1000)
expect_contains "the hook's output is in the job's log" "[on_failure] hook started" "$got"

rc=0
stop_thrd || rc=$?
expect_eq "thrd exits 0 on SIGTERM" 0 "$rc"
finish
