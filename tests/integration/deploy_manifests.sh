#!/usr/bin/env bash
# deploy/: the Kubernetes manifests and the Nomad job, checked without a cluster.
#
# The schema check, and why this one: `kubectl apply --dry-run=client --validate=false -f` and
# `kubectl create --dry-run=client -o yaml -f` both ask an API server to map each kind to its
# resource, even with --validate=false, and fail without one ("The connection to the server
# localhost:8080 was refused", Debian's kubectl 1.20 and 1.32 alike, with or without a dummy
# kubeconfig). What does work offline, and what this test runs:
#  1. `kubectl kustomize deploy/kubernetes`: kubectl's own kustomize builds the kustomization
#     (the ConfigMap from its files, the namespace on every object).
#  2. A field check (python3 + PyYAML) of what matters: kind DaemonSet, the probes run
#     `thrctl ping`, terminationGracePeriodSeconds above the 5m stop_timeout cap, requests and
#     limits on every container, non-root with no capabilities and a read-only root, the
#     config mounted whole (no subPath) from the ConfigMap the kustomization makes, the socket
#     volume shared with the config-reloader.
#  3. `kubectl set image --local -f daemonset.yaml -o json thrd=...`: kubectl decodes the
#     DaemonSet into its compiled-in apps/v1 Go types and encodes it back. A field of the wrong
#     type fails the decode; an unknown field (a typo: `livenesProbe`) is dropped, so the test
#     compares the round trip with the input and fails on any field that did not come back.
#  4. `thrd --check` on the ConfigMap's files (main config and drop-ins, extracted as the pod
#     sees them), and on the Nomad job's embedded config; the Nomad job's kill_timeout.
#  5. The config-reloader's script, taken from the manifest, against a real thrd and a config
#     dir laid out as the kubelet does (..data symlink swapped atomically): a change is
#     reloaded, an invalid config is refused once without a retry loop and thrd keeps its jobs,
#     SIGTERM ends the loop at once.
# Skips (77) only when kubectl (Debian: kubernetes-client) or PyYAML (python3-yaml) is
# missing; scripts/bootstrap installs both. KUBECTL may name another kubectl.
. "$(dirname "$0")/lib.sh"
setup deploy_manifests

KUBECTL=${KUBECTL:-kubectl}
command -v "$KUBECTL" >/dev/null || skip_test "kubectl is not installed (Debian: apt-get install kubernetes-client)"
"$PY" -c 'import yaml' 2>/dev/null || skip_test "PyYAML is not installed (Debian: apt-get install python3-yaml)"

DEPLOY=$THRD_SOURCE_DIR/deploy
# No cluster: a kubeconfig that does not exist, so nothing below can reach one by accident.
export KUBECONFIG=$TMPD/no-kubeconfig
log "   kubectl: $("$KUBECTL" version --client 2>/dev/null | head -n 1)"

log "-- 1. kubectl kustomize deploy/kubernetes"
rc=0
"$KUBECTL" kustomize "$DEPLOY/kubernetes" >"$TMPD/k8s.yaml" 2>"$TMPD/kustomize.err" || rc=$?
((rc == 0)) || die "kubectl kustomize exited $rc: $(cat "$TMPD/kustomize.err")"
pass "built $(grep -c '^kind:' "$TMPD/k8s.yaml") objects"

log "-- 2. field check (python3-yaml); writes out the DaemonSet, the ConfigMap's files, the reloader"
mkdir -p "$TMPD/etc/..v1"
py_checks "$TMPD/k8s.yaml" "$TMPD" <<'EOF'
import sys, yaml
out, tmpd = sys.argv[1], sys.argv[2]
def check(what, ok, detail=""):
    print(("  ok    " if ok else "  FAIL  ") + what + ("" if ok or not detail else ": " + str(detail)))
    return ok

docs = [d for d in yaml.safe_load_all(open(out)) if d]
by_kind = {}
for d in docs:
    by_kind.setdefault(d["kind"], []).append(d)
check("kinds: Namespace, ConfigMap, DaemonSet", sorted(by_kind) == ["ConfigMap", "DaemonSet", "Namespace"],
      sorted(by_kind))
ns = by_kind["Namespace"][0]["metadata"]["name"]
check("every namespaced object in namespace " + ns,
      all(d["metadata"].get("namespace") == ns for d in docs if d["kind"] != "Namespace"))
