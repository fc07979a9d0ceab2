#!/usr/bin/env bash
# Every cell of CONTRACT.md's state table (6 commands x 5 states), through thrctl: exit code
# (0 for a change or a no-op, 1 for a refusal with "job X is <state>; use start" on stderr),
# what thrctl prints, the reply's state, and the job's state afterwards. Then the --all
# variants, which skip the jobs where the command is refused and exit 0.
. "$(dirname "$0")/lib.sh"
setup state_table

# `t` is a timestamp job; `x` is named in THRD_TEST_FAULT_JOBS, so its task throws at its first
# run and its thread ends `failed`: the way to reach `failed` from outside. Long periods: nothing happens on its
# own during the test except x's failure at each (re)start.
write_config "$CFG" '{
  "jobs": [
    { "name": "t", "task": "timestamp", "every": "1h" },
    { "name": "x", "task": "exec", "command": ["true"], "every": "1h" }
  ]
}'
export THRD_TEST_FAULT_JOBS=x
start_thrd -c "$CFG"

# into JOB STATE: brings JOB into STATE through thrctl.
into() {
  local job=$1 state=$2
  case $state in
    running) ctl_ok restart "$job" ;;
    paused) ctl_ok restart "$job" && ctl_ok pause "$job" ;;
    stopped) ctl_ok restart "$job" && ctl_ok stop "$job" ;;
    killed) ctl_ok restart "$job" && ctl_ok kill "$job" ;;
    failed)
      ctl_ok restart "$job"
      wait_until 10 state_is "$job" failed ||
        die "job $job did not end 'failed' (state $(job_state "$job"))"
      ;;
  esac
  local now
  now=$(job_state "$job")
  [[ "$now" == "$state" ]] || die "could not bring $job into $state (it is $now)"
}

# The contract's table: EXPECT[command.state] = resulting state, or "noop", or "refused".
declare -A EXPECT=(
  [pause.running]=paused [pause.paused]=noop [pause.stopped]=refused [pause.killed]=refused [pause.failed]=refused
  [resume.running]=noop [resume.paused]=running [resume.stopped]=refused [resume.killed]=refused [resume.failed]=refused
  [stop.running]=stopped [stop.paused]=stopped [stop.stopped]=noop [stop.killed]=noop [stop.failed]=noop
  [kill.running]=killed [kill.paused]=killed [kill.stopped]=noop [kill.killed]=noop [kill.failed]=noop
  [start.running]=noop [start.paused]=noop [start.stopped]=running [start.killed]=running [start.failed]=running
  [restart.running]=running [restart.paused]=running [restart.stopped]=running [restart.killed]=running
  [restart.failed]=running
)

cell() {
  local cmd=$1 state=$2 job=t
  [[ $state == failed ]] && job=x
  local want=${EXPECT[$cmd.$state]}
  into "$job" "$state"
  local label="$cmd on $state"
  local tid_before
  tid_before=$(job_field "$job" thread_id)

  # People's output.
  ctl "$cmd" "$job"
  local rc=$CTL_RC out=$CTL_OUT err=$CTL_ERR
  case $want in
    refused)
      expect_eq "$label: exit" 1 "$rc"
      expect_contains "$label: stderr" "job $job is $state; use start" "$err"
      expect_eq "$label: stdout" "" "$out"
      expect_eq "$label: state after" "$state" "$(job_state "$job")"
      ;;
    noop)
      expect_eq "$label: exit" 0 "$rc"
      expect_eq "$label: stdout" "$job: already $state" "$out"
      expect_eq "$label: stderr" "" "$err"
      expect_eq "$label: state after" "$state" "$(job_state "$job")"
      # A no-op leaves a live thread alone.
      expect_eq "$label: same thread" "$tid_before" "$(job_field "$job" thread_id)"
      ;;
    *)
      expect_eq "$label: exit" 0 "$rc"
      expect_eq "$label: stdout" "$job: $want" "$out"
      expect_eq "$label: stderr" "" "$err"
      local after
      after=$(job_state "$job")
      if [[ $job == x && $want == running ]]; then
        # x fails again as soon as its new thread runs: running, then failed.
        expect_match "$label: state after" '^(running|failed)$' "$after"
      else
        expect_eq "$label: state after" "$want" "$after"
      fi
      ;;
  esac

  # The same cell again with --json: the reply object, same exit code.
  into "$job" "$state"
  ctl --json "$cmd" "$job"
  if ! is_json_object "$CTL_OUT"; then
    fail "$label --json: stdout is not one JSON object: $CTL_OUT"
    return
  fi
  local entry
  entry=$(json_get 'd["jobs"][0]' "$CTL_OUT")
  case $want in
    refused)
      expect_eq "$label --json: exit" 1 "$CTL_RC"
      expect_eq "$label --json: ok" false "$(json_get 'd["ok"]' "$CTL_OUT")"
      expect_eq "$label --json: error code" refused "$(json_get 'd["error"]["code"]' "$CTL_OUT")"
      expect_eq "$label --json: job error" "job $job is $state; use start" \
        "$(json_get 'd["error"]["message"]' "$entry")"
      expect_contains "$label --json: stderr too" "job $job is $state; use start" "$CTL_ERR"
      ;;
    noop)
      expect_eq "$label --json: exit" 0 "$CTL_RC"
      expect_eq "$label --json: entry" "true false $state" \
        "$(json_get '" ".join(json.dumps(d[k]) if k != "state" else d[k] for k in ("ok", "changed", "state"))' "$entry")"
      ;;
    *)
      expect_eq "$label --json: exit" 0 "$CTL_RC"
      expect_eq "$label --json: entry" "true true $want" \
        "$(json_get '" ".join(json.dumps(d[k]) if k != "state" else d[k] for k in ("ok", "changed", "state"))' "$entry")"
      ;;
  esac
}

