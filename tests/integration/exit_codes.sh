#!/usr/bin/env bash
# thrctl's exit codes (CONTRACT.md): 0 done; 1 refused or failed (unknown job), with the
# message on stderr; 2 usage errors, even with no daemon; 3 daemon unreachable (no socket,
# stale socket, wrong path, no answer in time, permission denied), naming the path. --json
# prints a JSON object on stdout on failure too, and never changes the exit code.
. "$(dirname "$0")/lib.sh"
setup exit_codes

write_config "$CFG" '{
  "jobs": [
    { "name": "a", "task": "timestamp", "every": "1s" },
    { "name": "b", "task": "timestamp", "every": "1s" },
    { "name": "c", "task": "timestamp", "every": "1s" }
  ]
}'
start_thrd -c "$CFG"

log "-- 0: done"
ctl ping
expect_eq "ping" 0 "$CTL_RC"
ctl status
expect_eq "status" 0 "$CTL_RC"
ctl pause a
expect_eq "pause a" 0 "$CTL_RC"
ctl pause a
expect_eq "pause a again (no-op)" 0 "$CTL_RC"
ctl resume a
expect_eq "resume a" 0 "$CTL_RC"
ctl logs a -n 1
expect_eq "logs a -n 1" 0 "$CTL_RC"
rc=0
THRD_SOCKET=$SOCK "$THRCTL" ping >/dev/null 2>&1 || rc=$?
expect_eq "ping through THRD_SOCKET (no -s)" 0 "$rc"

log "-- 1: unknown job, named on stderr"
ctl pause nosuchjob
expect_eq "pause nosuchjob: exit" 1 "$CTL_RC"
expect_contains "pause nosuchjob: stderr names it" nosuchjob "$CTL_ERR"
ctl status nosuchjob
expect_eq "status nosuchjob: exit" 1 "$CTL_RC"
expect_contains "status nosuchjob: stderr names it" nosuchjob "$CTL_ERR"
ctl logs nosuchjob
expect_eq "logs nosuchjob: exit" 1 "$CTL_RC"
expect_contains "logs nosuchjob: stderr names it" nosuchjob "$CTL_ERR"

log "-- 1: several names, one unknown: the valid ones are acted on"
ctl pause a nosuchjob b
expect_eq "pause a nosuchjob b: exit" 1 "$CTL_RC"
expect_contains "pause a nosuchjob b: stderr names the unknown one" nosuchjob "$CTL_ERR"
expect_eq "pause a nosuchjob b: a paused" paused "$(job_state a)"
expect_eq "pause a nosuchjob b: b paused" paused "$(job_state b)"
expect_eq "pause a nosuchjob b: c untouched" running "$(job_state c)"
expect_eq "pause a nosuchjob b: each valid name's result on its own line on stdout" \
  $'a: paused\nb: paused' "$CTL_OUT"
if [[ "$CTL_ERR" == *"job a"* || "$CTL_ERR" == *"job b"* ]]; then
  fail "stderr blames a valid job: $CTL_ERR"
else
  pass "stderr blames only the unknown job"
fi
ctl stop a nope1 nope2
expect_eq "stop a nope1 nope2: exit" 1 "$CTL_RC"
expect_contains "stop a nope1 nope2: names nope1" nope1 "$CTL_ERR"
expect_contains "stop a nope1 nope2: names nope2" nope2 "$CTL_ERR"
expect_eq "stop a nope1 nope2: a stopped" stopped "$(job_state a)"
log "-- 1: a refused transition among valid ones"
ctl resume a b
expect_eq "resume a(stopped) b(paused): exit" 1 "$CTL_RC"
expect_contains "resume a b: stderr says why" "job a is stopped; use start" "$CTL_ERR"
expect_eq "resume a b: b resumed" running "$(job_state b)"