cm = by_kind["ConfigMap"][0]
ds = by_kind["DaemonSet"][0]
spec = ds["spec"]
pod = spec["template"]["spec"]
check("the selector matches the pod labels",
      all(spec["template"]["metadata"]["labels"].get(k) == v for k, v in spec["selector"]["matchLabels"].items()))

# thrd's stop_timeout is capped at 5m (lib/thr/config.cpp); the pod must outlast a stop.
grace = pod.get("terminationGracePeriodSeconds", 30)
check(f"terminationGracePeriodSeconds {grace} > 300", isinstance(grace, int) and grace > 300)

psc = pod.get("securityContext", {})
check("pod runAsNonRoot", psc.get("runAsNonRoot") is True)
uid = psc.get("runAsUser")
check(f"pod runAsUser numeric, not 0 ({uid})", isinstance(uid, int) and uid > 0)

containers = {c["name"]: c for c in pod["containers"]}
check("containers: thrd and config-reloader", sorted(containers) == ["config-reloader", "thrd"], sorted(containers))
thrd = containers["thrd"]
cmd = thrd.get("command", []) + thrd.get("args", [])
def opt(name):
    return cmd[cmd.index(name) + 1] if name in cmd and cmd.index(name) + 1 < len(cmd) else None
check("thrd runs thrd", cmd[:1] == ["thrd"], cmd)
socket, config, state = opt("--socket"), opt("--config"), opt("--state-dir")
check("thrd --config /etc/thrd/thrd.json", config == "/etc/thrd/thrd.json", config)
check("thrd --socket given", socket is not None)
check("thrd --state-dir given", state is not None)

for name in ("livenessProbe", "readinessProbe"):
    p = thrd.get(name, {})
    c = p.get("exec", {}).get("command", [])
    check(f"{name} runs thrctl ping", c[:1] == ["thrctl"] and c[-1:] == ["ping"], c)
    t = c[c.index("--timeout") + 1] if "--timeout" in c else "10s"
    secs = int(t[:-1]) if t.endswith("s") and t[:-1].isdigit() else None
    check(f"{name}: thrctl --timeout {t} below the probe's timeoutSeconds",
          secs is not None and secs < p.get("timeoutSeconds", 1), p.get("timeoutSeconds", 1))

mounts_of = lambda c: {m["mountPath"]: m for m in c.get("volumeMounts", [])}
volumes = {v["name"]: v for v in pod.get("volumes", [])}
for c in containers.values():
    n = c["name"]
    r = c.get("resources", {})
    check(f"{n}: requests and limits of cpu and memory",
          all(k in r.get(w, {}) for w in ("requests", "limits") for k in ("cpu", "memory")), r)
    sc = c.get("securityContext", {})
    check(f"{n}: no privilege escalation, read-only root, capabilities drop ALL, add none",
          sc.get("allowPrivilegeEscalation") is False and sc.get("readOnlyRootFilesystem") is True
          and "ALL" in sc.get("capabilities", {}).get("drop", []) and not sc.get("capabilities", {}).get("add"), sc)
    check(f"{n}: same image as thrd", c["image"] == thrd["image"], c["image"])
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    check(f"{n}: THRD_SOCKET is thrd's --socket", env.get("THRD_SOCKET") == socket, env.get("THRD_SOCKET"))
    m = mounts_of(c)
    cfg = m.get("/etc/thrd")
    check(f"{n}: /etc/thrd mounted whole, read-only (no subPath: the kubelet updates it)",
          cfg is not None and cfg.get("readOnly") is True and "subPath" not in cfg, cfg)
    vol = volumes.get((cfg or {}).get("name"), {})
    check(f"{n}: /etc/thrd is the ConfigMap {cm['metadata']['name']}",
          vol.get("configMap", {}).get("name") == cm["metadata"]["name"], vol)
    sock_dir = socket.rsplit("/", 1)[0]
    check(f"{n}: the socket dir {sock_dir} is a volume", sock_dir in m, sorted(m))

tm = mounts_of(thrd)
check(f"thrd: the state dir {state} is a volume", state in tm, sorted(tm))
check("thrd and config-reloader share the socket volume",
      tm.get(socket.rsplit("/", 1)[0], {}).get("name")
      == mounts_of(containers["config-reloader"]).get(socket.rsplit("/", 1)[0], {}).get("name"))
rl = containers["config-reloader"]
script = rl.get("command", [])[-1] if rl.get("command") else ""
check("config-reloader runs sh -c with thrctl reload", rl.get("command", [])[:2] == ["sh", "-c"] and "thrctl reload" in script)

