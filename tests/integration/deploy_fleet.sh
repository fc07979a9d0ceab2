#!/usr/bin/env bash
# scripts/thrd-fleet against real thrds, through a fake `kubectl` (KUBECTL) and a fake `ssh`
# (THRD_FLEET_SSH) that run the real thrctl on the socket of the pod or host named: every line
# prefixed with its node, the order of the listing, --json lines, the thrctl arguments passed
# through (through a remote shell's quoting for ssh), and exit 1 naming each node that failed
# while the others are still printed. Needs no cluster and no ssh server; never skips.
. "$(dirname "$0")/lib.sh"
setup deploy_fleet

FLEET=$THRD_SOURCE_DIR/scripts/thrd-fleet
[[ -x "$FLEET" ]] || die "$FLEET is not executable"

# Two nodes with a thrd each (node-a: tick and sync; node-b: beat); node-c's pod has no thrd.
SOCK_A=$TMPD/thrd-a.sock
SOCK_B=$TMPD/thrd-b.sock
write_config "$TMPD/a.json" '{"jobs": [
  {"name": "tick", "task": "timestamp", "every": "1s"},
  {"name": "sync", "task": "timestamp", "every": "1h", "start": "paused"}]}'
write_config "$TMPD/b.json" '{"jobs": [{"name": "beat", "task": "timestamp", "every": "1s"}]}'
mkdir -p "$TMPD/state-a" "$TMPD/state-b"
start_thrd -c "$TMPD/a.json" -s "$SOCK_A" --state-dir "$TMPD/state-a"
start_thrd -c "$TMPD/b.json" -s "$SOCK_B" --state-dir "$TMPD/state-b"
SOCK=$SOCK_A  # for job_field

# The fake kubectl: `get pods` prints the pods of $TMPD/pods (pod TAB node lines) as thrd-fleet's
# jsonpath would; `exec ... POD -- thrctl ARGS` runs the real thrctl on $TMPD/<pod>.sock and,
# as kubectl does, exits with the command's status. Every call's argv goes to kubectl.log.
mkdir -p "$TMPD/bin"
cat >"$TMPD/bin/kubectl" <<EOF
#!/usr/bin/env bash
printf '%s\n' "\$*" >>"$TMPD/kubectl.log"
[[ \$1 == --context ]] && shift 2
case \$1 in
  get) cat "$TMPD/pods" ;;
  exec)
    shift
    while [[ \$1 != -- ]]; do
      case \$1 in -n | -c | --context) shift ;; *) pod=\$1 ;; esac
      shift
    done
    shift
    [[ \$1 == thrctl ]] || { echo "fake kubectl: expected thrctl, got \$1" >&2; exit 126; }
    shift
    rc=0
    THRD_SOCKET="$TMPD/\$pod.sock" "$THRCTL" "\$@" || rc=\$?
    ((rc == 0)) || echo "command terminated with exit code \$rc" >&2
    exit \$rc ;;
  *) echo "fake kubectl: unexpected \$*" >&2; exit 2 ;;
esac
EOF
# The fake ssh: `ssh [-o OPT]... HOST COMMAND-LINE` runs COMMAND-LINE in sh with thrctl in PATH
# and THRD_SOCKET at HOST's socket, as a login on that host would; host "down" is unreachable.
cat >"$TMPD/bin/ssh" <<EOF
#!/usr/bin/env bash
printf '%s\n' "\$*" >>"$TMPD/ssh.log"
while [[ \$1 == -o ]]; do shift 2; done
host=\$1
shift
if [[ \$host == down ]]; then
  echo "ssh: connect to host down port 22: Connection refused" >&2
  exit 255
fi
THRD_SOCKET="$TMPD/thrd-\$host.sock" PATH="$TMPD/thrctl-bin:\$PATH" sh -c "\$*"
EOF
mkdir -p "$TMPD/thrctl-bin"
ln -s "$(realpath "$THRCTL")" "$TMPD/thrctl-bin/thrctl"
chmod +x "$TMPD/bin/kubectl" "$TMPD/bin/ssh"
ln -s "$SOCK_A" "$TMPD/thrd-x1.sock"
ln -s "$SOCK_B" "$TMPD/thrd-x2.sock"
export KUBECTL=$TMPD/bin/kubectl

# fleet ARGS...: runs thrd-fleet; sets F_RC, F_OUT, F_ERR.
fleet() {
  F_RC=0
  "$FLEET" "$@" >"$TMPD/fleet.out" 2>"$TMPD/fleet.err" || F_RC=$?
  F_OUT=$(cat "$TMPD/fleet.out")
  F_ERR=$(cat "$TMPD/fleet.err")
}

log "-- kubectl: two pods, both answer"
printf 'thrd-x1\tnode-a\nthrd-x2\tnode-b\n' >"$TMPD/pods"
fleet
expect_eq "exit" 0 "$F_RC"
expect_eq "stderr" "" "$F_ERR"
# thrctl's header line, then one line a job, for each node.
expect_eq "lines" 5 "$(wc -l <"$TMPD/fleet.out")"
expect_match "node-a's tick, prefixed" $'(^|\n)node-a: tick +timestamp +running' "$F_OUT"
expect_match "node-a's sync, prefixed" $'(^|\n)node-a: sync +timestamp +paused' "$F_OUT"
expect_match "node-b's beat, prefixed" $'(^|\n)node-b: beat +timestamp +running' "$F_OUT"
expect_eq "node order as listed" "node-a: node-a: node-a: node-b: node-b:" "$(awk '{ print $1 }' "$TMPD/fleet.out" | paste -sd' ')"
expect_contains "pods listed in the default namespace and selector" \
  "get pods -n thrd -l app.kubernetes.io/name=thrd" "$(cat "$TMPD/kubectl.log")"
