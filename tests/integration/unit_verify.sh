#!/usr/bin/env bash
# The systemd unit as `cmake --install` puts it (DESTDIR into the test's temp dir): `systemd-analyze
# verify --man=no` on it exits 0 and prints nothing at all (no warning either: an unknown key
# or a missing ExecStart/ExecReload binary would show here). The installed example config
# passes `thrd --check`. Skips (77) only when systemd-analyze is missing (Debian: systemd).
. "$(dirname "$0")/lib.sh"
setup unit_verify

if ! command -v systemd-analyze >/dev/null; then
  skip_test "systemd-analyze is not installed (Debian: apt-get install systemd)"
fi
: "${THRD_BUILD_DIR:?THRD_BUILD_DIR must name the build dir (tests/integration/CMakeLists.txt sets it)}"

ROOT=$TMPD/root
# Default dependencies (sysinit.target, basic.target, ...) and the After= targets must resolve
# inside --root: copy the host's units in. A symlink to the host's directory makes verify
# follow it round in a loop, so a copy it is (about 250 small files). Copied before the
# install, so that a thrd.service the host may have is replaced by the one under test.
mkdir -p "$ROOT/usr/lib/systemd/system"
cp -a /usr/lib/systemd/system/. "$ROOT/usr/lib/systemd/system/"

log "-- DESTDIR=$ROOT cmake --install $THRD_BUILD_DIR"
rc=0
DESTDIR=$ROOT cmake --install "$THRD_BUILD_DIR" >"$TMPD/install.out" 2>&1 || rc=$?
((rc == 0)) || die "cmake --install exited $rc: $(tail -n 5 "$TMPD/install.out")"
if grep -q 'CMake Warning' "$TMPD/install.out"; then
  fail "cmake --install warned: $(cat "$TMPD/install.out")"
fi

# The unit and the config as the install manifest lists them, so the test follows
# THRD_SYSTEMD_UNIT_DIR and the prefix without knowing them. Paths in it are absolute, without
# DESTDIR.
MANIFEST=$THRD_BUILD_DIR/install_manifest.txt
[[ -f "$MANIFEST" ]] || die "no $MANIFEST after cmake --install"
UNIT=$(grep '/thrd\.service$' "$MANIFEST" | sed "s|^$ROOT||") || true
CONF=$(grep '/thrd/thrd\.json$' "$MANIFEST" | sed "s|^$ROOT||") || true
[[ -n "$UNIT" && -f "$ROOT$UNIT" ]] || die "thrd.service not installed (manifest: $(tr '\n' ' ' <"$MANIFEST"))"
[[ -n "$CONF" && -f "$ROOT$CONF" ]] || die "thrd.json not installed (manifest: $(tr '\n' ' ' <"$MANIFEST"))"
pass "installed $UNIT and $CONF"
if [[ -f "$ROOT$(dirname "$CONF")/conf.d/example.json.sample" ]]; then
  pass "drop-in directory with its sample"
else
  fail "no conf.d/example.json.sample next to $CONF"
fi

log "-- systemd-analyze verify --man=no --root=$ROOT $UNIT"
rc=0
out=$(systemd-analyze verify --man=no --root="$ROOT" "$UNIT" 2>&1) || rc=$?
expect_eq "systemd-analyze verify exit" 0 "$rc"
if [[ -z "$out" ]]; then
  pass "systemd-analyze verify printed nothing"
else
  fail "systemd-analyze verify printed:"
  printf '%s\n' "$out" | sed 's/^/          /'
fi

# The unit names the installed binaries and config, at the prefix they were installed to.
unit_text=$(cat "$ROOT$UNIT")
exec_start=$(sed -n 's/^ExecStart=//p' <<<"$unit_text")
expect_match "ExecStart names the installed config" "--config $CONF( |\$)" "$exec_start"
bin=${exec_start%% *}
if [[ -x "$ROOT$bin" ]]; then pass "ExecStart binary $bin installed"; else fail "ExecStart binary $bin not in $ROOT"; fi

log "-- thrd --check on the installed example config"
rc=0
"$THRD" --check -c "$ROOT$CONF" >"$TMPD/check.out" 2>&1 || rc=$?
expect_eq "thrd --check $CONF exit" 0 "$rc"
((rc == 0)) || log "          $(cat "$TMPD/check.out")"
expect_contains "--check counts the example's jobs" "ok," "$(cat "$TMPD/check.out")"

finish