# What the pod sees: the files under ..v1, each key a symlink through ..data (the kubelet's layout).
import os
etc = os.path.join(tmpd, "etc")
check("ConfigMap has thrd.json", "thrd.json" in cm.get("data", {}), sorted(cm.get("data", {})))
for key, text in cm.get("data", {}).items():
    with open(os.path.join(etc, "..v1", key), "w") as f:
        f.write(text)
    os.symlink(os.path.join("..data", key), os.path.join(etc, key))
os.symlink("..v1", os.path.join(etc, "..data"))
with open(os.path.join(tmpd, "dropins"), "w") as f:
    f.write(str(len(cm.get("data", {})) - 1))
with open(os.path.join(tmpd, "ds.yaml"), "w") as f:
    yaml.safe_dump(ds, f)
with open(os.path.join(tmpd, "reloader.sh"), "w") as f:
    f.write(script)
EOF
[[ -s "$TMPD/ds.yaml" && -s "$TMPD/reloader.sh" ]] || die "the field check wrote no DaemonSet or reloader script"

log "-- 3. the DaemonSet through kubectl's apps/v1 types and back (kubectl set image --local)"
rc=0
"$KUBECTL" set image --local -f "$TMPD/ds.yaml" -o json thrd=schema-check >"$TMPD/ds.json" \
  2>"$TMPD/set.err" || rc=$?
expect_eq "kubectl set image --local exit" 0 "$rc"
((rc == 0)) || log "     $(cat "$TMPD/set.err")"
py_checks "$TMPD/ds.yaml" "$TMPD/ds.json" <<'EOF'
import json, sys, yaml
src = yaml.safe_load(open(sys.argv[1]))
try:
    back = json.load(open(sys.argv[2]))
except ValueError as e:
    print("  FAIL  kubectl printed no JSON:", e)
    sys.exit(0)
# The one change asked for, undone.
for c in back["spec"]["template"]["spec"]["containers"]:
    if c["name"] == "thrd":
        c["image"] = next(x["image"] for x in src["spec"]["template"]["spec"]["containers"] if x["name"] == "thrd")
lost = []
def walk(a, b, path):
    if isinstance(a, dict):
        if not isinstance(b, dict):
            lost.append(f"{path} (not an object after decoding)")
            return
        for k, v in a.items():
            if k not in b:
                lost.append(f"{path}.{k} (unknown to apps/v1)")
            else:
                walk(v, b[k], f"{path}.{k}")
    elif isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            lost.append(f"{path} (list changed)")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{path}[{i}]")
    elif a != b:
        lost.append(f"{path} ({a!r} came back as {b!r})")
walk(src, back, "")
print("  ok    every field of the DaemonSet survives the typed round trip" if not lost
      else "  FAIL  fields lost or changed by apps/v1: " + "; ".join(lost))
EOF
# The check itself catches a typo: the same round trip on a DaemonSet with one.
sed 's/^\( *\)livenessProbe:/\1livenesProbe:/' "$TMPD/ds.yaml" >"$TMPD/typo.yaml"
if "$KUBECTL" set image --local -f "$TMPD/typo.yaml" -o json thrd=schema-check 2>/dev/null |
  grep -q '"livenesProbe"'; then
  fail "a typo'd field came back from the round trip: the check above would miss one"
else
  pass "a typo'd field (livenesProbe) is dropped by the round trip, so the check above sees it"
fi

log "-- 4. thrd --check on the ConfigMap's files and the Nomad job's config"
rc=0
"$THRD" --check -c "$TMPD/etc/thrd.json" >"$TMPD/check.out" 2>&1 || rc=$?
expect_eq "thrd --check on the ConfigMap's thrd.json exit" 0 "$rc"
expect_contains "every other key read as a drop-in" "(+$(cat "$TMPD/dropins") drop-in" "$(cat "$TMPD/check.out")"
NOMAD=$DEPLOY/nomad/thrd.nomad.hcl
mkdir -p "$TMPD/nomad"
awk '/data *= *<<EOT$/ { on = 1; next } /^EOT$/ { on = 0 } on' "$NOMAD" >"$TMPD/nomad/thrd.json"
[[ -s "$TMPD/nomad/thrd.json" ]] || fail "no config (data = <<EOT ... EOT) in $NOMAD"
rc=0
"$THRD" --check -c "$TMPD/nomad/thrd.json" >"$TMPD/check.out" 2>&1 || rc=$?
expect_eq "thrd --check on the Nomad job's config exit" 0 "$rc"
kt=$(sed -n 's/^ *kill_timeout *= *"\([0-9]*\)s".*/\1/p' "$NOMAD")
expect_true "Nomad kill_timeout (${kt:-none}s) > 300s" test "${kt:-0}" -gt 300
expect_contains "Nomad check runs thrctl ping" 'args     = ["--timeout", "3s", "ping"]' "$(cat "$NOMAD")"

