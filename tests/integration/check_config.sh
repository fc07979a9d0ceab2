#!/usr/bin/env bash
# `thrd --check -c FILE` on a table of broken configs: each exits 78 (EX_CONFIG) with a
# message naming the file and line:column (syntax) or the job and the key (meaning). Valid
# configs exit 0. thrd proper (not --check) on an invalid config exits 78 and creates no socket.
. "$(dirname "$0")/lib.sh"
setup check_config

N=0
# bad LABEL NEEDLE... <<< CONFIG: thrd --check exits 78 and its stderr names the file and
# contains every NEEDLE.
bad() {
  local label=$1
  shift
  N=$((N + 1))
  local f=$TMPD/bad$N.json
  cat >"$f"
  check_bad "$label" "$f" "$@"
}
check_bad() {
  local label=$1 f=$2
  shift 2
  local rc=0
  "$THRD" --check -c "$f" >"$TMPD/check.out" 2>"$TMPD/check.err" || rc=$?
  local err
  err=$(cat "$TMPD/check.err")
  expect_eq "$label: exit" 78 "$rc"
  local needle ok=1
  for needle in "$f" "$@"; do
    if [[ "$err" != *"$needle"* ]]; then
      fail "$label: message lacks '$needle': $err"
      ok=0
    fi
  done
  ((ok)) && pass "$label: message: $err"
  if [[ "$(wc -l <"$TMPD/check.err")" -gt 3 ]]; then fail "$label: message longer than 3 lines: $err"; fi
  return 0
}

log "-- syntax errors: file:line:column"
bad "trailing comma" ":3:60" <<'EOF'
{
  "jobs": [
    { "name": "alpha", "task": "timestamp", "every": "1s", }
  ]
}
EOF
bad "stray character" ":4:32" <<'EOF'
{
  // a comment line is still a line
  "jobs": [
    { "name": "alpha", "task": @ }
  ]
}
EOF
bad "unterminated object" ":5:1" <<'EOF'
{
  "jobs": [
    { "name": "alpha", "task": "timestamp", "every": "1s" }
  ]
EOF
bad "empty file" <<<''

log "-- meaning errors: the job and the key"
bad "unknown top-level key" '"sockets"' <<'EOF'
{ "sockets": "/tmp/x.sock", "jobs": [] }
EOF
bad "unknown job key" 'job "alpha"' 'evry' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "1s", "evry": "2s" } ] }
EOF
bad "missing name (second job)" 'job #2' 'name' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "1s" },
            { "task": "timestamp", "every": "1s" } ] }
EOF
bad "name not a string" 'job #1' 'name' <<'EOF'
{ "jobs": [ { "name": 42, "task": "timestamp", "every": "1s" } ] }
EOF
bad "bad characters in name" 'name' 'bad/name' <<'EOF'
{ "jobs": [ { "name": "bad/name", "task": "timestamp", "every": "1s" } ] }
EOF
bad "space in name" 'name' 'bad name' <<'EOF'
{ "jobs": [ { "name": "bad name", "task": "timestamp", "every": "1s" } ] }
EOF
bad "empty name" 'name' <<'EOF'
{ "jobs": [ { "name": "", "task": "timestamp", "every": "1s" } ] }
EOF
name65=$(printf 'n%.0s' {1..65})
bad "65-character name" 'name' "$name65" <<EOF
{ "jobs": [ { "name": "$name65", "task": "timestamp", "every": "1s" } ] }
EOF
bad "duplicate names" 'job "alpha"' 'duplicate' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "1s" },
            { "name": "alpha", "task": "timestamp", "every": "2s" } ] }
