#!/usr/bin/env bash
# Stress (issue 8): thrd with 100 jobs every 250 ms (95 timestamp, 5 exec `true`) under 32
# concurrent clients sending 200 random requests each, half on persistent connections (see
# stress.py for the mix). Control commands touch only 20 designated jobs, so the other 80 must
# keep their rate. At the end thrd is alive and answers ping and status within a second, and
# exits 0 on SIGTERM. CI also runs it under ASan (THRD_TEST_TIME_SCALE widens the deadlines).
# STRESS_DURATION (default 20) is how many seconds the requests are spread over; STRESS_SEED
# replays a run.
. "$(dirname "$0")/../integration/lib.sh"
setup stress

JOBS=()
CONTROL=()
entries=""
for i in $(seq -w 0 99); do
  name=j$i
  JOBS+=("$name")
  # Five exec jobs (j00, j10 designated; j20, j30, j40 untouched); a fork costs more than a
  # timestamp on 2 cores.
  if ((10#$i < 50 && 10#$i % 10 == 0)); then
    entries+="{\"name\": \"$name\", \"task\": \"exec\", \"command\": [\"true\"], \"every\": \"250ms\"},"
  else
    entries+="{\"name\": \"$name\", \"task\": \"timestamp\", \"every\": \"250ms\", \"log_lines\": 50},"
  fi
  if ((10#$i < 20)); then CONTROL+=("$name"); fi
done
write_config "$CFG" "{\"jobs\": [ ${entries%,} ]}"

start_thrd -c "$CFG"
wait_until 10 runs_at_least j99 2 || die "the jobs did not start running"

join() {
  local IFS=,
  echo "$*"
}
args=(--socket "$SOCK" --jobs "$(join "${JOBS[@]}")" --control "$(join "${CONTROL[@]}")"
  --every-ms 250 --clients 32 --requests 200 --duration "${STRESS_DURATION:-20}"
  --scale "$TIME_SCALE")
if [[ -n "${STRESS_SEED:-}" ]]; then args+=(--seed "$STRESS_SEED"); fi
rc=0
"$PY" "$(dirname "$0")/stress.py" "${args[@]}" | tee "$TMPD/stress.out" || rc=$?
FAILURES=$((FAILURES + $(grep -c '^  FAIL' "$TMPD/stress.out" || true)))
if ((rc != 0)) && ! grep -q '^  FAIL' "$TMPD/stress.out"; then fail "stress.py exited $rc"; fi

expect_true "thrd is alive" alive "$THRD_PID"
ctl ping
expect_eq "ping answers at the end" 0 "$CTL_RC"
if ((CTL_MS <= $(scaled_ms 1))); then pass "ping within a second (${CTL_MS} ms)"; else fail "ping took ${CTL_MS} ms"; fi
ctl --json status
expect_eq "status answers at the end" 0 "$CTL_RC"
if ((CTL_MS <= $(scaled_ms 1))); then pass "status within a second (${CTL_MS} ms)"; else fail "status took ${CTL_MS} ms"; fi
expect_eq "status lists every job" 100 "$(json_get 'len(d["jobs"])' "$CTL_OUT")"
# Streams the clients hung up on end within a second or so: none may pile up as threads.
conn_threads() { thread_names "$THRD_PID" | grep -c '^thrd-conn$' || true; }
few_conn_threads() { (($(conn_threads) <= 2)); }
if wait_until 10 few_conn_threads; then
  pass "connection threads wound down ($(conn_threads) left)"
else
  fail "$(conn_threads) connection threads still there after every client left"
fi
log "  thrd: $(thread_names "$THRD_PID" | wc -l) threads, $(fd_count "$THRD_PID") fds, RSS $(rss_kb "$THRD_PID") kB"
stop_thrd || fail "thrd did not exit 0 on SIGTERM"
finish
