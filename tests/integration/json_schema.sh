#!/usr/bin/env bash
# `thrctl --json` against its documented schema (docs/json.md, docs/json-schema.json): every
# command the daemon knows, on success and on failure (unknown job, refused transition,
# several names with one bad, a wait that runs out of time, an invalid reload), plus an
# unreachable socket (no file, and one that accepts but never answers) and usage errors.
# Each case's stdout must be exactly one line holding one JSON object that matches the
# schema's type for that command and outcome; the exit code must be the documented one.
# Strict: a missing field or a wrong type fails. Fields the schema does not know are allowed
# (the schema promises additions may come) and reported as "note" lines.
# Also: docs/json.md has a section for every command of the schema.
. "$(dirname "$0")/lib.sh"
setup json_schema

SCHEMA=$THRD_SOURCE_DIR/docs/json-schema.json
DOC=$THRD_SOURCE_DIR/docs/json.md
[[ -r "$SCHEMA" ]] || die "no schema at $SCHEMA"
[[ -r "$DOC" ]] || die "no doc at $DOC"

base_jobs='
    { "name": "tick", "task": "timestamp", "every": "200ms" },
    { "name": "bad", "task": "exec", "command": ["sh", "-c", "echo oops; exit 3"], "every": "200ms" },
    { "name": "shell", "task": "exec", "command": "exit 0", "every": "1h", "timeout": "5s",
      "env": { "A": "1" }, "success_codes": [0, 2] },
    { "name": "held", "task": "timestamp", "every": "1s", "start": "paused" },
    { "name": "off", "task": "timestamp", "every": "1s", "start": "stopped" },
    { "name": "cal", "task": "timestamp", "cron": "0 0 1 1 *", "tz": "UTC", "jitter": "1s",
      "catch_up": true }'
write_config "$CFG" "{ \"jobs\": [ $base_jobs ] }"
start_thrd -c "$CFG"
MAIN_PID=$THRD_PID

# Before the first case: tick has a last_run, bad has failed (last_error set).
wait_until 10 runs_at_least tick 1 || die "tick did not run"
wait_until 10 runs_at_least bad 1 || die "bad did not run"

CASES=$TMPD/cases.tsv
: >"$CASES"
n=0
# run_case COMMAND OUTCOME WANT_RC SOCKET THRCTL_ARGS...: runs thrctl --json on SOCKET and
# records the case for the validator below. OUTCOME: success, failure or unreachable.
run_case() {
  local cmd=$1 outcome=$2 want_rc=$3 sock=$4
  shift 4
  n=$((n + 1))
  ctl_at "$sock" --json "$@"
  printf '%s' "$CTL_OUT" >"$TMPD/case$n.out"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$cmd" "$outcome" "$want_rc" "$CTL_RC" "$*" >>"$CASES"
}
# json_case ...: like run_case on the main socket.
json_case() {
  local cmd=$1 outcome=$2 want_rc=$3
  shift 3
  run_case "$cmd" "$outcome" "$want_rc" "$SOCK" "$@"
}

log "-- running every command with --json"
json_case status success 0 status
json_case status success 0 status tick
json_case status failure 1 status tick nope
json_case show success 0 show tick bad shell held off cal
json_case show success 0 show bad -n 2
json_case show failure 1 show nope
json_case pause success 0 pause tick
json_case pause success 0 pause tick          # no-op: changed false
json_case pause failure 1 pause off           # refused: off is stopped
json_case pause failure 1 pause tick nope held # several names, one unknown
json_case resume success 0 resume tick
json_case resume failure 1 resume off         # refused
json_case resume failure 1 resume tick off held # several names, one refused
json_case stop success 0 stop held
json_case stop failure 1 stop nope
json_case kill success 0 kill tick
json_case kill success 0 kill tick            # no-op on a killed job
json_case kill failure 1 kill nope
json_case start success 0 start tick
json_case start failure 1 start nope
json_case restart success 0 restart off
json_case restart failure 1 restart off nope
json_case pause success 0 pause --all
json_case resume success 0 resume --all
json_case logs success 0 logs tick -n 2
json_case logs failure 1 logs nope
json_case history success 0 history bad      # failed runs: exit_status and reason set
json_case history success 0 history tick -n 2
json_case history success 0 history off      # no runs: []
json_case history failure 1 history nope
json_case run success 0 run shell
json_case run failure 1 run shell nope

