#!/usr/bin/env bash
# The man pages and the bash completion as `cmake --install` puts them (DESTDIR into the
# test's temp dir):
#  - thrctl.1 under man1 and thrd.8 under man8; each renders with `man -l` and with
#    `groff -man -ww` (every warning on) without a single warning;
#  - the rendered text has NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, EXAMPLES and
#    SEE ALSO, and what --help says (thrctl's commands, thrd's options), since help2man
#    made the pages from it at build time;
#  - the completion is installed as share/bash-completion/completions/thrctl;
#  - and, man pages or not, `thrctl COMMAND --help` and `thrd --help` end with examples.
# Skips (77) when the build made no man pages because help2man is missing (CMake said so), or
# when man or groff is missing (Debian: man-db, groff-base).
. "$(dirname "$0")/lib.sh"
setup man_pages

: "${THRD_BUILD_DIR:?THRD_BUILD_DIR must name the build dir (tests/integration/CMakeLists.txt sets it)}"
log "-- --help of each command shows an example"
for cmd in status pause resume stop kill start restart logs history reload ping; do
  out=$("$THRCTL" "$cmd" --help)
  expect_match "thrctl $cmd --help: Examples: then \$ thrctl $cmd" \
    $'\nExamples:\n  \\$ thrctl ([^\n]* )?'"$cmd" "$out"
done
expect_match "thrctl --help: examples" $'\nExamples:\n  \\$ thrctl ' "$("$THRCTL" --help)"
expect_match "thrd --help: examples" $'\nExamples:\n  \\$ thrd ' "$("$THRD" --help)"

command -v man >/dev/null || skip_test "man is not installed (Debian: apt-get install man-db)"
command -v groff >/dev/null || skip_test "groff is not installed (Debian: apt-get install groff-base)"
if [[ ! -f "$THRD_BUILD_DIR/man/thrctl.1" ]]; then
  command -v help2man >/dev/null ||
    skip_test "the build made no man pages: help2man is missing (Debian: apt-get install help2man)"
  grep -q '^THRD_MAN_PAGES:BOOL=OFF' "$THRD_BUILD_DIR/CMakeCache.txt" &&
    skip_test "the build made no man pages: configured with THRD_MAN_PAGES=OFF"
  die "help2man is installed but $THRD_BUILD_DIR/man/thrctl.1 was not built (reconfigure?)"
fi

ROOT=$TMPD/root
log "-- DESTDIR=$ROOT cmake --install $THRD_BUILD_DIR"
rc=0
DESTDIR=$ROOT cmake --install "$THRD_BUILD_DIR" >"$TMPD/install.out" 2>&1 || rc=$?
((rc == 0)) || die "cmake --install exited $rc: $(tail -n 5 "$TMPD/install.out")"
# Paths in the manifest are absolute, without DESTDIR. unit_verify.sh installs too; the two
# share a RESOURCE_LOCK (CMakeLists.txt), so the manifest is never read half rewritten.
MANIFEST=$THRD_BUILD_DIR/install_manifest.txt
installed() {
  local path
  path=$(grep -E "$1" "$MANIFEST" | head -n 1) && [[ -n "$path" ]] && echo "$ROOT$path"
}
THRCTL_MAN=$(installed '/man/man1/thrctl\.1$') || true
THRD_MAN=$(installed '/man/man8/thrd\.8$') || true
COMPLETION=$(installed '/share/bash-completion/completions/thrctl$') || true
for f in "$THRCTL_MAN" "$THRD_MAN" "$COMPLETION"; do
  [[ -n "$f" && -f "$f" ]] || die "not installed (manifest: $(tr '\n' ' ' <"$MANIFEST"))"
done
pass "installed ${THRCTL_MAN#"$ROOT"}, ${THRD_MAN#"$ROOT"}, ${COMPLETION#"$ROOT"}"
if cmp -s "$COMPLETION" "$THRD_SOURCE_DIR/completion/thrctl.bash"; then
  pass "the completion is completion/thrctl.bash"
else
  fail "the installed completion differs from completion/thrctl.bash"
fi

# check_page FILE WORD...: renders FILE, checks for warnings and for each WORD in the text.
check_page() {
  local page=$1 name
  name=$(basename "$page")
  shift
  log "-- $name"
  local text err rc=0
  # man -l: the way people read it; -Tutf8 and col -b for plain text (in a UTF-8 locale:
  # lib.sh's C makes col escape every non-ASCII byte), without hyphenation or justification
  # so that words are found whole. Its stderr carries groff's warnings (man-db's default set).
  text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --nh --nj -l -Tutf8 "$page" 2>"$TMPD/man.err" |
    LC_ALL=C.UTF-8 col -bx) || rc=$?
  err=$(cat "$TMPD/man.err")
  expect_eq "man -l $name exit" 0 "$rc"
  expect_eq "man -l $name: no warning" "" "$err"
  # groff with every warning on, output discarded: unknown macros, bad escapes, lines it
  # cannot break or adjust, ...
  rc=0
  err=$(groff -man -Tutf8 -ww -z "$page" 2>&1) || rc=$?
  expect_eq "groff -man -ww $name: exit 0, no warning" "0:" "$rc:$err"
  printf '%s\n' "$text" >"$TMPD/$name.txt"
  local heading
  for heading in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
    if grep -qx "$heading" <<<"$text"; then pass "$name: section $heading"; else fail "$name: no section $heading"; fi
  done
  local word
  for word in "$@"; do
    expect_contains "$name mentions $word" "$word" "$text"
  done
}

check_page "$THRCTL_MAN" "thrctl - control a running thrd" status pause resume stop kill start \
  restart logs history reload ping --all --freeze --watch --json --timeout --socket THRD_SOCKET "thrd(8)" \
  "$ thrctl status" "thrd $("$THRCTL" --version | cut -d' ' -f2)"
check_page "$THRD_MAN" "thrd - job supervisor daemon" --config --socket --state-dir --check \
  --log-level --log-format SIGHUP SIGTERM 78 "thrctl(1)" "$ thrd -c"
log "-- thrctl(1) as rendered (first 60 lines)"
head -n 60 "$TMPD/thrctl.1.txt" | sed 's/^/    /'

finish
