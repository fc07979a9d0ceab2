#!/usr/bin/env bash
# A run's output in volume (issue 4, "Output"): `seq 1 200000` in one run.
# - `big` (default log_lines 1000): `logs -n 100` gives exactly 199901..200000, and the whole
#   ring (`logs`) exactly the last 1000 lines.
# - `all` (log_lines 200000): the ring holds all 200,000 lines, in order, none lost.
# - The echo to thrd's stdout ("big: N") may drop lines but never reorders them.
# - A 150,000-character line is cut into 64 KiB pieces, each but the last marked
#   " [continued]", and nothing of it is lost.
. "$(dirname "$0")/lib.sh"
setup exec_output

write_config "$CFG" '{
  "jobs": [
    { "name": "big", "task": "exec", "every": "1h", "command": ["seq", "1", "200000"] },
    { "name": "all", "task": "exec", "every": "1h", "log_lines": 200000, "command": ["seq", "1", "200000"] },
    { "name": "long", "task": "exec", "every": "1h",
      "command": ["'"$PY"'", "-c", "print(\"a\" * 150000); print(\"after\")"] }
  ]
}'
T0=$(now_ms)
start_thrd -c "$CFG"
for job in big all long; do
  wait_until 30 runs_at_least "$job" 1 || die "$job: no completed run within $(scaled 30)s"
done
log "  (both 200,000-line runs done $(($(now_ms) - T0)) ms after thrd started)"
for job in big all long; do
  expect_eq "$job: no failure" 0 "$(job_field "$job" failures)"
done

ctl_ok logs big -n 100
if [[ "$CTL_OUT" == "$(seq 199901 200000)" ]]; then
  pass "logs big -n 100: exactly 199901..200000"
else
  fail "logs big -n 100: $(wc -l <<<"$CTL_OUT") lines, first '$(head -n 1 <<<"$CTL_OUT")', last '$(tail -n 1 <<<"$CTL_OUT")'"
fi
ctl_ok logs big
if [[ "$CTL_OUT" == "$(seq 199001 200000)" ]]; then
  pass "logs big: the ring of 1000 holds exactly 199001..200000"
else
  fail "logs big: $(wc -l <<<"$CTL_OUT") lines, first '$(head -n 1 <<<"$CTL_OUT")', last '$(tail -n 1 <<<"$CTL_OUT")'"
fi

# 200,000 lines in one reply take thrd a while under a sanitizer: scale thrctl's 10 s bound.
"$THRCTL" -s "$SOCK" --timeout "$(scaled 10)" logs all -n 200000 >"$TMPD/all.log" ||
  die "logs all failed"
seq 1 200000 >"$TMPD/want.log"
if cmp -s "$TMPD/want.log" "$TMPD/all.log"; then
  pass "logs all -n 200000: all 200,000 lines, in order"
else
  fail "logs all -n 200000: differs from seq 1 200000 ($(wc -l <"$TMPD/all.log") lines; $(cmp "$TMPD/want.log" "$TMPD/all.log" 2>&1 | head -n 1))"
fi

ctl_ok logs long
py_checks "$TMPD/ctl.out" <<'EOF'
import sys
lines = open(sys.argv[1]).read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
mark = " [continued]"
def ok(cond, msg):
    print(f"  {'ok  ' if cond else 'FAIL'}  {msg}")
ok(len(lines) == 4, f"long: 3 pieces and the next line ({len(lines)} lines, lengths {[len(l) for l in lines]})")
if len(lines) == 4:
    ok(all(l.endswith(mark) and len(l) == 65536 + len(mark) for l in lines[:2]),
       "long: the first two pieces are 64 KiB, marked continued")
    ok(not lines[2].endswith(mark), "long: the last piece unmarked")
    whole = "".join(l[:-len(mark)] if l.endswith(mark) else l for l in lines[:3])
    ok(whole == "a" * 150000, "long: the pieces join to the whole line")
    ok(lines[3] == "after", "long: the next line intact")
EOF

rc=0
stop_thrd || rc=$?
expect_eq "thrd exits 0 on SIGTERM" 0 "$rc"

# The echo, complete once thrd has exited: strictly increasing, whatever it dropped.
read -r n_echo bad < <(awk -F': ' '$1 == "big" { n++; if ($2 + 0 <= last) bad++; last = $2 + 0 } END { print n + 0, bad + 0 }' "$THRD_OUT")
expect_true "some of big echoed to thrd's stdout" test "$n_echo" -gt 0
expect_eq "echo of big to thrd's stdout in order ($n_echo of 200000 lines echoed)" 0 "$bad"
finish