log "-- --json on failure: a JSON object on stdout, same exit code"
ctl --json pause nosuchjob
expect_eq "--json pause nosuchjob: exit" 1 "$CTL_RC"
expect_true "--json pause nosuchjob: stdout is a JSON object" is_json_object "$CTL_OUT"
expect_eq "--json pause nosuchjob: ok" false "$(json_get 'd["ok"]' "$CTL_OUT")"
expect_eq "--json pause nosuchjob: error code" unknown_job "$(json_get 'd["error"]["code"]' "$CTL_OUT")"
expect_contains "--json pause nosuchjob: message on stderr too" nosuchjob "$CTL_ERR"
ctl --json status nosuchjob
expect_eq "--json status nosuchjob: exit" 1 "$CTL_RC"
expect_true "--json status nosuchjob: stdout is a JSON object" is_json_object "$CTL_OUT"
ctl --json ping
expect_eq "--json ping: exit" 0 "$CTL_RC"
expect_eq "--json ping: ok" true "$(json_get 'd["ok"]' "$CTL_OUT")"

# usage_errors SOCKET LABEL: every usage error exits 2, whatever the daemon.
usage_errors() {
  local sock=$1 label=$2 args
  local -a cases=(
    "frobnicate"
    "--bogus ping"
    "ping --bogus"
    "pause"
    "stop"
    "restart"
    "pause --all a"
    "--timeout 5x ping"
    "--timeout 0s ping"
    "--timeout -1s ping"
    "logs"
    "logs a -n -3"
    ""
  )
  for args in "${cases[@]}"; do
    # shellcheck disable=SC2086 # word splitting of the case is intended
    ctl_at "$sock" $args
    expect_eq "$label: thrctl ${args:-(no command)}: exit" 2 "$CTL_RC"
    if [[ -z "$CTL_ERR" ]]; then fail "$label: thrctl $args: nothing on stderr"; fi
    # shellcheck disable=SC2086
    ctl_at "$sock" --json $args
    expect_eq "$label: thrctl --json ${args:-(no command)}: exit" 2 "$CTL_RC"
  done
}
log "-- 2: usage errors, daemon running"
usage_errors "$SOCK" "daemon up"
expect_eq "usage errors changed nothing: c" running "$(job_state c)"
log "-- 2: usage errors, no daemon at all"
usage_errors "$TMPD/nothing-here.sock" "no daemon"