EOF
bad "missing task" 'job "alpha"' 'task' <<'EOF'
{ "jobs": [ { "name": "alpha", "every": "1s" } ] }
EOF
bad "unknown task" 'job "alpha"' 'task' 'shell' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "shell", "every": "1s" } ] }
EOF
bad "missing every" 'job "alpha"' 'every' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp" } ] }
EOF
bad 'every "5x" (unknown unit)' 'job "alpha"' 'every' '5x' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "5x" } ] }
EOF
bad 'every "0s" (zero)' 'job "alpha"' 'every' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "0s" } ] }
EOF
bad 'every 0 (zero number)' 'job "alpha"' 'every' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": 0 } ] }
EOF
bad 'every "5ms" (below 10ms)' 'job "alpha"' 'every' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "5ms" } ] }
EOF
bad 'every "1s1m" (out of order)' 'job "alpha"' 'every' '1s1m' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "1s1m" } ] }
EOF
bad 'every "-1s" (negative)' 'job "alpha"' 'every' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "-1s" } ] }
EOF
bad 'every "5" with no unit after a part ("1m5")' 'job "alpha"' 'every' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "1m5" } ] }
EOF
bad 'every overflowing' 'job "alpha"' 'every' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "99999999999999999999999d" } ] }
EOF
bad 'every true (not a duration)' 'job "alpha"' 'every' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": true } ] }
EOF
bad 'stop_timeout "0s"' 'job "alpha"' 'stop_timeout' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "1s", "stop_timeout": "0s" } ] }
EOF
bad "exec without command" 'job "alpha"' 'command' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "exec", "every": "1s" } ] }
EOF
bad "command an empty array" 'job "alpha"' 'command' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "exec", "every": "1s", "command": [] } ] }
EOF
bad "command with a non-string element" 'job "alpha"' 'command' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "exec", "every": "1s", "command": ["echo", 1] } ] }
EOF
bad "format on an exec job" 'job "alpha"' 'format' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "exec", "every": "1s", "command": ["true"], "format": "%s" } ] }
EOF
bad 'start "bogus"' 'job "alpha"' 'start' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "1s", "start": "bogus" } ] }
EOF
bad 'start "killed" (not a start state)' 'job "alpha"' 'start' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "1s", "start": "killed" } ] }
EOF
bad "timeout on a timestamp job" 'job "alpha"' 'timeout' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "1s", "timeout": "5s" } ] }
EOF
bad "env with a non-string value" 'job "alpha"' 'env' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "exec", "every": "1s", "command": ["true"], "env": { "N": 1 } } ] }
EOF
bad "error in the third job names that job" 'job "gamma"' 'every' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "1s" },
            { "name": "beta", "task": "timestamp", "every": "1s" },
            { "name": "gamma", "task": "timestamp", "every": "1y" } ] }
