#!/usr/bin/env bash
# Access control, the second gate (docs/security.md): on a socket anyone may open (0666),
# thrctl run as nobody is allowed or refused exactly as the config's `allow` says, changed by
# `thrctl reload`: nothing listed -> even `status` is refused (permission_denied, exit 1);
# read -> status works, pause is refused and the job keeps running; control -> pause works;
# the same through a group, primary or supplementary. Every control request and every refusal
# is in thrd's log (the audit trail), with the client's uid, name and pid. After each step,
# root's ping and status answer within a second. Needs root, setpriv, user nobody and group
# nogroup; skipped (77) otherwise.
. "$(dirname "$0")/lib.sh"
setup access_control

if (($(id -u) != 0)); then skip_test "needs root (to run thrctl as nobody)"; fi
command -v setpriv >/dev/null || skip_test "needs setpriv (util-linux)"
getent passwd nobody >/dev/null || skip_test "needs the user nobody"
getent group nogroup >/dev/null || skip_test "needs the group nogroup"
NOBODY=$(id -u nobody)
NOGROUP=$(getent group nogroup | cut -d: -f3)
# mktemp -d made the dir 0700; nobody must reach the socket inside.
chmod 0755 "$TMPD"
# nobody must be able to run thrctl: the build dir's may be out of reach, a copy never is.
CTL_BIN=$THRCTL
if ! setpriv --reuid nobody --regid nogroup --clear-groups -- "$CTL_BIN" --version \
  >/dev/null 2>&1; then
  cp "$THRCTL" "$TMPD/thrctl"
  chmod 0755 "$TMPD/thrctl"
  CTL_BIN=$TMPD/thrctl
fi

# run_as SETPRIV_OPTIONS... -- THRCTL_ARGS...: thrctl under setpriv; sets CTL_RC, CTL_OUT,
# CTL_ERR and CTL_PID (thrctl's pid: setpriv execs it), as ctl does.
run_as() {
  local ids=()
  while [[ "$1" != -- ]]; do
    ids+=("$1")
    shift
  done
  shift
  CTL_RC=0
  setpriv "${ids[@]}" -- "$CTL_BIN" -s "$SOCK" "$@" >"$TMPD/as.out" 2>"$TMPD/as.err" &
  CTL_PID=$!
  wait "$CTL_PID" || CTL_RC=$?
  CTL_OUT=$(cat "$TMPD/as.out")
  CTL_ERR=$(cat "$TMPD/as.err")
}
as_nobody() { run_as --reuid nobody --regid nogroup --clear-groups -- "$@"; }

