#!/usr/bin/env bash
# Faults (issue 8, docs/security.md "Faults"): each is logged and survived, and none loses a
# job or a saved decision.
#   1. out of file descriptors (RLIMIT_NOFILE lowered on the live thrd): an exec run fails with
#      the reason, the job keeps its schedule and recovers; other jobs and the keeper carry on.
#   2. out of processes (RLIMIT_NPROC, thrd running as nobody, since root ignores it): the
#      same for fork.
#   3. a read-only state dir (a read-only bind mount in thrd's own mount namespace): commands
#      act, the error is logged, the old decisions file is intact; once writable, the next
#      command saves every decision.
#   4. a full state dir (a tiny tmpfs, filled): the same with ENOSPC.
#   5. the config vanished, replaced by a directory, garbage or invalid UTF-8 at reload:
#      refused with the message (exit 1), jobs untouched; SIGHUP likewise, thrd lives on.
#   6. clients hanging up (half with RST) while a large `logs` reply is written: no SIGPIPE.
#   7. the wall-clock watcher runs (its thread); steps themselves are unit-tested
#      (tests/unit/clock_watch_test.cpp), since moving the real clock disturbs the machine.
# Sections 2-4 need setpriv, prlimit, unshare and mount permission; each says SKIP (with the
# reason) where the machine does not allow it, and the rest still runs.
# While thrd is out of descriptors or processes, no client connects: accepting needs a
# descriptor and a thread too (that refusal is the limits tests' business).
. "$(dirname "$0")/lib.sh"
setup faults

PRLIMIT=$(command -v prlimit || true)
[[ -n "$PRLIMIT" ]] || skip_test "prlimit is needed (Debian: util-linux)"

# field JOB FIELD: one field of `thrctl --json status JOB` (empty on failure).
field() { job_field "$1" "$2" 2>/dev/null || true; }
# The thrd-keeper child of PID.
keeper_of() { ps -o pid=,comm= --ppid "$1" | awk '$2 == "thrd-keeper" { print $1 }'; }
# log_count PATTERN: how many lines of thrd's log match.
log_count() { grep -Ec -- "$1" "$THRD_ERR" || true; }
log_has() { grep -Eq -- "$1" "$THRD_ERR"; }
# log_more PATTERN N: more than N lines match (for wait_until, which re-runs it).
log_more() { (($(log_count "$1") > $2)); }

# rate_check JOB RUNS0 T0_MS EVERY_MS: JOB's runs grew by at least half of what the time since
# T0 allows (a loaded machine is slow, never this slow).
rate_check() {
  local runs elapsed want
  runs=$(field "$1" runs)
  elapsed=$(($(now_ms) - $3))
  want=$((elapsed / $4 / 2))
  if ((runs - $2 >= want)); then
    pass "$1 kept its rate: $((runs - $2)) runs in ${elapsed} ms (>= $want)"
  else
    fail "$1 lost its rate: $((runs - $2)) runs in ${elapsed} ms (want >= $want)"
  fi
}

