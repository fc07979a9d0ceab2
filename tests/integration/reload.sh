#!/usr/bin/env bash
# Reload (CONTRACT.md "Reload"), by thrctl reload and by SIGHUP: an unchanged job keeps its
# thread and counter; a changed one gets a new thread and rate and keeps its pause; added jobs
# begin as their `start` says; removed jobs are stopped and dropped; an invalid config (a
# syntax error, then one name in two drop-ins) is refused with nothing changed; a drop-in
# added to the directory appears after a reload.
. "$(dirname "$0")/lib.sh"
setup reload

mkdir -p "$TMPD/conf.d"
main_config() {  # JOBS_JSON
  write_config "$CFG" "{
  // drop-ins beside the main file, resolved against its directory
  \"include\": [\"conf.d/*.json\"],
  \"jobs\": [ $1 ]
}"
}
main_config '
    { "name": "keep", "task": "timestamp", "every": "100ms" },
    { "name": "chg", "task": "timestamp", "every": "1s" },
    { "name": "gone", "task": "timestamp", "every": "100ms" }'
start_thrd -c "$CFG"

# "name tid state every" for every job, sorted: the running set as a whole.
running_set() {
  local out
  out=$("$THRCTL" -s "$SOCK" --json status) || return 1
  json_get '"\n".join(sorted("%s %s %s %s" % (j["name"], j["thread_id"], j["state"], j["every"]) for j in d["jobs"]))' "$out"
}

wait_until 10 runs_at_least keep 3 || die "keep never ran 3 times"
wait_until 10 runs_at_least chg 1 || die "chg never ran"
keep_tid=$(job_field keep thread_id)
chg_tid=$(job_field chg thread_id)
gone_tid=$(job_field gone thread_id)
ctl_ok pause chg

log "-- thrctl reload: chg changed (1s -> 100ms), gone removed, two jobs added"
main_config '
    { "name": "keep", "task": "timestamp", "every": "100ms" },
    { "name": "chg", "task": "timestamp", "every": "100ms" },
    { "name": "fresh", "task": "timestamp", "every": "100ms", "start": "paused" },
    { "name": "fresh2", "task": "timestamp", "every": "100ms" }'
keep_runs=$(job_field keep runs)
chg_runs=$(job_field chg runs)
ctl reload
expect_eq "reload exit status" 0 "$CTL_RC"
expect_contains "reload names the changed job" "changed chg" "$CTL_OUT"
expect_contains "reload names the added jobs" "added fresh fresh2" "$CTL_OUT"
expect_contains "reload names the removed job" "removed gone" "$CTL_OUT"
expect_contains "reload counts the unchanged job" "1 unchanged" "$CTL_OUT"

expect_eq "keep: same thread" "$keep_tid" "$(job_field keep thread_id)"
keep_after=$(job_field keep runs)
if ((keep_after >= keep_runs)); then pass "keep: counter kept ($keep_runs -> $keep_after)"; else
  fail "keep: counter went back from $keep_runs to $keep_after"; fi
expect_eq "keep: still running" running "$(job_state keep)"
new_chg_tid=$(job_field chg thread_id)
expect_ne "chg: a new thread" "$chg_tid" "$new_chg_tid"
expect_true "chg: the old thread has ended" no_tid "$THRD_PID" "$chg_tid"
expect_eq "chg: keeps its pause" paused "$(job_state chg)"
expect_eq "chg: the new period" 100ms "$(job_field chg every)"
expect_eq "chg: counter carried over" "$chg_runs" "$(job_field chg runs)"
expect_eq "fresh: begins as its start says" paused "$(job_state fresh)"
expect_eq "fresh2: begins running" running "$(job_state fresh2)"
ctl status gone
expect_eq "gone: no longer known (exit 1)" 1 "$CTL_RC"
expect_true "gone: its thread has ended" no_tid "$THRD_PID" "$gone_tid"