# unreachable LABEL SOCKET [THRCTL ARGS]: exit 3 naming the path, --json too.
unreachable() {
  local label=$1 sock=$2
  shift 2
  local args=("$@")
  ((${#args[@]})) || args=(ping)
  ctl_at "$sock" "${args[@]}"
  expect_eq "$label: exit" 3 "$CTL_RC"
  expect_contains "$label: stderr names the path" "$sock" "$CTL_ERR"
  ctl_at "$sock" --json "${args[@]}"
  expect_eq "$label --json: exit" 3 "$CTL_RC"
  if is_json_object "$CTL_OUT"; then
    pass "$label --json: stdout is a JSON object"
    expect_eq "$label --json: ok" false "$(json_get 'd["ok"]' "$CTL_OUT")"
    expect_contains "$label --json: error message names the path" "$sock" \
      "$(json_get 'd["error"]["message"]' "$CTL_OUT")"
  else
    fail "$label --json: stdout is not a JSON object: '$CTL_OUT'"
  fi
}

log "-- 3: unreachable"
unreachable "no socket file" "$TMPD/nothing-here.sock"
unreachable "no socket file (status)" "$TMPD/nothing-here.sock" status
unreachable "no socket file (stop a)" "$TMPD/nothing-here.sock" stop a
unreachable "directory does not exist" "$TMPD/no/such/dir/thrd.sock"
rc=0
(unset XDG_RUNTIME_DIR; THRD_SOCKET=$TMPD/env.sock "$THRCTL" ping >/dev/null 2>"$TMPD/env.err") || rc=$?
expect_eq "THRD_SOCKET pointing nowhere: exit" 3 "$rc"
expect_contains "THRD_SOCKET pointing nowhere: names the path" "$TMPD/env.sock" "$(cat "$TMPD/env.err")"

# A socket file nobody listens on, made by python (bound, then closed without unlink).
start_mute_socket "$TMPD/silent.sock"
limit_ms=$(scaled_ms 5)
ctl_at "$TMPD/silent.sock" --timeout 300ms ping
expect_eq "silent daemon, --timeout 300ms: exit" 3 "$CTL_RC"
expect_contains "silent daemon: stderr names the path" "$TMPD/silent.sock" "$CTL_ERR"
log "        (gave up after ${CTL_MS} ms)"
if ((CTL_MS >= 250 && CTL_MS < limit_ms)); then
  pass "silent daemon: thrctl gave up after about 300ms (${CTL_MS} ms)"
else
  fail "silent daemon: thrctl gave up after ${CTL_MS} ms, expected 300ms..${limit_ms}ms"
fi
ctl_at "$TMPD/silent.sock" --json --timeout 300ms status
expect_eq "silent daemon, --json status: exit" 3 "$CTL_RC"
expect_true "silent daemon, --json status: stdout is a JSON object" is_json_object "$CTL_OUT"
expect_eq "silent daemon, --json status: code" unavailable "$(json_get 'd["error"]["code"]' "$CTL_OUT")"
expect_contains "silent daemon, --json status: message names the path" "$TMPD/silent.sock" \
  "$(json_get 'd["error"]["message"]' "$CTL_OUT")"
# No --timeout: the default 10s bounds the reply of a command that answers at once. One real
# 10 s wait; the upper bound is scaled, the lower one is not (thrctl's own clock).
limit_ms=$(scaled_ms 20)
ctl_at "$TMPD/silent.sock" ping
expect_eq "silent daemon, ping with the default timeout: exit" 3 "$CTL_RC"
expect_contains "silent daemon, default timeout: stderr names the path" "$TMPD/silent.sock" "$CTL_ERR"
expect_contains "silent daemon, default timeout: stderr says 10s" "within 10s" "$CTL_ERR"
if ((CTL_MS >= 9900 && CTL_MS < limit_ms)); then
  pass "silent daemon: thrctl gave up after the default 10s (${CTL_MS} ms)"
else
  fail "silent daemon: thrctl gave up after ${CTL_MS} ms, expected 9900..${limit_ms} ms"
fi
# stop without --timeout waits as long as the daemon answers pings on a second connection;
# this one answers nothing, so thrctl gives up (a liveness check every few seconds, each
# bounded by the default 10s): exit 3, not a hang.
ctl_at "$TMPD/silent.sock" stop a
expect_eq "silent daemon, stop without --timeout: exit" 3 "$CTL_RC"
expect_contains "silent daemon, stop: stderr names the path" "$TMPD/silent.sock" "$CTL_ERR"
log "        (stop gave up after ${CTL_MS} ms)"

# The path tried is named also when it comes from the environment or the default.
rc=0
(unset THRD_SOCKET; XDG_RUNTIME_DIR=$TMPD/xdg "$THRCTL" ping >/dev/null 2>"$TMPD/xdg.err") || rc=$?
if [[ -e /run/thrd/thrd.sock ]]; then
  log "  skip  default path: /run/thrd/thrd.sock exists on this machine"
else
  expect_eq "no -s, no THRD_SOCKET, no socket in XDG_RUNTIME_DIR: exit" 3 "$rc"
  expect_contains "... names the default path it tried" /run/thrd/thrd.sock "$(cat "$TMPD/xdg.err")"
fi

# Permission denied on the socket file (0660 root): an unprivileged user gets exit 3.
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
  chmod 0755 "$TMPD"
  rc=0
  setpriv --reuid nobody --regid nogroup --clear-groups "$THRCTL" -s "$SOCK" ping \
    >/dev/null 2>"$TMPD/perm.err" || rc=$?
  chmod 0700 "$TMPD"
  expect_eq "permission denied on the socket: exit" 3 "$rc"
  expect_contains "permission denied: names the path" "$SOCK" "$(cat "$TMPD/perm.err")"
  expect_contains "permission denied: says so" "ermission denied" "$(cat "$TMPD/perm.err")"
else
  log "  skip  permission denied (needs root and setpriv)"
fi

log "-- the daemon is still fine"
ctl ping
expect_eq "ping at the end" 0 "$CTL_RC"

finish
