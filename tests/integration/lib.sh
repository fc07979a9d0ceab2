# shellcheck shell=bash
# Shared helpers of the integration tests (tmux regress/ style). Source it from a test:
#
#   . "$(dirname "$0")/lib.sh"
#   setup "name"            # temp dir, EXIT trap, binaries
#   write_config "$CFG" '{"jobs": [...]}'
#   start_thrd -c "$CFG"    # socket, state dir and output files are added
#   ctl pause tick          # runs thrctl; sets CTL_RC, CTL_OUT, CTL_ERR (never exits)
#   expect_eq "what" "$want" "$got"
#   finish                  # prints PASS or FAIL and exits
#
# Environment: THRD and THRCTL (the binaries), THRD_SOURCE_DIR (the source tree),
# THRD_TEST_TIME_SCALE (default: THRD_TEST_TIME_SCALE_DEFAULT, which a sanitizer build's CTest
# sets to 3 or 5, else 1) multiplies every time bound, THRD_SANITIZED=1 (set by the same)
# says the binaries carry sanitizers,
# THRD_TEST_KEEP=1 keeps the temp dir for a post-mortem.
#
# Every thrd started by start_thrd carries THRD_IT_TAG=<the test's temp dir> in its
# environment, so every process it starts (the keeper, each run, a run's grandchildren) does
# too. At exit, after every thrd has ended, cleanup waits briefly for tagged processes to
# vanish, then SIGKILLs any still there and counts them as a failure: nothing a job runs may
# outlive thrd (CONTRACT.md).
#
# Rules: wait on conditions with wait_until and generous deadlines, never on fixed sleeps
# to let things settle; scale every time bound with `scaled`. Needs bash >= 5, python3
# (Debian: python3), ps (procps), socat for protocol_socat.sh.

# shellcheck disable=SC2034 # variables set here are read by the sourcing test
set -Eeuo pipefail
export LC_ALL=C

