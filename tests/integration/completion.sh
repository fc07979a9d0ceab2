#!/usr/bin/env bash
# bash completion (completion/thrctl.bash) against a live thrd with jobs alpha and beta: the
# completion function is called as bash calls it on TAB (COMP_WORDS, COMP_CWORD, COMP_LINE,
# COMP_POINT set), and COMPREPLY is checked:
#  - `thrctl -s SOCK pause <TAB>` offers the live job names, alpha and beta; names already on
#    the line are not offered again; `--all` excludes names;
#  - the socket is taken from -s or --socket=PATH anywhere before the cursor (no names
#    without it, since $THRD_SOCKET names no daemon here), and a dead socket offers nothing
#    rather than hanging;
#  - `thrctl pa<TAB>` -> pause, `thrctl logs -<TAB>` -> -n, `pause --f<TAB>` -> --freeze,
#    global options, `logs` and `history` take one job only, `ping` none.
# It runs without the bash-completion package (the script needs none of its helpers).
. "$(dirname "$0")/lib.sh"
setup completion

COMPLETION=$THRD_SOURCE_DIR/completion/thrctl.bash
[[ -f "$COMPLETION" ]] || die "no $COMPLETION"
# shellcheck source=../../completion/thrctl.bash
. "$COMPLETION"
expect_eq "thrctl's completion function registered" "complete -F _thrctl thrctl" \
  "$(complete -p thrctl 2>/dev/null)"

write_config "$CFG" '{
  "jobs": [
    { "name": "alpha", "task": "timestamp", "every": "1s" },
    { "name": "beta", "task": "timestamp", "every": "1s", "start": "paused" }
  ]
}'
start_thrd -c "$CFG"
# No daemon is found without -s: keep the developer's own environment out of it.
export THRD_SOCKET=$TMPD/nobody.sock
unset XDG_RUNTIME_DIR

# complete WORD...: completes the last WORD (empty: right after a space), as bash would with
# the cursor at the end of the line; sets GOT to COMPREPLY sorted, space-separated. Word 0 is
# the thrctl binary under test, which the completion runs to list the jobs.
complete_line() {
  COMP_WORDS=("$THRCTL" "$@")
  COMP_CWORD=$(($# ))
  COMP_LINE="${COMP_WORDS[*]}"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _thrctl thrctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  GOT=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
  GOT=${GOT% }
}

log "-- job names from the live daemon"
complete_line -s "$SOCK" pause ""
expect_eq "thrctl -s SOCK pause <TAB>" "alpha beta" "$GOT"
complete_line -s "$SOCK" pause a
expect_eq "thrctl -s SOCK pause a<TAB>" "alpha" "$GOT"
complete_line -s "$SOCK" resume alpha ""
expect_eq "a name already given is not offered again" "beta" "$GOT"
complete_line pause -s "$SOCK" ""
expect_eq "-s after the command (thrctl lets options fall through)" "alpha beta" "$GOT"
complete_line --socket = "$SOCK" stop ""
expect_eq "--socket=PATH (bash splits it at =)" "alpha beta" "$GOT"
complete_line -s "$SOCK" --json status ""
expect_eq "status <TAB>, after --json" "alpha beta" "$GOT"
complete_line -s "$SOCK" logs ""
expect_eq "logs <TAB>" "alpha beta" "$GOT"
complete_line -s "$SOCK" logs alpha ""
expect_eq "logs takes one job only" "" "$GOT"
complete_line -s "$SOCK" history ""
expect_eq "history <TAB>" "alpha beta" "$GOT"
complete_line -s "$SOCK" history alpha ""
expect_eq "history takes one job only" "" "$GOT"
complete_line -s "$SOCK" history alpha -
expect_contains "thrctl history alpha -<TAB> offers -n" "-n " "$GOT "
complete_line -s "$SOCK" pause --all ""
expect_eq "no names after --all" "" "$GOT"
complete_line -s "$SOCK" ping ""
expect_eq "ping takes no argument" "" "$GOT"
complete_line -s "$SOCK" metrics ""
expect_eq "metrics takes no argument" "" "$GOT"
complete_line pause ""
expect_eq "no names without -s ($THRD_SOCKET: no daemon)" "" "$GOT"
t0=$(now_ms)
complete_line -s "$TMPD/nobody.sock" kill ""
expect_eq "a dead socket: no names" "" "$GOT"
elapsed=$(($(now_ms) - t0))
if ((elapsed < $(scaled_ms 3))); then
  pass "and no hang ($elapsed ms)"
else
  fail "completing against a dead socket took $elapsed ms"
fi

log "-- commands and options"
complete_line pa
expect_eq "thrctl pa<TAB>" "pause" "$GOT"
complete_line re
expect_eq "thrctl re<TAB>" "reload restart resume" "$GOT"
complete_line ""
expect_eq "thrctl <TAB>: every command" \
  "events history kill logs metrics pause ping reload restart resume run show start status stop wait" "$GOT"
complete_line --
expect_eq "thrctl --<TAB>: global options" "--help --json --socket --timeout --version" "$GOT"
complete_line -s "$SOCK" logs alpha -
expect_contains "thrctl logs alpha -<TAB> offers -n" "-n " "$GOT "
complete_line pause --f
expect_eq "thrctl pause --f<TAB>" "--freeze" "$GOT"
complete_line resume --
expect_eq "thrctl resume --<TAB>: no --freeze" "--all --help --json --socket --timeout" "$GOT"
complete_line --timeout ""
expect_eq "--timeout's value: nothing offered" "" "$GOT"
complete_line status --w
expect_eq "thrctl status --w<TAB>" "--watch" "$GOT"
complete_line status --watch --interval ""
expect_eq "--interval's value: nothing offered" "" "$GOT"
complete_line -s "$SOCK" status --watch --interval 5s ""
expect_eq "status --watch --interval 5s <TAB>: job names, 5s not taken for one" "alpha beta" "$GOT"
complete_line -s "$TMPD/thrd.s"
expect_eq "-s PATH completes file names" "$SOCK" "$GOT"

finish