# exhaust_and_recover WHAT LIMIT_ARGS RESTORE_ARGS PATTERN [RUNAS...]: lowers a limit of the
# live thrd, waits (reading only its log) for exec runs to fail with PATTERN, keeps it there
# for a second, restores it, then checks the job, its neighbours and the keeper.
exhaust_and_recover() {
  local what=$1 lower=$2 restore=$3 pattern=$4
  shift 4
  local keeper tick0 t0 fails0 fails1 runs1
  keeper=$(keeper_of "$THRD_PID")
  tick0=$(field tick runs)
  fails0=$(field ex failures)
  t0=$(now_ms)
  "$@" "$PRLIMIT" --pid "$THRD_PID" "$lower" || die "$what: prlimit $lower failed"
  if wait_until 10 log_has "job ex: run failed: $pattern"; then
    pass "$what: the failed run is logged: $(grep -Em1 -o "job ex: run failed: $pattern" "$THRD_ERR")"
  else
    fail "$what: no 'job ex: run failed: $pattern' in the log"
  fi
  sleep_until $(($(now_ms) + 1000))  # a second of the fault: several runs fail
  "$@" "$PRLIMIT" --pid "$THRD_PID" "$restore" || die "$what: prlimit $restore failed"
  alive "$THRD_PID" || die "$what: thrd died"
  ctl_ok ping
  expect_eq "$what: ex still running" running "$(field ex state)"
  fails1=$(field ex failures)
  if ((fails1 > fails0)); then pass "$what: failed runs counted ($((fails1 - fails0)))"; else fail "$what: no failure counted"; fi
  expect_match "$what: last_error says why" "$pattern" "$(field ex last_error)"
  # Recovered: more runs, and no new failure among them.
  runs1=$(field ex runs)
  fails1=$(field ex failures)
  if wait_until 10 runs_at_least ex $((runs1 + 3)); then
    expect_eq "$what: runs succeed again once the limit is restored" "$fails1" "$(field ex failures)"
  else
    fail "$what: ex did not run again after the limit was restored"
  fi
  rate_check tick "$tick0" "$t0" 100
  expect_eq "$what: the keeper is the same process" "$keeper" "$(keeper_of "$THRD_PID")"
  expect_eq "$what: the other exec job has no failure" 0 "$(field other failures)"
}

JOBS='
    { "name": "tick", "task": "timestamp", "every": "100ms" },
    { "name": "ex", "task": "exec", "command": ["true"], "every": "100ms" },
    { "name": "other", "task": "exec", "command": ["true"], "every": "1h" }'

# ---- 1. out of descriptors ------------------------------------------------------------------
log "-- 1. exec runs while thrd is out of file descriptors (RLIMIT_NOFILE)"
write_config "$CFG" "{\"jobs\": [ $JOBS ]}"
start_thrd -c "$CFG"
wait_until 10 runs_at_least ex 3 || die "ex did not run"
nofile=$(awk '/^Max open files/ { print $4 }' "/proc/$THRD_PID/limits")
# Soft limit 3: 0, 1 and 2 are taken, so no new descriptor at all (the run's eventfd or pipes).
exhaust_and_recover "EMFILE" --nofile=3: "--nofile=$nofile:" "cannot create (a pipe|an eventfd): Too many open files"
stop_thrd || fail "thrd did not exit 0 after the EMFILE section"

# ---- 2. out of processes --------------------------------------------------------------------
log "-- 2. exec runs while thrd is out of processes (RLIMIT_NPROC, thrd as nobody)"
SETPRIV=$(command -v setpriv || true)
if [[ -z "$SETPRIV" ]] || ! id nobody >/dev/null 2>&1; then
  log "  SKIP  needs setpriv and a user nobody (root ignores RLIMIT_NPROC)"
elif ! "$SETPRIV" --reuid=nobody --regid="$(id -g nobody)" --clear-groups true 2>/dev/null; then
  log "  SKIP  setpriv cannot switch to nobody here"
elif ! "$SETPRIV" --reuid=nobody --regid="$(id -g nobody)" --clear-groups test -x "$THRD" 2>/dev/null ||
  ! "$SETPRIV" --reuid=nobody --regid="$(id -g nobody)" --clear-groups test -x "$(dirname "$TMPD")"; then
  log "  SKIP  nobody cannot run $THRD or reach $(dirname "$TMPD")"
