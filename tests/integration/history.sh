#!/usr/bin/env bash
# Run history (`history` key, `thrctl history`, the strip of `thrctl show`), golden:
#  - `alt` runs a fixed sequence by a counter file: ok, failed, ok (slow: it overlaps one
#    slot), ok, then failed three times, when max_failures 3 ends it `failed`: exactly 7 runs,
#    whatever the load. `thrctl history alt` must match golden/history_table.txt once start
#    times and durations are normalised (sed below), under LC_ALL=C and under C.UTF-8; `-n 3`
#    is its last 3 rows; `--json` gives the same facts.
#  - the `recent runs` line of `thrctl show alt` must match golden/history_strip_utf8.txt
#    under a UTF-8 locale (LC_ALL, or LANG when LC_ALL and LC_CTYPE are unset) and
#    golden/history_strip_ascii.txt otherwise: the outcomes with the missed slot in its
#    place, and the sparkline, where the slow run is the one full bar (its 1.5 periods against
#    a few ms: a quick run would have to take an eighth of the slow one to reach the next bar).
#  - a run ended by `kill` is `interrupted`, with why; `history` 0 keeps none; an unknown job
#    exits 1; -n must be a number (exit 2).
# THRD_UPDATE_GOLDEN=1 rewrites the golden files from this run instead of comparing.
. "$(dirname "$0")/lib.sh"
setup history

GOLDEN=$THRD_SOURCE_DIR/tests/integration/golden
UTF8_LOCALE=C.UTF-8

# One period of `alt`: scaled, so that a loaded or sanitized run still ends its quick runs
# inside their slot and its slow run (1.5 periods) overlaps exactly one slot.
EVERY_MS=$(scaled_ms 1)
SLOW=$(awk -v ms="$EVERY_MS" 'BEGIN { printf "%.3f", ms * 1.5 / 1000 }')
cat >"$TMPD/alt.sh" <<EOF
#!/bin/sh
n=\$(cat "$TMPD/alt.count" 2>/dev/null || echo 0)
n=\$((n + 1))
echo "\$n" >"$TMPD/alt.count"
case \$n in
  1 | 4) exit 0 ;;
  3) sleep $SLOW; exit 0 ;;
  *) exit 3 ;;