EOF
bad "jobs not an array" 'jobs' <<'EOF'
{ "jobs": { "name": "alpha", "task": "timestamp", "every": "1s" } }
EOF
bad "no jobs key" 'jobs' <<'EOF'
{ "socket": "/tmp/x.sock" }
EOF
bad "top level an array" <<'EOF'
[ { "name": "alpha", "task": "timestamp", "every": "1s" } ]
EOF
bad "socket not a string" 'socket' <<'EOF'
{ "socket": 5, "jobs": [] }
EOF
log "-- calendar schedules (issue 11)"
bad "cron: hour out of range" 'job "nightly"' 'key "cron"' 'field 2 (hour)' '"25"' <<'EOF'
{ "jobs": [ { "name": "nightly", "task": "exec", "command": "backup", "cron": "30 25 * * *" } ] }
EOF
bad "cron: a weekday name that is not one" 'job "w"' 'key "cron"' 'field 5 (day of week)' <<'EOF'
{ "jobs": [ { "name": "w", "task": "timestamp", "cron": "0 9 * * FUNDAY" } ] }
EOF
bad "cron: too few fields" 'job "w"' 'key "cron"' <<'EOF'
{ "jobs": [ { "name": "w", "task": "timestamp", "cron": "0 9 *" } ] }
EOF
bad "cron and every together" 'job "both"' '"every" and "cron"' <<'EOF'
{ "jobs": [ { "name": "both", "task": "timestamp", "every": "1s", "cron": "* * * * *" } ] }
EOF
bad "tz: unknown zone" 'job "b"' 'key "tz"' 'Mars/Olympus' <<'EOF'
{ "jobs": [ { "name": "b", "task": "timestamp", "cron": "0 2 * * *", "tz": "Mars/Olympus" } ] }
EOF
bad "tz on an every job" 'job "e"' 'key "tz"' 'cron jobs only' <<'EOF'
{ "jobs": [ { "name": "e", "task": "timestamp", "every": "1s", "tz": "UTC" } ] }
EOF
bad "catch_up not a boolean" 'job "c"' 'key "catch_up"' <<'EOF'
{ "jobs": [ { "name": "c", "task": "timestamp", "cron": "@daily", "catch_up": "yes" } ] }
EOF
bad "jitter on a service" 'job "web"' 'key "jitter"' 'periodic jobs only' <<'EOF'
{ "jobs": [ { "name": "web", "task": "exec", "command": "srv", "jitter": "5s" } ] }
EOF
log "-- services and failure policy (issue 10)"
bad "a timestamp task without a schedule" 'job "alpha"' 'every' 'needs a schedule' <<'EOF'
{ "jobs": [ { "name": "alpha", "task": "timestamp", "format": "%s" } ] }
EOF
bad "restart: unknown mode" 'job "web"' 'restart' 'sometimes' <<'EOF'
{ "jobs": [ { "name": "web", "task": "exec", "command": "srv", "restart": "sometimes" } ] }
EOF
bad "restart on a periodic job" 'job "p"' 'restart' 'services only' <<'EOF'
{ "jobs": [ { "name": "p", "task": "exec", "command": "x", "every": "1m", "restart": "never" } ] }
EOF
bad "max_failures on a service" 'job "web"' 'max_failures' 'periodic jobs only' <<'EOF'
{ "jobs": [ { "name": "web", "task": "exec", "command": "srv", "max_failures": 3 } ] }
EOF
bad "max_failures negative" 'job "p"' 'max_failures' <<'EOF'
{ "jobs": [ { "name": "p", "task": "timestamp", "every": "1s", "max_failures": -1 } ] }
EOF
bad "backoff_max below backoff" 'job "web"' 'backoff_max' '1s is below backoff (2s)' <<'EOF'
{ "jobs": [ { "name": "web", "task": "exec", "command": "srv", "backoff": "2s", "backoff_max": "1s" } ] }
EOF
bad "healthy_after not a duration" 'job "web"' 'healthy_after' <<'EOF'
{ "jobs": [ { "name": "web", "task": "exec", "command": "srv", "healthy_after": "soon" } ] }
EOF
bad "on_failure empty argv" 'job "web"' 'on_failure' <<'EOF'
{ "jobs": [ { "name": "web", "task": "exec", "command": "srv", "on_failure": [] } ] }
EOF
bad "hook_timeout zero" 'job "p"' 'hook_timeout' <<'EOF'
{ "jobs": [ { "name": "p", "task": "timestamp", "every": "1s", "hook_timeout": "0s" } ] }
EOF
bad "timeout on a service" 'job "web"' 'timeout' <<'EOF'
{ "jobs": [ { "name": "web", "task": "exec", "command": "srv", "timeout": "5s" } ] }
EOF
bad "history negative" 'job "p"' 'history' 'from 0 to 10000' <<'EOF'
{ "jobs": [ { "name": "p", "task": "timestamp", "every": "1s", "history": -1 } ] }
EOF
bad "history above 10000" 'job "p"' 'history' 'from 0 to 10000' <<'EOF'
{ "jobs": [ { "name": "p", "task": "timestamp", "every": "1s", "history": 10001 } ] }
EOF
bad "history a string" 'job "web"' 'history' 'from 0 to 10000' <<'EOF'
{ "jobs": [ { "name": "web", "task": "exec", "command": "srv", "history": "100" } ] }
EOF
check_bad "missing file" "$TMPD/no/such/config.json"
check_bad "a directory" "$TMPD"
log "  ($N broken configs written, plus missing file and directory)"

log "-- valid configs exit 0"
good() {
  local label=$1 f=$2 rc=0
  "$THRD" --check -c "$f" >"$TMPD/check.out" 2>"$TMPD/check.err" || rc=$?
  expect_eq "$label: exit" 0 "$rc"
  if [[ -s "$TMPD/check.err" ]]; then fail "$label: stderr not empty: $(cat "$TMPD/check.err")"; fi
}
good "config/example.json" "$THRD_SOURCE_DIR/config/example.json"
good "config/default.json" "$THRD_SOURCE_DIR/config/default.json"
good "config/container.json" "$THRD_SOURCE_DIR/config/container.json"
write_config "$TMPD/minimal.json" '{"jobs":[{"name":"m","task":"timestamp","every":"1s"}]}'
good "minimal" "$TMPD/minimal.json"
write_config "$TMPD/services.json" '{"jobs":[
  {"name":"web","task":"exec","command":["srv","--port","80"]},
  {"name":"w2","task":"exec","command":"srv","restart":"on-failure","backoff":"2s",
   "backoff_max":"5m","healthy_after":"30s","max_restarts":0,"restart_window":"10m",
   "on_failure":["notify","web"],"hook_timeout":"5s"},
  {"name":"p","task":"exec","command":"x","every":"1m","max_failures":3,"on_failure":"echo"}]}'