# The thrd log has LINE (a fixed string); the audit line is written before the reply is sent.
log_has() { grep -qF -- "$1" "$THRD_ERR"; }
expect_log() {  # what line
  if wait_until 2 log_has "$2"; then pass "$1"; else fail "$1: no line '$2' in the log"; fi
}
# Root's ping and status answer within a second.
responsive() {
  ctl ping
  local ping_rc=$CTL_RC ping_ms=$CTL_MS
  ctl status
  if ((ping_rc == 0 && CTL_RC == 0 && ping_ms < $(scaled_ms 1) && CTL_MS < $(scaled_ms 1))); then
    pass "$1: root's ping (${ping_ms} ms) and status (${CTL_MS} ms) answer"
  else
    fail "$1: ping exit $ping_rc in ${ping_ms} ms, status exit $CTL_RC in ${CTL_MS} ms"
  fi
}
# config ALLOW_JSON: the test's config with that `allow` (or none for "").
config() {
  local allow=${1:+\"allow\": $1,}
  write_config "$CFG" "{\"socket_mode\": \"0666\", $allow
    \"jobs\": [{\"name\": \"tick\", \"task\": \"timestamp\", \"every\": \"100ms\"}]}"
}
reload_with() {
  config "$1"
  ctl_ok reload
}

log "-- no allow: nobody may not even look"
config ""
start_thrd -c "$CFG"
as_nobody status
expect_eq "status as nobody: exit" 1 "$CTL_RC"
expect_contains "status as nobody: says who and what" \
  "thrctl: permission denied: user nobody (uid $NOBODY) may not run status, which needs read access" \
  "$CTL_ERR"
expect_contains "status as nobody: says what to ask for" \
  "ask an admin to add nobody or one of its groups to \"allow\": {\"read\": ...} in $CFG" "$CTL_ERR"
expect_log "the refusal is audited at warn, with thrctl's pid" \
  "warning audit: uid=$NOBODY(nobody) pid=$CTL_PID cmd=status jobs=- result=permission_denied"
as_nobody --json ping
expect_eq "ping --json as nobody: exit" 1 "$CTL_RC"
expect_eq "ping --json as nobody: the code" permission_denied \
  "$(json_get "d['error']['code']" "$CTL_OUT" 2>/dev/null || echo "not JSON: $CTL_OUT")"
as_nobody pause tick
expect_eq "pause as nobody: exit" 1 "$CTL_RC"
expect_log "the pause refusal names the job" \
  "pid=$CTL_PID cmd=pause jobs=tick result=permission_denied"
responsive "no allow"

log "-- allow.read.users [nobody]: status yes, pause no"
reload_with '{"read": {"users": ["nobody"]}}'
expect_log "the reload logs the new access" "reload: access: "
as_nobody status
expect_eq "status as a reader: exit" 0 "$CTL_RC"
expect_contains "status as a reader: shows the job" tick "$CTL_OUT"
runs_before=$(job_field tick runs)
as_nobody pause tick
expect_eq "pause as a reader: exit" 1 "$CTL_RC"
expect_contains "pause as a reader: says control is needed" \
  "may not run pause, which needs control access; ask an admin to add nobody or one of its groups to \"allow\": {\"control\": ...}" \
  "$CTL_ERR"
expect_log "the pause refusal is audited" \
  "warning audit: uid=$NOBODY(nobody) pid=$CTL_PID cmd=pause jobs=tick result=permission_denied"
expect_eq "the job is still running" running "$(job_state tick)"
expect_true "and still runs" wait_until 5 runs_at_least tick $((runs_before + 3))
as_nobody reload
expect_eq "reload as a reader: exit" 1 "$CTL_RC"
responsive "read"

log "-- allow.control.users [nobody]: pause yes"
reload_with '{"control": {"users": ["nobody"]}}'
as_nobody pause tick
expect_eq "pause as a controller: exit" 0 "$CTL_RC"
expect_eq "the job is paused" paused "$(job_state tick)"
expect_log "the pause is audited at info" \
  "info audit: uid=$NOBODY(nobody) pid=$CTL_PID cmd=pause jobs=tick result=ok"
as_nobody status
expect_eq "control implies read: status exit" 0 "$CTL_RC"
as_nobody resume --all
expect_eq "resume --all as a controller: exit" 0 "$CTL_RC"
expect_log "resume --all is audited as jobs=all" "pid=$CTL_PID cmd=resume jobs=all result=ok"
as_nobody pause nope
expect_eq "pause of an unknown job as a controller: exit" 1 "$CTL_RC"
expect_log "a failed control request is audited with its code" \
  "pid=$CTL_PID cmd=pause jobs=nope result=unknown_job"
ctl_ok pause tick
expect_log "root's control requests are audited too" "info audit: uid=0(root) pid="
ctl_ok resume tick
responsive "control"

log "-- by group: nogroup as the primary gid, then as a supplementary one"
reload_with '{"read": {"groups": ["nogroup"]}}'
as_nobody status
expect_eq "status via the read group: exit" 0 "$CTL_RC"
as_nobody pause tick
expect_eq "pause via the read group: exit" 1 "$CTL_RC"
reload_with '{"control": {"groups": ["nogroup"]}}'
as_nobody pause tick
expect_eq "pause via the control group (primary gid): exit" 0 "$CTL_RC"
run_as --reuid nobody --regid 4242 --groups "4343,$NOGROUP" -- resume tick
expect_eq "resume via the control group (supplementary gid): exit" 0 "$CTL_RC"
expect_eq "the job runs again" running "$(job_state tick)"
run_as --reuid nobody --regid 4242 --groups 4343 -- status
expect_eq "outside the group (uid nobody, gid 4242): status exit" 1 "$CTL_RC"
expect_contains "outside the group: permission denied" "permission denied" "$CTL_ERR"
responsive "groups"

log "-- a reload that takes access away applies at once; a bad allow changes nothing"
reload_with '{"control": {"users": ["nobody"]}}'
write_config "$CFG" '{"socket_mode": "0666", "allow": {"control": {"users": ["thr-no-such-user"]}},
  "jobs": [{"name": "tick", "task": "timestamp", "every": "100ms"}]}'