# reload re-reads $CFG: a job added, then an invalid file (refused, nothing changes).
write_config "$CFG" "{ \"jobs\": [ $base_jobs,
    { \"name\": \"extra\", \"task\": \"timestamp\", \"every\": \"1s\" } ] }"
json_case reload success 0 reload
expect_contains "reload: the added job is named" '"added":["extra"]' "$CTL_OUT"
write_config "$CFG" '{ "jobs": [ { "name": "tick", "task": "timestamp" '
json_case reload failure 1 reload
expect_contains "invalid reload: code" '"code":"invalid_config"' "$CTL_OUT"

json_case wait success 0 wait tick --state running --for 5s
json_case wait failure 1 wait tick --state paused --for 200ms
expect_contains "wait out of time: code" '"code":"timeout"' "$CTL_OUT"
json_case wait failure 1 wait tick nope --state running --for 5s
json_case ping success 0 ping
json_case metrics success 0 metrics

# reload on the embedded default config: the other success shape ({"ok":true,"message":...}).
start_thrd -s "$TMPD/embedded.sock" --state-dir "$TMPD/state2"
run_case reload success 0 "$TMPD/embedded.sock" reload

log "-- unreachable: the object thrctl makes itself, exit 3"
run_case ping unreachable 3 "$TMPD/nothing.sock" ping
run_case status unreachable 3 "$TMPD/nothing.sock" status
run_case stop unreachable 3 "$TMPD/nothing.sock" stop tick
run_case wait unreachable 3 "$TMPD/nothing.sock" wait tick --state running
# A socket that accepts and never answers: --timeout bounds the wait.
start_mute_socket "$TMPD/mute.sock"
run_case status unreachable 3 "$TMPD/mute.sock" --timeout 300ms status
run_case restart unreachable 3 "$TMPD/mute.sock" --timeout 300ms restart tick

log "-- validating $n cases against $(basename "$SCHEMA")"
py_checks "$SCHEMA" "$CASES" "$TMPD" <<'PYEOF'
import json, re, sys

schema_path, cases_path, tmpd = sys.argv[1:4]
schema = json.load(open(schema_path))
TYPES = schema["types"]
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def split_alts(expr):
    """'a|array<b|c>|null' -> ['a', 'array<b|c>', 'null']"""
    parts, depth, cur = [], 0, ""
    for ch in expr:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        if ch == "|" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def fields_of(obj_type):
    fields = {}
    if "$extends" in obj_type:
        fields.update(fields_of(TYPES[obj_type["$extends"]]))
    fields.update({k: v for k, v in obj_type.items() if k != "$extends"})
    return fields


def check(value, t, path, extras):
    """Errors (a list of strings) of value against type t; unknown fields go to extras."""
    if isinstance(t, dict):
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {json.dumps(value)[:60]}"]
        errors = []
        fields = fields_of(t)
        for key, sub in fields.items():
            if key not in value:
                errors.append(f"{path}.{key}: missing")
            else:
                errors += check(value[key], sub, f"{path}.{key}", extras)
        extras += [f"{path}.{k}" for k in value if k not in fields]
        return errors
    alts = split_alts(t)
    if len(alts) > 1:
        tried = []
        for alt in alts:
            local_extras = []
            errs = check(value, alt, path, local_extras)
            if not errs:
                extras += local_extras
                return []
            tried.append(errs[0])
        return [f"{path}: matches none of {t} ({'; '.join(tried)})"]
    ok = None
    if t == "string":
        ok = isinstance(value, str)
    elif t == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t == "boolean":
        ok = isinstance(value, bool)
    elif t == "null":
        ok = value is None
    elif t in ("true", "false"):
        ok = value is (t == "true")
    elif t == "time":
        ok = isinstance(value, str) and bool(ISO.match(value))
    elif t.startswith("enum(") and t.endswith(")"):
        ok = isinstance(value, str) and value in t[5:-1].split(",")
    elif t.startswith("array<") and t.endswith(">"):
        if not isinstance(value, list):
            return [f"{path}: expected {t}, got {json.dumps(value)[:60]}"]
        errors = []
        for i, item in enumerate(value):
            errors += check(item, t[6:-1], f"{path}[{i}]", extras)
        return errors
    elif t.startswith("map<") and t.endswith(">"):
        if not isinstance(value, dict):
            return [f"{path}: expected {t}, got {json.dumps(value)[:60]}"]
        errors = []
        for k, item in value.items():
            errors += check(item, t[4:-1], f"{path}.{k}", [])
        return errors
    elif t in TYPES:
        return check(value, TYPES[t], path, extras)
    else:
        return [f"{path}: the schema names an unknown type {t!r}"]
    return [] if ok else [f"{path}: expected {t}, got {json.dumps(value)[:60]}"]


seen = set()
for row in open(cases_path):
    num, cmd, outcome, want_rc, rc, args = row.rstrip("\n").split("\t")
    label = f"thrctl --json {args}"
    seen.add((cmd, outcome))
    if rc == want_rc:
        print(f"  ok    {label}: exit {rc}")
    else:
        print(f"  FAIL  {label}: exit {rc}, expected {want_rc}")
    if int(want_rc) != schema["exit"][outcome]:
        print(f"  FAIL  {label}: the test expects exit {want_rc} but the schema says {schema['exit'][outcome]}")
    text = open(f"{tmpd}/case{num}.out").read()
    lines = text.split("\n")
    if len(lines) != 1 or not text:
        print(f"  FAIL  {label}: expected one line on stdout, got {len(lines)}: {text[:200]!r}")
        continue
    try:
        reply = json.loads(lines[0])
    except ValueError as e:
        print(f"  FAIL  {label}: stdout is not JSON ({e}): {text[:200]!r}")
        continue
    t = schema["unreachable"] if outcome == "unreachable" else schema["commands"][cmd][outcome]
    extras = []
    errors = check(reply, t, "$", extras)
    if errors:
        for e in errors:
            print(f"  FAIL  {label}: {e}")
        print(f"        stdout: {text[:300]}")
    else:
        print(f"  ok    {label}: matches {cmd} {outcome}")
    for x in sorted(set(extras)):
        print(f"  note  {label}: field {x} is not in the schema")

# Every command of the schema was run with every outcome it has (ping and metrics have no failure reply).
for cmd, shapes in schema["commands"].items():
    for outcome in shapes:
        if (cmd, outcome) not in seen:
            print(f"  FAIL  no case runs {cmd} with outcome {outcome}")
if not any(o == "unreachable" for _, o in seen):
    print("  FAIL  no unreachable case")
print(f"  ok    {len(seen)} (command, outcome) pairs covered")
PYEOF

log "-- several names: one entry per name, in order; the valid ones acted on"
ctl --json pause tick nope shell
expect_eq "pause tick nope shell: entries" "tick:True nope:False shell:True" \
  "$(json_get '" ".join(j["name"] + ":" + str(j["ok"]) for j in d["jobs"])' "$CTL_OUT")"
expect_eq "pause tick nope shell: reply ok" false "$(json_get 'd["ok"]' "$CTL_OUT")"
expect_eq "pause tick nope shell: tick paused" paused "$(job_state tick)"
expect_eq "pause tick nope shell: shell paused" paused "$(job_state shell)"

log "-- usage errors: nothing on stdout, exit 2, with --json too"
for args in "frobnicate" "pause" "logs" "wait tick" "wait tick --state bogus" "--timeout 5x ping" "status --bogus"; do
  # shellcheck disable=SC2086 # word splitting of the case is intended
  ctl --json $args
  expect_eq "thrctl --json $args: exit" 2 "$CTL_RC"
  expect_eq "thrctl --json $args: stdout" "" "$CTL_OUT"
  if [[ -z "$CTL_ERR" ]]; then fail "thrctl --json $args: nothing on stderr"; fi
done

log "-- docs/json.md has a section for every command of the schema"
for cmd in $("$PY" -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))["commands"]))' "$SCHEMA"); do
  if grep -q "^### .*\`$cmd\`" "$DOC"; then
    pass "docs/json.md: section for $cmd"
  else
    fail "docs/json.md: no ### heading naming \`$cmd\`"
  fi
done
# The daemon knows no command the schema lacks (its table, lib/thr/commands/table.cpp).
for cmd in $(grep -o 'k[A-Z][a-z]*Command' "$THRD_SOURCE_DIR/lib/thr/commands/table.cpp" |
  sort -u | sed 's/^k//; s/Command$//' | tr '[:upper:]' '[:lower:]'); do
  if grep -q "\"$cmd\": {" "$SCHEMA"; then
    pass "schema has the daemon's command $cmd"
  else
    fail "schema lacks the daemon's command $cmd (lib/thr/commands/table.cpp)"
  fi
done

expect_true "thrd still alive" alive "$MAIN_PID"
finish