good "services and failure keys" "$TMPD/services.json"
write_config "$TMPD/full.json" '// comments are allowed
{
  "socket": "/tmp/thrd-test-unused.sock",
  "jobs": [
    /* every duration form */
    { "name": "d1", "task": "timestamp", "every": "250ms" },
    { "name": "d2", "task": "timestamp", "every": "1h30m", "format": "%Y-%m-%d %H:%M:%S" },
    { "name": "d3", "task": "timestamp", "every": "1m30s", "start": "paused" },
    { "name": "d4", "task": "timestamp", "every": "2d", "start": "stopped" },
    { "name": "d5", "task": "timestamp", "every": 2 },
    { "name": "d6", "task": "timestamp", "every": "0.25" },
    { "name": "d7", "task": "timestamp", "every": "10ms", "stop_timeout": "1s", "history": 0 },
    { "name": "A-Za-z0_9.name", "task": "timestamp", "every": 0.5 },
    { "name": "'"$(printf 'n%.0s' {1..64})"'", "task": "timestamp", "every": "1s" },
    { "name": "e1", "task": "exec", "command": ["rsync", "-a", "/src/", "/dst/"], "every": "5m",
      "timeout": "2m", "stop_timeout": "10s", "start": "paused", "cwd": "/", "env": { "A": "b" } },
    { "name": "e2", "task": "exec", "command": "echo hello | tr a-z A-Z", "every": "1s",
      "history": 10000 }
  ]
}'
good "every key and duration form, 64-character name" "$TMPD/full.json"
rc=0
"$THRD" --check >"$TMPD/check.out" 2>&1 || rc=$?
expect_eq "--check without -c (embedded default): exit" 0 "$rc"

log "-- drop-ins: include globs, errors name the drop-in"
mkdir -p "$TMPD/inc/conf.d"
write_config "$TMPD/inc/main.json" '{
  "include": ["conf.d/*.json"],
  "socket_mode": "0660",
  "socket_group": "0",
  "jobs": [ { "name": "main", "task": "timestamp", "every": "1s" } ]
}'
write_config "$TMPD/inc/conf.d/a.json" '{ "jobs": [ { "name": "a", "task": "timestamp", "every": "1s" } ] }'
write_config "$TMPD/inc/conf.d/b.json" '// b: two jobs
{ "jobs": [ { "name": "b1", "task": "timestamp", "every": "1s" },
            { "name": "b2", "task": "exec", "command": ["true"], "every": "1m" } ] }'
good "main file with two drop-ins" "$TMPD/inc/main.json"
expect_contains "--check counts the drop-ins and their jobs" "4 jobs" "$(cat "$TMPD/check.out")"
# From another directory, with -c relative: patterns resolve against main.json's directory.
rc=0
(cd "$TMPD" && "$THRD" --check -c inc/main.json) >"$TMPD/check.out" 2>"$TMPD/check.err" || rc=$?
expect_eq "relative -c, drop-ins found beside the main file: exit" 0 "$rc"
expect_contains "relative -c: all jobs read" "4 jobs" "$(cat "$TMPD/check.out")"

# Line 3 of c.json is `    { "name": "c", }`: the '}' after the comma is its 20th byte.
write_config "$TMPD/inc/conf.d/c.json" '{
  "jobs": [
    { "name": "c", }
  ]
}'
rc=0
"$THRD" --check -c "$TMPD/inc/main.json" >"$TMPD/check.out" 2>"$TMPD/check.err" || rc=$?
expect_eq "syntax error in a drop-in: exit" 78 "$rc"
expect_contains "syntax error in a drop-in: names the drop-in with line:column" \
  "config $TMPD/inc/conf.d/c.json:3:20: syntax error" "$(cat "$TMPD/check.err")"

write_config "$TMPD/inc/conf.d/c.json" '{ "jobs": [ { "name": "a", "task": "timestamp", "every": "2s" } ] }'
rc=0
"$THRD" --check -c "$TMPD/inc/main.json" >"$TMPD/check.out" 2>"$TMPD/check.err" || rc=$?
expect_eq "a name used in two drop-ins: exit" 78 "$rc"
expect_contains "a name used in two drop-ins: names both files" \
  "config $TMPD/inc/conf.d/c.json: job \"a\": duplicate name (already defined in $TMPD/inc/conf.d/a.json)" \
  "$(cat "$TMPD/check.err")"