ctl_ok resume chg
base=$(job_field chg runs)
# At the old 1s period 10 runs would take 10 s; at 100ms about one.
if wait_until 5 runs_at_least chg $((base + 10)); then pass "chg runs at the new rate"; else
  fail "chg: fewer than 10 runs in $(scaled 5)s after resume"; fi

log "-- an invalid config is refused and nothing changes"
before=$(running_set)
cp "$CFG" "$TMPD/good.json"
printf '{\n  "jobs": [\n    { "name": "x", "task": "timestamp", "every": "1s" }\n    { "name": "y" }\n  ]\n}\n' >"$CFG"
ctl reload
expect_eq "syntax error: exit status" 1 "$CTL_RC"
expect_match "syntax error: the message names the file and line:col" "$CFG:4:[0-9]+: syntax error" "$CTL_ERR"
expect_eq "syntax error: the running set is unchanged" "$before" "$(running_set)"

cp "$TMPD/good.json" "$CFG"
write_config "$TMPD/conf.d/10-a.json" '{"jobs": [{"name": "dup", "task": "timestamp", "every": "1s"}]}'
write_config "$TMPD/conf.d/20-b.json" '{"jobs": [{"name": "dup", "task": "timestamp", "every": "2s"}]}'
ctl reload
expect_eq "duplicate across drop-ins: exit status" 1 "$CTL_RC"
expect_contains "duplicate: names the second file" "conf.d/20-b.json" "$CTL_ERR"
expect_contains "duplicate: names the first file" "conf.d/10-a.json" "$CTL_ERR"
expect_contains "duplicate: names the job" '"dup"' "$CTL_ERR"
expect_eq "duplicate: the running set is unchanged" "$before" "$(running_set)"
ctl status dup
expect_eq "duplicate: dup was not added" 1 "$CTL_RC"

log "-- a drop-in added to the directory appears after reload"
rm "$TMPD/conf.d/20-b.json"
ctl reload
expect_eq "reload with one drop-in: exit status" 0 "$CTL_RC"
expect_contains "reload counts the drop-in" "(+1 drop-in)" "$CTL_OUT"
expect_contains "reload adds its job" "added dup" "$CTL_OUT"
expect_eq "dup: running" running "$(job_state dup)"
expect_eq "dup: the drop-in's period" 1s "$(job_field dup every)"

log "-- SIGHUP does the same as thrctl reload"
write_config "$TMPD/conf.d/30-hup.json" '{"jobs": [{"name": "hup", "task": "timestamp", "every": "1s"}]}'
dup_tid=$(job_field dup thread_id)
kill -HUP "$THRD_PID"
if wait_until 10 state_is hup running; then pass "SIGHUP: the new drop-in's job runs"; else
  fail "SIGHUP: job hup did not appear"; fi
expect_eq "SIGHUP: dup untouched (same thread)" "$dup_tid" "$(job_field dup thread_id)"
before=$(running_set)
printf '{"jobs": [}\n' >"$TMPD/conf.d/30-hup.json"
kill -HUP "$THRD_PID"
if wait_until 10 grep -q "reload refused, nothing changed: config $TMPD/conf.d/30-hup.json:1:" "$THRD_ERR"; then
  pass "SIGHUP with a bad drop-in: refused, logged with file:line:col"
else
  fail "SIGHUP with a bad drop-in: no refusal in the log"
fi
expect_true "SIGHUP: thrd still alive" alive "$THRD_PID"
expect_eq "SIGHUP refused: the running set is unchanged" "$before" "$(running_set)"

log "-- the embedded default has nothing to re-read"
start_thrd -s "$TMPD/default.sock" --state-dir "$TMPD/state2"
ctl_at "$TMPD/default.sock" reload
expect_eq "embedded: exit status" 0 "$CTL_RC"
expect_contains "embedded: says so" "embedded default" "$CTL_OUT"

stop_thrd "${THRD_PIDS[0]}" || fail "first thrd did not exit 0"
finish