else
  NB_GID=$(id -g nobody)
  RUN_AS_NOBODY=("$SETPRIV" --reuid=nobody --regid="$NB_GID" --clear-groups)
  chmod 0755 "$TMPD"
  mkdir "$TMPD/nb"
  chown nobody:"$NB_GID" "$TMPD/nb"
  cp "$CFG" "$TMPD/nb/thrd.json"
  chmod 0644 "$TMPD/nb/thrd.json"
  printf '#!/bin/sh\nexec %s --reuid=nobody --regid=%s --clear-groups "$@"\n' "$SETPRIV" "$NB_GID" >"$TMPD/as-nobody"
  chmod 0755 "$TMPD/as-nobody"
  SOCK_ROOT=$SOCK
  SOCK=$TMPD/nb/thrd.sock
  # The wrapper execs setpriv, which execs thrd: THRD_PID is thrd itself.
  REAL_THRD=$THRD
  THRD=$TMPD/as-nobody
  start_thrd "$REAL_THRD" -c "$TMPD/nb/thrd.json" --state-dir "$TMPD/nb/state"
  THRD=$REAL_THRD
  expect_eq "thrd runs as nobody" nobody "$(ps -o user= -p "$THRD_PID")"
  wait_until 10 runs_at_least ex 3 || die "ex did not run under nobody"
  nproc=$(awk '/^Max processes/ { print $3 }' "/proc/$THRD_PID/limits")
  # prlimit on another process needs its uids (or CAP_SYS_RESOURCE): run it as nobody too.
  # A soft limit of 1: nobody already has thrd's threads, so every fork fails (EAGAIN).
  exhaust_and_recover "EAGAIN" --nproc=1: "--nproc=$nproc:" "cannot fork: Resource temporarily unavailable" \
    "${RUN_AS_NOBODY[@]}"
  stop_thrd || fail "thrd (nobody) did not exit 0"
  SOCK=$SOCK_ROOT
fi

# ---- 3 and 4. an unwritable or full state dir -----------------------------------------------
# thrd runs in its own mount namespace, where the state dir is a mount point the test can
# remount (read-only, read-write) or fill, with nsenter, without touching anyone else.
STATE=$TMPD/state
DEC=$STATE/decisions.json
mount_ok() {
  command -v unshare >/dev/null && command -v nsenter >/dev/null &&
    unshare -m --propagation private sh -c 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" &&
      mount -o remount,ro "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r' 2>/dev/null
}
# start_in_ns SETUP: thrd in a private mount namespace, after `sh -c SETUP` ran there.
start_in_ns() {
  printf '#!/bin/bash\nexec unshare -m --propagation private sh -c %q "$@"\n' \
    "$1"'; exec "$0" "$@"' >"$TMPD/in-ns"
  chmod 0755 "$TMPD/in-ns"
  local saved=$THRD
  THRD=$TMPD/in-ns
  start_thrd "$saved" -c "$CFG"
  THRD=$saved
}
in_ns() { nsenter -t "$THRD_PID" -m "$@"; }
# kept_has JOB STATE [FILE]: the decisions file holds JOB: STATE.
kept_has() { grep -q "\"$1\": \"$2\"" "${3:-$DEC}"; }

if ! mount_ok; then
  log "  SKIP  3 and 4: no mount namespace with tmpfs and remount here (unshare -m, mount)"