esac
EOF
write_config "$CFG" "{ \"jobs\": [
    { \"name\": \"alt\", \"task\": \"exec\", \"command\": [\"sh\", \"$TMPD/alt.sh\"],
      \"every\": \"${EVERY_MS}ms\", \"max_failures\": 3 },
    { \"name\": \"long\", \"task\": \"exec\", \"command\": [\"sleep\", \"600\"], \"every\": \"1h\",
      \"history\": 5 },
    { \"name\": \"off\", \"task\": \"timestamp\", \"every\": \"100ms\", \"history\": 0 } ] }"
start_thrd -c "$CFG"

wait_until 60 state_is alt failed || die "alt did not end failed after its 7 runs"
expect_eq "alt: runs" 7 "$(job_field alt runs)"

# golden NAME TEXT: TEXT must equal golden/NAME (or, with THRD_UPDATE_GOLDEN=1, becomes it).
golden() {
  local file=$GOLDEN/$1
  if [[ "${THRD_UPDATE_GOLDEN:-0}" == 1 ]]; then
    mkdir -p "$GOLDEN"
    printf '%s\n' "$2" >"$file"
    pass "$1: written"
  elif diff -u "$file" <(printf '%s\n' "$2") >"$TMPD/golden.diff"; then
    pass "$1: matches the golden file"
  else
    fail "$1: differs from the golden file:"
    cat "$TMPD/golden.diff"
  fi
}
# The history table with its two run-dependent columns made fixed: START (always 24
# characters) and DURATION (with its padding; the column is as wide as its header while every
# run takes under a minute).
normalise_table() {
  sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z  [0-9a-z]+ +/<start>                   <dur>     /'
}
# show's strip line: the longest duration made fixed.
strip_line() { grep -E '^  recent runs ' | sed -E 's/  max [0-9a-z]+$/  max <max>/'; }

log "-- thrctl history alt: golden table, in the C locale and in UTF-8"
ctl_ok history alt
golden history_table.txt "$(printf '%s\n' "$CTL_OUT" | normalise_table)"
table=$CTL_OUT
utf8_table=$(LC_ALL=$UTF8_LOCALE "$THRCTL" -s "$SOCK" history alt)
expect_eq "the table is the same in UTF-8" "$table" "$utf8_table"
ctl_ok history alt -n 3
expect_eq "history -n 3: the header and the last 3 rows" \
  "$(printf '%s\n' "$table" | sed -n '1p;6,8p')" "$CTL_OUT"
# Start times are real and rise; the slow run's successor is two periods later (one missed).
"$PY" - "$EVERY_MS" "$table" <<'PYEOF' || fail "history start times do not follow the grid"
import datetime, sys
every = int(sys.argv[1])
rows = [l.split() for l in sys.argv[2].splitlines()[1:]]
t = [datetime.datetime.strptime(r[0], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000 for r in rows]
gaps = [round((b - a) / every) for a, b in zip(t, t[1:])]
sys.exit(0 if gaps == [1, 1, 2, 1, 1, 1] else print("gaps in periods:", gaps) or 1)
PYEOF

log "-- --json history alt: the same runs, for scripts"
ctl_ok --json history alt
expect_eq "json: job and history setting" "alt 100" \
  "$(json_get 'd["job"] + " " + str(d["history"])' "$CTL_OUT")"
expect_eq "json: results" "ok failed ok ok failed failed failed" \
  "$(json_get '" ".join(r["result"] for r in d["runs"])' "$CTL_OUT")"
expect_eq "json: exit statuses" "0 3 0 0 3 3 3" \
  "$(json_get '" ".join(str(r["exit_status"]) for r in d["runs"])' "$CTL_OUT")"
expect_eq "json: missed before each run" "0 0 0 1 0 0 0" \
  "$(json_get '" ".join(str(r["missed"]) for r in d["runs"])' "$CTL_OUT")"
expect_eq "json: reasons" "None exit status 3 None None exit status 3 exit status 3 exit status 3" \
  "$(json_get '" ".join(str(r["reason"]) for r in d["runs"])' "$CTL_OUT")"
expect_eq "json: the slow run is the longest, at least its sleep" 2 \
  "$(json_get 'max(range(7), key=lambda i: d["runs"][i]["duration_ms"])' "$CTL_OUT")"
slow_ms=$(json_get 'd["runs"][2]["duration_ms"]' "$CTL_OUT")
if ((slow_ms >= EVERY_MS * 3 / 2)); then pass "slow run: ${slow_ms} ms"; else
  fail "slow run took ${slow_ms} ms, less than its sleep"; fi

log "-- thrctl show alt: the strip of outcomes and durations, golden"
ctl_ok show alt
golden history_strip_ascii.txt "$(printf '%s\n' "$CTL_OUT" | strip_line)"
show_utf8=$(LC_ALL=$UTF8_LOCALE "$THRCTL" -s "$SOCK" show alt)
golden history_strip_utf8.txt "$(printf '%s\n' "$show_utf8" | strip_line)"
show_lang=$(env -u LC_ALL -u LC_CTYPE LANG=en_US.UTF-8 "$THRCTL" -s "$SOCK" show alt)
expect_eq "LANG alone picks UTF-8 too" "$(printf '%s\n' "$show_utf8" | strip_line)" \
  "$(printf '%s\n' "$show_lang" | strip_line)"
show_ctype=$(env -u LC_ALL LC_CTYPE=POSIX LANG=en_US.UTF-8 "$THRCTL" -s "$SOCK" show alt)
expect_eq "LC_CTYPE before LANG: ASCII" "$(printf '%s\n' "$CTL_OUT" | strip_line)" \
  "$(printf '%s\n' "$show_ctype" | strip_line)"
ctl_ok --json show alt
expect_eq "show --json: recent_runs as history's runs" \
  "$(json_get '[r["result"] for r in d["jobs"][0]["recent_runs"]]' "$CTL_OUT")" \
  '["ok", "failed", "ok", "ok", "failed", "failed", "failed"]'

log "-- a killed run is interrupted, with why"
wait_until 10 eval '[[ "$(job_field long pid)" != null ]]' || die "long did not start its run"
ctl_ok kill long
ctl_ok --json history long
expect_eq "long: one run, interrupted" '[["interrupted", "killed by SIGKILL", null]]' \
  "$(json_get '[[r["result"], r["reason"], r["exit_status"]] for r in d["runs"]]' "$CTL_OUT")"
expect_eq "long: its history setting" 5 "$(json_get 'd["history"]' "$CTL_OUT")"
ctl_ok show long
expect_eq "long: strip" "  recent runs    !  #  max <max>" "$(printf '%s\n' "$CTL_OUT" | strip_line)"

log "-- history 0 keeps none; unknown job; usage"
wait_until 10 runs_at_least off 3 || die "off did not run"
ctl_ok history off
expect_eq "off: says why there are none" "no runs recorded for off (its history setting is 0)" \
  "$CTL_OUT"
ctl_ok show off
expect_eq "off: no strip" "  recent runs    -" "$(printf '%s\n' "$CTL_OUT" | strip_line)"
ctl history nope
expect_eq "unknown job: exit 1" 1 "$CTL_RC"
expect_contains "unknown job: named" "no job named 'nope'" "$CTL_ERR"
expect_eq "unknown job: nothing on stdout" "" "$CTL_OUT"
ctl history alt -n many
expect_eq "-n many: usage error" 2 "$CTL_RC"
ctl history
expect_eq "no job: usage error" 2 "$CTL_RC"
ctl history alt long
expect_eq "two jobs: usage error" 2 "$CTL_RC"

finish
