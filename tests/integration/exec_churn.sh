#!/usr/bin/env bash
# 1,000 short runs leak nothing (issue 4, "What it must show"): four jobs run `true` every
# 20 ms (about 200 runs a second) until 1,000 runs have completed, then are paused.
# - no zombie child of thrd;
# - thrd's fd count (/proc/PID/fd) back to where it was before the first run;
# - RSS (VmRSS) at the end within 10% of RSS after the first 100 runs (printed, not
#   asserted, under AddressSanitizer);
# - every run a success. The figures are printed.
. "$(dirname "$0")/lib.sh"
setup exec_churn

JOBS="c1 c2 c3 c4"
jobs_json=""
for j in $JOBS; do
  jobs_json+="${jobs_json:+,}"'
    { "name": "'"$j"'", "task": "exec", "every": "20ms", "start": "paused", "command": ["true"] }'
done
write_config "$CFG" '{ "jobs": ['"$jobs_json"' ] }'
start_thrd -c "$CFG"

# totals: "runs failures busy" over all jobs (busy: jobs with a run in progress).
totals() {
  local out
  out=$("$THRCTL" -s "$SOCK" --json status) || return 1
  json_get '"%d %d %d" % (sum(j["runs"] for j in d["jobs"]), sum(j["failures"] for j in d["jobs"]), sum(j["pid"] is not None for j in d["jobs"]))' "$out"
}
runs_total() { totals | awk '{ print $1 }'; }
total_at_least() { local r; r=$(runs_total) && ((r >= $1)); }
none_busy() { [[ "$(totals | awk '{ print $3 }')" == 0 ]]; }
fds_are() { [[ "$(fd_count "$THRD_PID")" == "$1" ]]; }

# Baseline: no run has started yet. A finished control connection keeps its fd until the
# next one is accepted, so both counts are taken right after a ping.
ctl_ok ping
FD0=$(fd_count "$THRD_PID")
RSS0=$(rss_kb "$THRD_PID")
expect_eq "no run before resume" 0 "$(runs_total)"

T0=$(now_ms)
ctl_ok resume --all
MAX_FD=$FD0
wait_until 10 total_at_least 100 || die "fewer than 100 runs in $(scaled 10)s"
RSS100=$(rss_kb "$THRD_PID")
N100=$(runs_total)
# Until 1,000: sample the fd count on the way (for the figures).
deadline=$(($(now_ms) + $(scaled_ms 40)))
while ! total_at_least 1000; do
  f=$(fd_count "$THRD_PID")
  ((f > MAX_FD)) && MAX_FD=$f
  (($(now_ms) < deadline)) || die "fewer than 1000 runs in $(scaled 40)s ($(runs_total))"
  sleep 0.05
done
T1=$(now_ms)
ctl_ok pause --all
wait_until 10 none_busy || die "runs still in progress $(scaled 10)s after pause --all"
read -r RUNS FAILS _ < <(totals)
log "  $RUNS runs in $((T1 - T0)) ms ($((RUNS * 1000 / (T1 - T0))) runs/s)"
expect_true "at least 1000 runs ($RUNS)" test "$RUNS" -ge 1000
expect_eq "failures" 0 "$FAILS"

expect_eq "no zombie child of thrd" "" "$(zombies_of "$THRD_PID")"
expect_eq "no run process left" "" "$(ps -e -o ppid=,comm= | awk -v p="$THRD_PID" '$1 == p && $2 != "thrd-keeper"')"

ctl_ok ping
if wait_until 5 fds_are "$FD0"; then
  pass "fd count back to where it started: $FD0 before, $(fd_count "$THRD_PID") after (at most $MAX_FD seen during the runs)"
else
  fail "fd count $FD0 before, $(fd_count "$THRD_PID") after $RUNS runs: $(ls -l "/proc/$THRD_PID/fd" | tail -n +2 | awk '{ print $NF }' | sort | uniq -c | tr '\n' ';')"
fi

RSS_END=$(rss_kb "$THRD_PID")
read -r pct ok < <(awk -v a="$RSS100" -v b="$RSS_END" 'BEGIN { d = (b - a) / a * 100; printf "%+.1f %d\n", d, (d <= 10 && d >= -10) }')
if [[ "$SANITIZED" == 1 ]] || grep -qa __asan_init "$THRD"; then
  # AddressSanitizer's quarantine holds freed memory back (256 MB by default): RSS grows
  # with every allocation, leak or not; TSan's shadow memory grows too. The leak check at exit
  # (a report in thrd's stderr fails the test, lib.sh) covers the ASan build instead.
  log "  skip  RSS not asserted under a sanitizer: $RSS100 kB after $N100 runs, $RSS_END kB after $RUNS ($pct%)"
elif ((ok)); then
  pass "RSS flat: $RSS100 kB after $N100 runs, $RSS_END kB after $RUNS ($pct%; $RSS0 kB before the first run)"
else
  fail "RSS $RSS100 kB after $N100 runs, $RSS_END kB after $RUNS ($pct%, limit 10%)"
fi

rc=0
stop_thrd || rc=$?
expect_eq "thrd exits 0 on SIGTERM" 0 "$rc"
finish