: "${THRD:?THRD must name the thrd binary}"
: "${THRCTL:?THRCTL must name the thrctl binary}"
THRD_SOURCE_DIR=${THRD_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TIME_SCALE=${THRD_TEST_TIME_SCALE:-${THRD_TEST_TIME_SCALE_DEFAULT:-1}}
SANITIZED=${THRD_SANITIZED:-0}
# What a sanitizer prints first in a report (ASan, LeakSanitizer, UBSan, TSan).
SANITIZER_REPORT='ERROR: (Address|Leak)Sanitizer|runtime error:|WARNING: ThreadSanitizer|ERROR: ThreadSanitizer'
# Debian's interpreter when present: a pyenv shim in PATH costs ~60 ms a call.
if [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi

TEST_NAME=""
TMPD=""
SOCK=""
CFG=""
THRD_PID=""
THRD_PIDS=()   # every thrd started, for cleanup
BG_PIDS=()     # every helper started in the background, for cleanup
FAILURES=0
FINISHED=0
DIED=0
ERR_INFO=""

# ---- output -------------------------------------------------------------------------------

log() { printf '%s\n' "$*"; }
pass() { printf '  ok    %s\n' "$*"; }
fail() {
  printf '  FAIL  %s\n' "$*"
  FAILURES=$((FAILURES + 1))
}
# A failure after which going on makes no sense.
die() {
  printf '  FAIL  %s\n' "$*"
  FAILURES=$((FAILURES + 1))
  DIED=1
  exit 1
}

expect_eq() {  # what want got
  if [[ "$2" == "$3" ]]; then pass "$1: $3"; else fail "$1: expected '$2', got '$3'"; fi
}
expect_ne() {  # what unwanted got
  if [[ "$2" != "$3" ]]; then pass "$1: $3"; else fail "$1: did not expect '$3'"; fi
}
expect_match() {  # what regex text
  if [[ "$3" =~ $2 ]]; then pass "$1"; else fail "$1: '$3' does not match /$2/"; fi
}
expect_contains() {  # what needle text
  if [[ "$3" == *"$2"* ]]; then pass "$1"; else fail "$1: '$3' does not contain '$2'"; fi
}
expect_true() {  # what command...
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# ---- time ---------------------------------------------------------------------------------

# Wall-clock milliseconds, without forking date.
now_ms() {
  local t=$EPOCHREALTIME
  echo $((10#${t/./} / 1000))
}
# Microseconds, for latency figures.
now_us() {
  local t=$EPOCHREALTIME
  echo $((10#${t/./}))
}
# `scaled 1.5` prints 1.5 x THRD_TEST_TIME_SCALE (seconds, fractional).
scaled() { awk -v s="$TIME_SCALE" -v x="$1" 'BEGIN { printf "%.3f", x * s }'; }
# Milliseconds of `scaled SECONDS`.
scaled_ms() { awk -v s="$TIME_SCALE" -v x="$1" 'BEGIN { printf "%d", x * s * 1000 }'; }

# wait_until SECONDS COMMAND...: polls COMMAND every 50 ms until it succeeds (0) or the
# scaled deadline passes (1). COMMAND's output is discarded.
wait_until() {
  local deadline=$(($(now_ms) + $(scaled_ms "$1")))
  shift
  while true; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if (($(now_ms) >= deadline)); then return 1; fi
    sleep 0.05
  done
}

# sleep_until EPOCH_MS: a point on the scenario's timeline (not a "settle" wait).
sleep_until() {
  local left=$(($1 - $(now_ms)))
  if ((left > 0)); then sleep "$(awk -v ms="$left" 'BEGIN { printf "%.3f", ms / 1000 }')"; fi
}

# ---- processes ----------------------------------------------------------------------------

# True while PID exists and is not a zombie.
alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z ]]
}
not_alive() { ! alive "$1"; }

# Thread names of PID, one a line ("tick", "thrd-accept", ...).
thread_names() { ps -T -o comm= -p "$1" 2>/dev/null | sed 's/ *$//'; }
# Thread ids of PID.
thread_ids() { ps -T -o spid= -p "$1" 2>/dev/null | tr -d ' '; }
# has_thread PID NAME: a thread of PID is named NAME.
has_thread() { thread_names "$1" | grep -qxF -- "$2"; }
no_thread() { ! has_thread "$1" "$2"; }
# has_tid PID TID: TID is a thread of PID.
has_tid() { [[ -d "/proc/$1/task/$2" ]]; }
no_tid() { ! has_tid "$1" "$2"; }

# Ends PID: TERM, then KILL after the (scaled) deadline. Returns its exit status when it was
# our child, else 0.
terminate() {
  local pid=$1 grace=${2:-5}
  alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_until "$grace" not_alive "$pid"; then
    log "  (pid $pid ignored SIGTERM for $(scaled "$grace")s; sending SIGKILL)"
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 5 not_alive "$pid" || true
  fi
  local rc=0
  wait "$pid" 2>/dev/null || rc=$?
  return $rc
}

bg_track() { BG_PIDS+=("$1"); }

# start_mute_socket PATH: a socket that accepts every connection and never reads or answers,
# in the background (tracked); returns once it listens.
start_mute_socket() {
  "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(16)
held = []
while True:
    c, _ = s.accept()
    held.append(c)   # read nothing, answer nothing
' "$1" &
  bg_track $!
  wait_until 10 test -S "$1" || die "mute socket $1 did not start"
}

# Pids of the processes (zombies included) whose process group is PGID, one a line.
group_pids() { ps -e -o pid=,pgid= | awk -v g="$1" '$2 == g { print $1 }'; }
# "pid stat comm" of every process of group PGID, one a line.
group_ps() { ps -e -o pid=,pgid=,stat=,comm= | awk -v g="$1" '$2 == g { print $1, $3, $4 }'; }
# True when no process at all (not even a zombie) is in group PGID.
group_gone() { [[ -z "$(group_pids "$1")" ]]; }
# Zombies whose parent is PID, as "pid stat comm" lines.
zombies_of() { ps -e -o pid=,ppid=,stat=,comm= | awk -v p="$1" '$2 == p && $3 ~ /^Z/ { print $1, $3, $4 }'; }
# Open file descriptors of PID.
fd_count() { ls "/proc/$1/fd" | wc -l; }
# VmRSS of PID in kB.
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }

# Live processes (zombies have no environment) carrying THRD_IT_TAG=TAG, as "pid args" lines.
tagged_procs() {
  "$PY" - "$1" <<'PYEOF'
import os, sys
want = b"THRD_IT_TAG=" + sys.argv[1].encode()
me = os.getpid()
for p in os.listdir("/proc"):
    if not p.isdigit() or int(p) == me:
        continue
    try:
        with open(f"/proc/{p}/environ", "rb") as f:
            env = f.read().split(b"\0")
        if want not in env:
            continue
        with open(f"/proc/{p}/cmdline", "rb") as f:
            args = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        continue
    print(p, args)
PYEOF
}
no_tagged_procs() { [[ -z "$(tagged_procs "$1")" ]]; }

# ---- setup and cleanup --------------------------------------------------------------------

cleanup() {
  local rc=$?
  set +e
  local pid
  for pid in "${BG_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${THRD_PIDS[@]}"; do
    terminate "$pid" 5 >/dev/null 2>&1
  done
  for pid in "${BG_PIDS[@]}"; do
    if alive "$pid"; then
      wait_until 2 not_alive "$pid" || kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
  done
  if [[ -n "$TMPD" && ${#THRD_PIDS[@]} -gt 0 ]] && ! wait_until 3 no_tagged_procs "$TMPD"; then
    local left
    left=$(tagged_procs "$TMPD")
    FAILURES=$((FAILURES + 1))
    log "  FAIL  processes left behind after every thrd ended (SIGKILLed now):"
    printf '%s\n' "$left" | sed 's/^/          /'
    for pid in $(printf '%s\n' "$left" | awk '{ print $1 }'); do
      kill -KILL "$pid" 2>/dev/null
    done
  fi
  # A sanitizer report of any thrd (they all write to $TMPD/thrd<N>.err) or thrctl fails the
  # test, even when what the test checked came out right.
  if [[ -n "$TMPD" ]]; then
    local f
    for f in "$TMPD"/*.err; do
      [[ -s "$f" ]] && grep -qE "$SANITIZER_REPORT" "$f" || continue
      FAILURES=$((FAILURES + 1))
      log "  FAIL  sanitizer report in $(basename "$f"):"
      grep -E -A 30 "$SANITIZER_REPORT" "$f" | head -n 60 | sed 's/^/          /'
    done
  fi
  if ((FINISHED == 0 && DIED == 0)); then
    if ((rc == 0)); then rc=1; fi
    FAILURES=$((FAILURES + 1))
    log "  FAIL  the test ended early (exit status $rc${ERR_INFO:+; last failed command: $ERR_INFO})"
  fi
  if ((FAILURES > 0)) && [[ -n "$TMPD" ]]; then
    local f
    for f in "$TMPD"/*.err; do
      [[ -s "$f" ]] || continue
      log "---- last lines of $(basename "$f") ----"
      tail -n 25 "$f"
    done
  fi
  if [[ -n "$TMPD" ]]; then
    if [[ "${THRD_TEST_KEEP:-0}" == 1 ]]; then
      log "(kept $TMPD)"
    else
      rm -rf "$TMPD"
    fi
  fi
  if ((FAILURES > 0)); then
    log "FAIL: $TEST_NAME ($FAILURES failed check(s))"
    ((rc != 0)) || rc=1
  else
    log "PASS: $TEST_NAME"
  fi
  exit $rc
}

setup() {
  TEST_NAME=$1
  TMPD=$(mktemp -d "${TMPDIR:-/tmp}/thrd-it.XXXXXX")
  trap cleanup EXIT
  trap 'ERR_INFO="line $LINENO: $BASH_COMMAND"' ERR
  trap 'exit 130' INT
  trap 'exit 143' TERM
  SOCK=$TMPD/thrd.sock
  CFG=$TMPD/thrd.json
  [[ -x "$THRD" ]] || die "THRD=$THRD is not executable"
  [[ -x "$THRCTL" ]] || die "THRCTL=$THRCTL is not executable"
  [[ -n "$PY" ]] || die "python3 is needed (Debian: apt-get install python3)"
  log "== $TEST_NAME (time scale $TIME_SCALE, dir $TMPD)"
}

# All test output ends here: PASS or FAIL, exit status.
finish() {
  FINISHED=1
  if ((FAILURES > 0)); then exit 1; fi
  exit 0
}

# skip_test REASON: ends the test as skipped (exit 77, which CTest reports as such), saying
# why; nothing has been started yet, so the temp dir is all there is to remove.
skip_test() {
  log "  SKIP  $*"
  FINISHED=1
  trap - EXIT
  rm -rf "$TMPD"
  exit 77
}

write_config() { printf '%s\n' "$2" >"$1"; }

# start_thrd [ARGS...]: starts thrd in the background on $SOCK (unless ARGS give -s) with
# the state dir $TMPD/state (unless ARGS give --state-dir), waits until it answers ping. Sets
# THRD_PID. Its stdout goes to $TMPD/thrd<N>.out, stderr to $TMPD/thrd<N>.err (N counts the
# thrds of this test).
start_thrd() {
  local n=${#THRD_PIDS[@]} args=("$@") have_socket=0 have_state=0 a
  for a in "${args[@]}"; do
    [[ "$a" == -s || "$a" == --socket ]] && have_socket=1
    [[ "$a" == --state-dir ]] && have_state=1
  done
  ((have_socket)) || args+=(-s "$SOCK")
  ((have_state)) || args+=(--state-dir "$TMPD/state")
  THRD_OUT=$TMPD/thrd$n.out
  THRD_ERR=$TMPD/thrd$n.err
  THRD_IT_TAG=$TMPD "$THRD" "${args[@]}" >"$THRD_OUT" 2>"$THRD_ERR" &
  THRD_PID=$!
  THRD_PIDS+=("$THRD_PID")
  local sock=$SOCK i
  for ((i = 0; i < ${#args[@]}; i++)); do
    if [[ "${args[i]}" == -s || "${args[i]}" == --socket ]]; then sock=${args[i + 1]}; fi
  done
  if ! wait_until 10 thrd_ready "$THRD_PID" "$sock"; then
    alive "$THRD_PID" || die "thrd exited at start: $(tail -n 3 "$THRD_ERR")"
    die "thrd (pid $THRD_PID) did not answer ping on $sock within $(scaled 10)s"
  fi
}
thrd_ready() {
  alive "$1" || return 1
  "$THRCTL" -s "$2" ping >/dev/null 2>&1
}

# stop_thrd [PID]: SIGTERM, then SIGKILL after a deadline; returns thrd's exit status.
stop_thrd() { terminate "${1:-$THRD_PID}" 5; }

# ---- thrctl -------------------------------------------------------------------------------

# ctl ARGS...: runs thrctl -s $SOCK ARGS; sets CTL_RC, CTL_OUT, CTL_ERR and CTL_MS (how long
# it took). Never fails itself.
ctl() { ctl_at "$SOCK" "$@"; }
ctl_at() {
  local sock=$1
  shift
  local t0 t1
  t0=$(now_us)
  CTL_RC=0
  "$THRCTL" -s "$sock" "$@" >"$TMPD/ctl.out" 2>"$TMPD/ctl.err" || CTL_RC=$?
  t1=$(now_us)
  CTL_US=$((t1 - t0))
  CTL_MS=$(((t1 - t0) / 1000))
  CTL_OUT=$(cat "$TMPD/ctl.out")
  CTL_ERR=$(cat "$TMPD/ctl.err")
  if [[ "$CTL_ERR" =~ $SANITIZER_REPORT ]]; then fail "sanitizer report from thrctl $*: $CTL_ERR"; fi
}
# ctl_ok ARGS...: like ctl, and dies unless thrctl exited 0.
ctl_ok() {
  ctl "$@"
  ((CTL_RC == 0)) || die "thrctl $* exited $CTL_RC: $CTL_ERR"
}

# ---- JSON (python3) -----------------------------------------------------------------------

# json_get EXPR [TEXT]: evaluates EXPR with `d` bound to the JSON of TEXT (or stdin) and prints
# it: strings raw, everything else as JSON (null, true, 3, [...]). Fails on invalid JSON.
json_get() {
  local expr=$1
  if (($# > 1)); then
    printf '%s' "$2" | json_get "$expr"
    return
  fi
  "$PY" -c '
import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1], {"d": d, "json": json})
print(v if isinstance(v, str) else json.dumps(v))' "$expr"
}

# py_checks ARGS... <<'EOF' python EOF: runs a python check script (stdin) with ARGS; it
# prints "  ok    ..." and "  FAIL  ..." lines, which count as this test's checks. A script
# that crashes counts as one failure.
py_checks() {
  local script=$TMPD/check.py rc=0
  cat >"$script"
  "$PY" "$script" "$@" >"$TMPD/py.out" 2>&1 || rc=$?
  cat "$TMPD/py.out"
  local n
  n=$(grep -c '^  FAIL' "$TMPD/py.out" || true)
  FAILURES=$((FAILURES + n))
  if ((rc != 0 && n == 0)); then fail "python check script exited $rc"; fi
  return 0
}

# iso_ms ISO: milliseconds since the epoch of "2026-11-26T07:30:00.250Z".
iso_ms() {
  "$PY" -c '
import datetime, sys
t = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
print(round(t.timestamp() * 1000))' "$1"
}

# is_json_object TEXT: TEXT is one JSON object.
is_json_object() {
  printf '%s' "$1" | "$PY" -c 'import json, sys; sys.exit(0 if isinstance(json.load(sys.stdin), dict) else 1)' \
    2>/dev/null
}

# job_field JOB FIELD: one field of `thrctl --json status JOB`.
job_field() {
  local out
  out=$("$THRCTL" -s "$SOCK" --json status "$1") || return 1
  json_get "d['jobs'][0]['$2']" "$out"
}
job_state() { job_field "$1" state; }
# state_is JOB STATE: for wait_until.
state_is() { [[ "$(job_state "$1" 2>/dev/null)" == "$2" ]]; }
# runs_at_least JOB N: for wait_until.
runs_at_least() {
  local r
  r=$(job_field "$1" runs 2>/dev/null) || return 1
  ((r >= $2))
}