else
  log "-- 3. a read-only state dir"
  rm -rf "$STATE"
  mkdir -p "$STATE"
  start_in_ns "mount --bind '$STATE' '$STATE'"
  ctl_ok pause tick
  wait_until 5 kept_has tick paused || die "the first decision was not saved"
  before=$(cat "$DEC")
  in_ns mount -o remount,bind,ro "$STATE" || die "remount ro failed"
  errs0=$(log_count "cannot keep operator decisions")
  ctl stop other
  expect_eq "read-only: stop still acts (exit 0)" 0 "$CTL_RC"
  expect_eq "read-only: other is stopped" stopped "$(field other state)"
  if wait_until 5 log_more "cannot keep operator decisions" "$errs0"; then
    pass "read-only: logged: $(grep "cannot keep operator decisions" "$THRD_ERR" | tail -n1 | cut -c1-160)"
  else
    fail "read-only: the failed save is not logged"
  fi
  expect_contains "read-only: the reason is EROFS" "Read-only file system" "$(grep "cannot keep" "$THRD_ERR" | tail -n1)"
  expect_eq "read-only: the previous decisions file is intact" "$before" "$(cat "$DEC")"
  expect_true "read-only: no temp file left" test ! -e "$DEC.tmp"
  in_ns mount -o remount,bind,rw "$STATE" || die "remount rw failed"
  ctl_ok stop other  # a no-op now, and still the save that was missing
  expect_true "writable again: the next command saves every decision" kept_has other stopped
  expect_true "writable again: earlier decisions kept" kept_has tick paused
  expect_true "writable again: logged" log_has "operator decisions kept again"
  alive "$THRD_PID" || fail "thrd died"
  stop_thrd || fail "thrd did not exit 0 after the read-only section"

  log "-- 4. a full state dir (ENOSPC on a 64 KiB tmpfs)"
  rm -rf "$STATE"
  mkdir -p "$STATE"
  start_in_ns "mount -t tmpfs -o size=64k,mode=0755 thrd-state '$STATE'"
  NSDEC=/proc/$THRD_PID/root$DEC  # the tmpfs is seen only inside thrd's namespace
  ctl_ok pause tick
  wait_until 5 kept_has tick paused "$NSDEC" || die "the first decision was not saved on the tmpfs"
  before=$(cat "$NSDEC")
  in_ns sh -c "cat /dev/zero > '$STATE/fill'" 2>/dev/null || true
  in_ns sh -c "cat /dev/zero > '$STATE/fill2'" 2>/dev/null || true  # the last partial page
  errs0=$(log_count "cannot keep operator decisions")
  ctl stop other
  expect_eq "full: stop still acts (exit 0)" 0 "$CTL_RC"
  if wait_until 5 log_more "cannot keep operator decisions" "$errs0"; then
    pass "full: logged: $(grep "cannot keep operator decisions" "$THRD_ERR" | tail -n1 | cut -c1-160)"
  else
    fail "full: the failed save is not logged"
  fi
  expect_contains "full: the reason is ENOSPC" "No space left on device" "$(grep "cannot keep" "$THRD_ERR" | tail -n1)"
  expect_eq "full: the previous decisions file is intact" "$before" "$(cat "$NSDEC")"
  expect_true "full: no temp file left" test ! -e "$NSDEC.tmp"
  ctl_ok ping
  in_ns rm -f "$STATE/fill" "$STATE/fill2"
  ctl_ok stop other
  expect_true "space again: the next command saves every decision" kept_has other stopped "$NSDEC"
  expect_true "space again: earlier decisions kept" kept_has tick paused "$NSDEC"
  stop_thrd || fail "thrd did not exit 0 after the full-disk section"
fi

