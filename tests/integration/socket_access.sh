#!/usr/bin/env bash
# Socket access: the socket file gets socket_mode and socket_group before anyone can connect;
# someone who cannot open it gets thrctl exit 3 naming the path; a group member can use thrctl
# without root; a reload applies new access settings to the live socket. Needs root (to act
# as other users); skipped (77) otherwise.
. "$(dirname "$0")/lib.sh"
setup socket_access

if (($(id -u) != 0)) || ! command -v setpriv >/dev/null; then
  skip_test "needs root and setpriv (util-linux)"
fi
# mktemp -d made the dir 0700; others must be able to reach the socket inside.
chmod 0755 "$TMPD"
GID=$(getent group nogroup | cut -d: -f3)
# as_user UID GIDS ARGS...: thrctl as another user, with the given supplementary groups.
as_user() {
  local uid=$1 groups=$2
  shift 2
  CTL_RC=0
  CTL_ERR=$(setpriv --reuid="$uid" --regid="$uid" --groups="$groups" -- \
    "$THRCTL" -s "$SOCK" "$@" 2>&1 >/dev/null) || CTL_RC=$?
}
mode_of() { stat -c '%a %g' "$SOCK"; }

# Being able to open the socket is not enough to control jobs (access_control.sh): the
# operators' group is listed in `allow` too.
write_config "$CFG" "{\"socket_mode\": \"0660\", \"socket_group\": \"nogroup\",
  \"allow\": {\"control\": {\"groups\": [\"nogroup\"]}},
  \"jobs\": [{\"name\": \"tick\", \"task\": \"timestamp\", \"every\": \"1s\"}]}"
start_thrd -c "$CFG"
expect_eq "socket file mode and group" "660 $GID" "$(mode_of)"

as_user 4242 4242 ping
expect_eq "a stranger: exit 3" 3 "$CTL_RC"
expect_contains "a stranger: the message names the path" "$SOCK" "$CTL_ERR"
expect_contains "a stranger: says why" "ermission denied" "$CTL_ERR"

as_user 4242 "$GID" pause tick
expect_eq "a member of socket_group: pause works" 0 "$CTL_RC"
expect_eq "paused by the group member" paused "$(job_state tick)"

log "-- reload applies new access settings to the live socket"
write_config "$CFG" '{"socket_mode": "0600",
  "jobs": [{"name": "tick", "task": "timestamp", "every": "1s"}]}'
ctl_ok reload
expect_eq "after reload: mode 0600, thrd's own group again" "600 $(id -g)" "$(mode_of)"
as_user 4242 "$GID" ping
expect_eq "the group member is now refused: exit 3" 3 "$CTL_RC"

log "-- an unknown socket_group is a config error"
write_config "$TMPD/bad.json" '{"socket_group": "no-such-group-thrd",
  "jobs": []}'
rc=0
"$THRD" --check -c "$TMPD/bad.json" >/dev/null 2>"$TMPD/check.err" || rc=$?
expect_eq "--check: exit 78" 78 "$rc"
expect_contains "--check: names the key" 'key "socket_group"' "$(cat "$TMPD/check.err")"
stop_thrd || fail "thrd did not exit 0"
finish