ctl reload
expect_eq "reload with an unknown user: exit" 1 "$CTL_RC"
expect_contains "reload with an unknown user: names the key" \
  "key \"allow.control.users[0]\": unknown user \"thr-no-such-user\"" "$CTL_ERR"
as_nobody pause tick
expect_eq "the old allow is still in force: pause exit" 0 "$CTL_RC"
rc=0
"$THRD" --check -c "$CFG" >/dev/null 2>"$TMPD/check.err" || rc=$?
expect_eq "--check with an unknown user: exit" 78 "$rc"
expect_contains "--check names the key" 'key "allow.control.users[0]": unknown user' \
  "$(cat "$TMPD/check.err")"
reload_with ""
as_nobody resume tick
expect_eq "allow removed: resume as nobody exit" 1 "$CTL_RC"
expect_eq "and the job stays paused" paused "$(job_state tick)"
responsive "allow removed"

log "-- clients allowed nothing can neither lock root out nor stay connected by talking"
idle=$(scaled_ms 3)ms
write_config "$CFG" "{\"socket_mode\": \"0666\", \"max_connections\": 2, \"idle_timeout\": \"$idle\",
  \"jobs\": [{\"name\": \"tick\", \"task\": \"timestamp\", \"every\": \"100ms\"}]}"
ctl_ok reload
# As nobody: take both places, then send a blank line every 200 ms on each until thrd closes
# it; print when each was closed.
setpriv --reuid nobody --regid nogroup --clear-groups -- "$PY" - "$SOCK" "$(scaled 20)" \
  >"$TMPD/chatty.out" 2>&1 <<'PYEOF' &
import select, socket, sys, time
path, limit = sys.argv[1], float(sys.argv[2])
socks = []
for _ in range(2):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    socks.append(s)
print("held", flush=True)
start = time.monotonic()
closed = {}
while len(closed) < len(socks) and time.monotonic() - start < limit:
    for i, s in enumerate(socks):
        if i in closed:
            continue
        try:
            s.sendall(b"\n")
            readable = select.select([s], [], [], 0.1)[0]
            if readable and s.recv(4096) == b"":  # the timeout line comes first, then EOF
                closed[i] = time.monotonic() - start
        except OSError:
            closed[i] = time.monotonic() - start
print("closed", len(closed), " ".join(f"{v:.2f}" for v in closed.values()), flush=True)
PYEOF
bg_track $!
wait_until 10 grep -q held "$TMPD/chatty.out" || fail "nobody could not connect twice"
as_nobody ping
expect_contains "both places held by nobody: nobody's third connection is refused" \
  "too many connections (2, max_connections)" "$CTL_ERR"
ctl ping
expect_eq "root still gets in (a reserved place): ping exit" 0 "$CTL_RC"
wait_until 30 grep -q '^closed' "$TMPD/chatty.out" || fail "the chatty connections were not closed"
read -r _ n first second < <(grep '^closed' "$TMPD/chatty.out")
expect_eq "blank lines from a client allowed nothing do not keep it open: closed" 2 "$n"
log "        closed after ${first} s and ${second} s (idle_timeout $idle)"
responsive "after the chatty clients"

stop_thrd || fail "thrd did not exit 0"
finish