rm "$TMPD/inc/conf.d/c.json"

write_config "$TMPD/inc/bad-group.json" '{ "socket_group": "thr-no-such-group", "jobs": [] }'
check_bad "unknown socket_group" "$TMPD/inc/bad-group.json" 'socket_group' 'thr-no-such-group'
write_config "$TMPD/inc/bad-mode.json" '{ "socket_mode": 660, "jobs": [] }'
check_bad "socket_mode a number" "$TMPD/inc/bad-mode.json" 'socket_mode' 'octal'

write_config "$TMPD/inc/bad-listen.json" '{ "metrics_listen": "localhost:9464", "jobs": [] }'
check_bad "metrics_listen a host name" "$TMPD/inc/bad-listen.json" 'metrics_listen' 'ADDRESS:PORT' 'localhost:9464'
write_config "$TMPD/inc/bad-mfile.json" "{ \"metrics_file\": \"$TMPD/nodir/thrd.prom\", \"jobs\": [] }"
check_bad "metrics_file in a missing directory" "$TMPD/inc/bad-mfile.json" 'metrics_file' "$TMPD/nodir"
write_config "$TMPD/inc/bad-mevery.json" '{ "metrics_every": "100ms", "jobs": [] }'
check_bad "metrics_every below 1s" "$TMPD/inc/bad-mevery.json" 'metrics_every' 'minimum of 1s'
write_config "$TMPD/inc/metrics.json" "{ \"metrics_listen\": \"[::1]:9464\",
  \"metrics_file\": \"$TMPD/thrd.prom\", \"metrics_every\": \"30s\", \"jobs\": [] }"
good "the three metrics keys" "$TMPD/inc/metrics.json"

log "-- thrd (not --check) on an invalid config: 78, no socket"
printf '{ "jobs": [ { "name": "alpha", "task": "timestamp", "every": "5x" } ] }\n' >"$TMPD/invalid.json"
"$THRD" -c "$TMPD/invalid.json" -s "$TMPD/never.sock" --state-dir "$TMPD/state" \
  >"$TMPD/invalid.out" 2>"$TMPD/invalid.err" &
bad_pid=$!
THRD_PIDS+=("$bad_pid")
if wait_until 10 not_alive "$bad_pid"; then
  rc=0
  wait "$bad_pid" || rc=$?
  expect_eq "thrd on an invalid config: exit" 78 "$rc"
else
  fail "thrd on an invalid config is still running after $(scaled 10)s"
fi
expect_contains "thrd on an invalid config: names the file" "$TMPD/invalid.json" "$(cat "$TMPD/invalid.err")"
expect_contains "thrd on an invalid config: names the key" "every" "$(cat "$TMPD/invalid.err")"
if [[ -e "$TMPD/never.sock" ]]; then fail "thrd on an invalid config created its socket"; else pass "no socket created"; fi

printf '{ "jobs": [ ' >"$TMPD/syntax.json"
"$THRD" -c "$TMPD/syntax.json" -s "$TMPD/never.sock" --state-dir "$TMPD/state" \
  >"$TMPD/syntax.out" 2>"$TMPD/syntax.err" &
bad_pid=$!
THRD_PIDS+=("$bad_pid")
if wait_until 10 not_alive "$bad_pid"; then
  rc=0
  wait "$bad_pid" || rc=$?
  expect_eq "thrd on a config with a syntax error: exit" 78 "$rc"
else
  fail "thrd on a syntax error is still running after $(scaled 10)s"
fi
expect_contains "thrd on a syntax error: file:line:col" "$TMPD/syntax.json:1:" "$(cat "$TMPD/syntax.err")"
if [[ -e "$TMPD/never.sock" ]]; then fail "thrd on a syntax error created its socket"; else pass "no socket created"; fi

log "-- docs/config.md documents every job key of the key table (lib/thr/config_job.cpp)"
keys=$(grep -oE '^\s*\{"[a-z_]+", Applies::' "$THRD_SOURCE_DIR/lib/thr/config_job.cpp" |
  grep -oE '"[a-z_]+"' | tr -d '"')
(($(wc -w <<<"$keys") >= 20)) || fail "found only $(wc -w <<<"$keys") keys in config_job.cpp"
missing=""
for k in $keys; do
  grep -qF "\`$k\`" "$THRD_SOURCE_DIR/docs/config.md" || missing+=" $k"
done
expect_eq "job keys missing from docs/config.md" "" "$missing"

finish