for cmd in pause resume stop kill start restart; do
  for state in running paused stopped killed failed; do
    log "-- $cmd on a $state job"
    cell "$cmd" "$state"
  done
done

# Threads: start and restart run the job on a fresh thread; stop and kill end it.
log "-- threads follow the state"
into t running
tid1=$(job_field t thread_id)
expect_true "running job t has its thread" has_tid "$THRD_PID" "$tid1"
expect_eq "the thread is named after the job" t "$(cat "/proc/$THRD_PID/task/$tid1/comm")"
ctl_ok restart t
tid2=$(job_field t thread_id)
expect_ne "restart gives t a new thread" "$tid1" "$tid2"
ctl_ok stop t
expect_eq "stopped job has no thread_id" null "$(job_field t thread_id)"
expect_true "t's thread is gone after stop" no_thread "$THRD_PID" t

# --all: acts where the command applies, skips the rest, exit 0.
log "-- --all variants"
write_config "$TMPD/all.json" '{
  "jobs": [
    { "name": "r", "task": "timestamp", "every": "1h" },
    { "name": "p", "task": "timestamp", "every": "1h", "start": "paused" },
    { "name": "s", "task": "timestamp", "every": "1h", "start": "stopped" },
    { "name": "x", "task": "exec", "command": ["true"], "every": "1h" }
  ]
}'
stop_thrd >/dev/null || true
rm -rf "$TMPD/state"
start_thrd -c "$TMPD/all.json"
wait_until 10 state_is x failed || die "x did not end failed"
states() {
  local out
  out=$("$THRCTL" -s "$SOCK" --json status)
  json_get '" ".join(j["name"] + "=" + j["state"] for j in d["jobs"])' "$out"
}
expect_eq "initial states" "r=running p=paused s=stopped x=failed" "$(states)"

ctl --json pause --all
expect_eq "pause --all: exit" 0 "$CTL_RC"
expect_eq "pause --all: acts on r and p only" "r:true p:false" \
  "$(json_get '" ".join(j["name"] + ":" + json.dumps(j["changed"]) for j in d["jobs"])' "$CTL_OUT")"
expect_eq "pause --all: states" "r=paused p=paused s=stopped x=failed" "$(states)"
expect_eq "pause --all: nothing on stderr" "" "$CTL_ERR"

ctl resume --all
expect_eq "resume --all: exit" 0 "$CTL_RC"
expect_eq "resume --all: states" "r=running p=running s=stopped x=failed" "$(states)"
expect_eq "resume --all: nothing on stderr" "" "$CTL_ERR"

ctl_ok stop s
ctl kill --all
expect_eq "kill --all: exit" 0 "$CTL_RC"
expect_eq "kill --all: states" "r=killed p=killed s=stopped x=failed" "$(states)"

ctl pause --all
expect_eq "pause --all with nothing to pause: exit" 0 "$CTL_RC"
expect_eq "pause --all with nothing to pause: states" "r=killed p=killed s=stopped x=failed" "$(states)"

ctl --json start --all
expect_eq "start --all: exit" 0 "$CTL_RC"
expect_eq "start --all: reply" "r=running p=running s=running x=running" \
  "$(json_get '" ".join(j["name"] + "=" + j["state"] for j in d["jobs"])' "$CTL_OUT")"
wait_until 10 state_is x failed || fail "x did not fail again after start --all"
expect_eq "start --all: states" "r=running p=running s=running x=failed" "$(states)"

ctl stop --all
expect_eq "stop --all: exit" 0 "$CTL_RC"
expect_eq "stop --all: states" "r=stopped p=stopped s=stopped x=failed" "$(states)"

ctl restart --all
expect_eq "restart --all: exit" 0 "$CTL_RC"
wait_until 10 state_is x failed || fail "x did not fail again after restart --all"
expect_eq "restart --all: states" "r=running p=running s=running x=failed" "$(states)"

finish
