#!/usr/bin/env bash
# Control of services (issue 10):
# - `stop` of a service waiting in a 1 min backoff replies at once (and `kill` likewise);
# - `pause` of a service freezes its process group (every process in state T, frozen: true),
#   `resume` continues the same processes;
# - `stop` of a running service ends its group; nothing is left;
# - thrd SIGKILLed while a service runs: nothing of the service remains (the keeper kills
#   its group), checked by pgid and by the test's process tag at cleanup.
. "$(dirname "$0")/lib.sh"
setup service_control

write_config "$CFG" '{
  "jobs": [
    { "name": "slowback", "task": "exec", "backoff": "1m", "command": "exit 1" },
    { "name": "killback", "task": "exec", "backoff": "1m", "command": "exit 1" },
    { "name": "worker", "task": "exec", "command": "sleep 600 & sleep 600 & wait" }
  ]
}'
start_thrd -c "$CFG"

in_backoff() {
  local out
  out=$("$THRCTL" -s "$SOCK" --json status "$1") || return 1
  [[ "$(json_get 'd["jobs"][0]["runs"]' "$out")" == 1 &&
    "$(json_get 'd["jobs"][0]["next_run"]' "$out")" != null &&
    "$(json_get 'd["jobs"][0]["state"]' "$out")" == running ]]
}
log "-- stop and kill in a 1 min backoff"
for j in slowback killback; do
  wait_until 10 in_backoff "$j" || die "$j: not in backoff: $("$THRCTL" -s "$SOCK" --json status "$j")"
done
next=$(job_field slowback next_run)
left_ms=$(($(iso_ms "$next") - $(now_ms)))
log "  slowback: next_run in $left_ms ms"
((left_ms > 50000)) && pass "next_run is about a minute away" || fail "next_run only $left_ms ms away"
ctl stop slowback
expect_eq "stop in backoff: exit" 0 "$CTL_RC"
log "  stop in backoff replied in $CTL_MS ms"
((CTL_MS < $(scaled_ms 1))) && pass "stop replied at once ($CTL_MS ms)" || fail "stop took $CTL_MS ms"
expect_eq "state after stop" stopped "$(job_state slowback)"
expect_eq "next_run after stop" null "$(job_field slowback next_run)"
ctl kill killback
expect_eq "kill in backoff: exit" 0 "$CTL_RC"
log "  kill in backoff replied in $CTL_MS ms"
((CTL_MS < $(scaled_ms 1))) && pass "kill replied at once ($CTL_MS ms)" || fail "kill took $CTL_MS ms"
expect_eq "state after kill" killed "$(job_state killback)"

log "-- pause freezes, resume continues"
has_pid() { [[ "$(job_field worker pid)" != null ]]; }
wait_until 10 has_pid || die "worker: no process"
PGID=$(job_field worker pid)
group_count() { group_pids "$PGID" | wc -l; }
three_up() { (($(group_count) == 3)); }
wait_until 10 three_up || die "worker: expected 3 processes in group $PGID: $(group_ps "$PGID" | tr '\n' ';')"
group_frozen() {
  local lines
  lines=$(group_ps "$PGID")
  (($(wc -l <<<"$lines") == 3)) || return 1
  ! awk '!($2 ~ /^T/ || ($2 ~ /^D/ && $3 ~ /^(sh|dash|bash)$/)) { bad = 1 } END { exit !bad }' <<<"$lines"
}
group_thawed() { ! group_ps "$PGID" | awk '$2 ~ /^T/ { f = 1 } END { exit !f }'; }
ctl pause worker
expect_eq "pause: exit" 0 "$CTL_RC"
if wait_until 5 group_frozen; then
  pass "every process of group $PGID in state T: $(group_ps "$PGID" | tr '\n' ';')"
else
  fail "group $PGID not frozen: $(group_ps "$PGID" | tr '\n' ';')"
fi
expect_eq "status: paused" paused "$(job_state worker)"
expect_eq "status: frozen" true "$(job_field worker frozen)"
ctl resume worker
expect_eq "resume: exit" 0 "$CTL_RC"
expect_true "the group runs again" wait_until 5 group_thawed
expect_eq "status: running" running "$(job_state worker)"
expect_eq "status: frozen after resume" false "$(job_field worker frozen)"
expect_eq "the same process goes on (pid)" "$PGID" "$(job_field worker pid)"
expect_eq "no run ended (runs)" 0 "$(job_field worker runs)"
up=$(job_field worker uptime_ms)
[[ "$up" =~ ^[0-9]+$ ]] && pass "uptime_ms: $up" || fail "uptime_ms: $up"

log "-- stop of a running service"
ctl stop worker
expect_eq "stop: exit" 0 "$CTL_RC"
expect_true "the group is gone at the reply" group_gone "$PGID"
expect_eq "failures after stop" 0 "$(job_field worker failures)"

log "-- thrd SIGKILLed with a service running"
ctl start worker
wait_until 10 has_pid || die "worker: no process after start"
PGID=$(job_field worker pid)
wait_until 10 three_up || die "worker: expected 3 processes in group $PGID"
PIDS=$(group_pids "$PGID" | tr '\n' ' ')
kill -KILL "$THRD_PID"
T0=$(now_ms)
wait "$THRD_PID" 2>/dev/null || true
# Zombies are init's to reap now (a container's init may be slow at it): count live ones.
none_alive() {
  local p
  for p in "$@"; do alive "$p" && return 1; done
  return 0
}
# shellcheck disable=SC2086
if wait_until 10 none_alive $PIDS; then
  pass "nothing of the service's group $PGID ($PIDS) alive $(($(now_ms) - T0)) ms after thrd's SIGKILL"
else
  fail "left in group $PGID: $(group_ps "$PGID" | tr '\n' ';')"
fi
finish