expect_contains "thrctl run in container thrd of the pod" \
  "exec -n thrd -c thrd thrd-x1 -- thrctl status" "$(cat "$TMPD/kubectl.log")"

log "-- kubectl: options and thrctl arguments are passed through"
: >"$TMPD/kubectl.log"
fleet -n ops -l app=jobs -c main --context prod -P 1 -- status tick
expect_eq "exit (node-b has no tick)" 1 "$F_RC"
expect_contains "node-b's refusal" "node-b: thrctl: no job named 'tick'" "$F_ERR"
expect_contains "namespace, selector and context" "--context prod get pods -n ops -l app=jobs" \
  "$(cat "$TMPD/kubectl.log")"
expect_contains "container and thrctl arguments" "exec -n ops -c main thrd-x1 -- thrctl status tick" \
  "$(cat "$TMPD/kubectl.log")"
expect_match "only tick from node-a" $'^node-a: +NAME .*\nnode-a: +tick ' "$F_OUT"

log "-- kubectl: a pod whose thrd is down, and a pod not yet on a node"
printf 'thrd-x1\tnode-a\nthrd-x3\tnode-c\nthrd-x2\tnode-b\nthrd-x4\t\n' >"$TMPD/pods"
fleet
expect_eq "exit" 1 "$F_RC"
expect_match "node-a still printed" $'(^|\n)node-a: +tick ' "$F_OUT"
expect_match "node-b still printed" $'(^|\n)node-b: +beat ' "$F_OUT"
expect_match "node-c's thrctl error, prefixed, on stderr" $'(^|\n)node-c: +thrctl: .*thrd-x3.sock' "$F_ERR"
expect_match "an unscheduled pod is named by its pod name" $'(^|\n)thrd-x4: ' "$F_ERR"
expect_contains "summary names the failed nodes" \
  "thrd-fleet: failed on 2 of 4 nodes: node-c (exit 3), thrd-x4 (exit 3)" "$F_ERR"

log "-- kubectl: --json, one object a line"
fleet --json
expect_eq "exit" 1 "$F_RC"
py_checks "$TMPD/fleet.out" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
def check(what, ok):
    print(("  ok    " if ok else "  FAIL  ") + what)
objs = [json.loads(l) for l in lines]
check("4 lines, each a JSON object", len(objs) == 4 and all(isinstance(o, dict) for o in objs))
by = {o["node"]: o for o in objs}
check("node order", [o["node"] for o in objs] == ["node-a", "node-c", "node-b", "thrd-x4"])
a = by["node-a"]
check("node-a: exit 0, its jobs", a["exit"] == 0 and [j["name"] for j in a["reply"]["jobs"]] == ["tick", "sync"])
check("node-b: beat running", by["node-b"]["reply"]["jobs"][0]["state"] == "running")
c = by["node-c"]
check("node-c: exit 3, thrctl's unavailable reply",
      c["exit"] == 3 and c["reply"]["ok"] is False and c["reply"]["error"]["code"] == "unavailable")
EOF
printf 'thrd-x1\tnode-a\nthrd-x2\tnode-b\n' >"$TMPD/pods"

log "-- ssh: hosts, a remote shell between, a host that is down"
export THRD_FLEET_SSH="$TMPD/bin/ssh -o BatchMode=yes"
fleet --ssh a b
expect_eq "exit" 0 "$F_RC"
expect_match "a's jobs prefixed with its host" $'\na: tick .*\na: sync ' "$F_OUT"
expect_match "b's job" $'\nb: beat ' "$F_OUT"
expect_contains "ssh given its options, the host and the command line" "-o BatchMode=yes a thrctl status" \
  "$(cat "$TMPD/ssh.log")"
# One argument with a space and a quote reaches thrctl as one word through the remote shell.
fleet --ssh a -- status "no such'job"
expect_eq "exit for an unknown job" 1 "$F_RC"
expect_contains "the odd name arrived whole" "no such'job" "$F_ERR"
fleet --ssh a down b -- pause --all
expect_eq "exit with a host down" 1 "$F_RC"
expect_contains "down named with ssh's status" "failed on 1 of 3 nodes: down (exit 255)" "$F_ERR"
expect_match "ssh's error prefixed" $'(^|\n)down: +ssh: connect to host down' "$F_ERR"
expect_eq "pause reached a" paused "$(job_field tick state)"
expect_eq "pause reached b" paused "$(SOCK=$SOCK_B job_field beat state)"

log "-- usage"
fleet --ssh
expect_eq "--ssh without hosts" 2 "$F_RC"
fleet --bogus
expect_eq "unknown option" 2 "$F_RC"
fleet somehost
expect_eq "a host without --ssh" 2 "$F_RC"
fleet -P 0
expect_eq "-P 0" 2 "$F_RC"

finish