# ---- 5. a vanished or unreadable config at reload ------------------------------------------
log "-- 5. a vanished, replaced or garbled config at reload"
rm -rf "$STATE"
write_config "$CFG" "{\"jobs\": [ $JOBS ]}"
start_thrd -c "$CFG"
wait_until 10 runs_at_least tick 2 || die "tick did not run"
# "name state thread_id" of every job: must not change across a refused reload.
jobset() {
  local out
  out=$("$THRCTL" -s "$SOCK" --json status) || return 1
  json_get '" ".join("%s=%s/%s" % (j["name"], j["state"], j["thread_id"]) for j in d["jobs"])' "$out"
}
set0=$(jobset)
cp "$CFG" "$TMPD/good.json"
refused=0
try_bad() {  # LABEL EXPECTED_MESSAGE_PART
  local tick0
  tick0=$(field tick runs)
  ctl reload
  expect_eq "$1: thrctl reload exits 1" 1 "$CTL_RC"
  expect_contains "$1: the message says why" "$2" "$CTL_ERR"
  expect_eq "$1: jobs untouched (same states and threads)" "$set0" "$(jobset)"
  refused=$(log_count "reload refused, nothing changed")
  kill -HUP "$THRD_PID"
  if wait_until 10 log_more "reload refused, nothing changed" "$refused"; then
    pass "$1: SIGHUP refused and logged"
  else
    fail "$1: SIGHUP: no refusal in the log"
  fi
  alive "$THRD_PID" || die "$1: thrd died on SIGHUP"
  ctl ping
  expect_eq "$1: ping after SIGHUP" 0 "$CTL_RC"
  expect_eq "$1: jobs untouched after SIGHUP" "$set0" "$(jobset)"
  wait_until 5 runs_at_least tick $((tick0 + 2)) || fail "$1: tick stopped running"
}
rm -f "$CFG"
try_bad "vanished" "cannot open: No such file or directory"
mkdir "$CFG"
try_bad "a directory" "is a directory"
rmdir "$CFG"
printf '\x00\xff\xfe\x7f garbage \x01' >"$CFG"
try_bad "garbage bytes" "$CFG:1:"
printf '{"jobs": [{"name": "t\xff\xfe", "task": "timestamp", "every": "1s"}]}\n' >"$CFG"
try_bad "invalid UTF-8" "$CFG:1:"
: >"$CFG"
try_bad "empty" "$CFG"
cp "$TMPD/good.json" "$CFG"
ctl_ok reload
expect_eq "restored: reload applies, every job unchanged" "$set0" "$(jobset)"

# ---- 6. SIGPIPE -----------------------------------------------------------------------------
log "-- 6. clients hanging up while a large logs reply is written"
write_config "$CFG" '{"jobs": [
    { "name": "tick", "task": "timestamp", "every": "100ms" },
    { "name": "chatty", "task": "exec", "every": "1h", "log_lines": 20000,
      "command": "i=0; while [ $i -lt 20000 ]; do printf \"%0200d\\n\" $i; i=$((i+1)); done" }]}'
ctl_ok reload
wait_until 60 runs_at_least chatty 1 || die "chatty did not finish its run"
py_checks "$SOCK" "$(scaled 30)" <<'EOF'
import json, socket, struct, sys, time
path, budget = sys.argv[1], float(sys.argv[2])
deadline = time.time() + budget
def request(obj, rst=False, read=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(budget)
    s.connect(path)
    s.sendall((json.dumps(obj) + "\n").encode())
    data = b""
    while not data.endswith(b"\n") and (read is None or len(data) < read):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    if rst:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    return data
full = request({"cmd": "logs", "job": "chatty"})
reply = json.loads(full)
size = len(full)
print(("  ok    " if len(reply.get("lines", [])) == 20000 else "  FAIL  ")
      + f"a whole logs reply: {len(reply.get('lines', []))} lines, {size} bytes")
hangups = 0
for i in range(40):
    request({"cmd": "logs", "job": "chatty"}, rst=(i % 2 == 1), read=1 + i * 1000)
    hangups += 1
pong = json.loads(request({"cmd": "ping"}))
print(("  ok    " if pong.get("ok") else "  FAIL  ") + f"ping answers after {hangups} hang-ups mid-reply (half with RST)")
again = request({"cmd": "logs", "job": "chatty"})
print(("  ok    " if len(again) == size else "  FAIL  ") + f"a whole logs reply again: {len(again)} bytes")
EOF
expect_true "thrd is alive after the hang-ups (no SIGPIPE death)" alive "$THRD_PID"
ctl status
expect_eq "status answers after the hang-ups" 0 "$CTL_RC"

# ---- 7. the wall-clock watcher --------------------------------------------------------------
log "-- 7. wall-clock steps are watched (thread thrd-clock; steps unit-tested)"
expect_true "thrd has its clock watcher thread" has_thread "$THRD_PID" thrd-clock
if log_has "clock watch:"; then fail "clock watch could not start: $(grep -m1 'clock watch:' "$THRD_ERR")"; else pass "clock watch started without error"; fi
stop_thrd || fail "thrd did not exit 0"
finish