log "-- 5. the config-reloader's script against a real thrd"
ETC=$TMPD/etc
start_thrd -c "$ETC/thrd.json"
mkdir -p "$TMPD/bin"
ln -s "$(realpath "$THRCTL")" "$TMPD/bin/thrctl"
THRD_CONFIG_DIR=$ETC THRD_RELOAD_EVERY=0.1 THRD_SOCKET=$SOCK PATH="$TMPD/bin:$PATH" \
  sh -c "$(cat "$TMPD/reloader.sh")" >"$TMPD/reloader.out" 2>"$TMPD/reloader.err" &
RELOADER=$!
bg_track "$RELOADER"
wait_until 5 grep -q 'watching' "$TMPD/reloader.out" || fail "the reloader did not start"

# swap_to VERSION: what the kubelet does on a ConfigMap update: the new files in a new
# directory, then ..data replaced by one rename.
swap_to() {
  ln -s "$1" "$ETC/..data_tmp"
  mv -T "$ETC/..data_tmp" "$ETC/..data"
}
reloads() { grep -c 'thrctl reload' "$TMPD/reloader.out" || true; }
# shellcheck disable=SC2317 # called through wait_until and expect_true
job_exists() { "$THRCTL" -s "$SOCK" status "$1" >/dev/null 2>&1; }
# shellcheck disable=SC2317
job_gone() { ! job_exists "$1"; }

cp -a "$ETC/..v1" "$ETC/..v2"
write_config "$ETC/..v2/jobs.json" '{"jobs": [{"name": "added", "task": "timestamp", "every": "1h"}]}'
tick_tid() { ps -T -o spid=,comm= -p "$THRD_PID" | awk '$2 == "tick" { print $1 }'; }
tick_before=$(tick_tid)
swap_to ..v2
expect_true "a changed drop-in is reloaded: job added appears" wait_until 10 job_exists added
expect_true "the removed job disk-usage is gone" job_gone disk-usage
expect_eq "tick went on untouched (same thread)" "$tick_before" "$(tick_tid)"
expect_eq "one reload" 1 "$(reloads)"

cp -a "$ETC/..v2" "$ETC/..v3"
write_config "$ETC/..v3/jobs.json" '{"jobs": [{"name": "broken", "task": "timestamp", "evry": "1s"}]}'
swap_to ..v3
expect_true "an invalid config: the refusal is logged" \
  wait_until 10 grep -q 'reload refused (exit 1)' "$TMPD/reloader.err"
expect_contains "thrctl's message names the key" 'evry' "$(cat "$TMPD/reloader.err")"
expect_true "thrd kept job added" job_exists added
expect_true "thrd is alive" thrd_ready "$THRD_PID" "$SOCK"
# A point on the timeline (20 looks of the loop), not a settle wait: no retry in between.
sleep "$(scaled 2)"
expect_eq "no retry of the refused config" 2 "$(reloads)"

swap_to ..v1
expect_true "back to the first config: disk-usage is back" wait_until 10 job_exists disk-usage
expect_true "and added is gone" job_gone added
expect_eq "three reloads in all" 3 "$(reloads)"

# SIGTERM (the pod stopping) ends the loop at once, not after its sleep: a reloader that
# looks every 60 s.
kill -TERM "$RELOADER"
wait "$RELOADER" || true
THRD_CONFIG_DIR=$ETC THRD_RELOAD_EVERY=60 THRD_SOCKET=$SOCK PATH="$TMPD/bin:$PATH" \
  sh -c "$(cat "$TMPD/reloader.sh")" >"$TMPD/reloader2.out" 2>&1 &
RELOADER=$!
bg_track "$RELOADER"
wait_until 5 grep -q 'watching' "$TMPD/reloader2.out" || fail "the second reloader did not start"
t0=$(now_ms)
kill -TERM "$RELOADER"
rc=0
wait "$RELOADER" || rc=$?
expect_eq "SIGTERM ends the reloader with exit" 0 "$rc"
expect_true "within 2s (not after its 60s sleep)" test $(($(now_ms) - t0)) -lt "$(scaled_ms 2)"

finish
