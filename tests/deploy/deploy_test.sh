#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What can be checked of deploy/ here, without systemd as init, a
# Kubernetes cluster or a container engine: the unit passes
# `systemd-analyze verify`; the example config, the ConfigMap's and the
# example scheme files pass `udamos daemon --check`; the DaemonSet carries what the daemon needs
# (hostPID, the three capabilities and no others, /sys, /run/udamos, the
# config); the Containerfile builds this tree's udamos and runs the
# daemon; the man pages render without warnings; bash completion
# completes.  docs/daemon.md says what was not run.
# Usage: deploy_test.sh UDAMOS SOURCE_DIR
set -u
UDAMOS=$1 SRC=$2
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# 1. The unit, with its ExecStart pointing at this build (verify checks
#    that each command exists).
sed "s#/usr/local/bin/udamos#$UDAMOS#g" "$SRC/deploy/udamos.service" >"$tmp/udamos.service"
if systemd-analyze verify --man=no "$tmp/udamos.service" >"$tmp/out" 2>&1; then
	ok "systemd-analyze verify deploy/udamos.service: clean"
else
	fail "systemd-analyze verify: $(cat "$tmp/out")"
fi
for want in "Type=notify" "Restart=on-failure" "CapabilityBoundingSet=CAP_SYS_NICE CAP_SYS_PTRACE CAP_SYS_ADMIN" \
	"ProtectSystem=strict" "NoNewPrivileges=yes" "ExecReload="; do
	grep -q "^$want" "$SRC/deploy/udamos.service" || fail "the unit has no $want"
done

# 2. The example configs.
"$UDAMOS" daemon --check --config "$SRC/deploy/udamos.json" >"$tmp/out" 2>&1 &&
	ok "deploy/udamos.json: $(cat "$tmp/out")" || fail "deploy/udamos.json: $(cat "$tmp/out")"

# The example scheme files (examples/schemes/), as a context's schemes:
# the daemon checks them as `udamos run --schemes` reads them.
for f in "$SRC"/examples/schemes/*.json; do
	python3 - "$f" >"$tmp/ex.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s = s["schemes"] if isinstance(s, dict) else s
print(json.dumps({"contexts": [{"name": "example", "targets": {"comm": "example"},
                                "schemes": s}]}))
PY
	"$UDAMOS" daemon --check --config "$tmp/ex.json" >"$tmp/out" 2>&1 &&
		ok "${f#"$SRC"/}: $(cat "$tmp/out")" || fail "${f#"$SRC"/}: $(cat "$tmp/out")"
done

# 3. The DaemonSet and its ConfigMap.
python3 - "$SRC/deploy/kubernetes/udamos.yaml" "$tmp/cm.json" <<'PY' || failures=$((failures + 1))
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
bad = []
def check(c, what):
    print(("ok: " if c else "FAIL: ") + what)
    if not c: bad.append(what)
kinds = {d["kind"]: d for d in docs}
check({"Namespace", "ConfigMap", "DaemonSet"} <= set(kinds), f"kinds {sorted(kinds)}")
ds = kinds["DaemonSet"]
check(ds["apiVersion"] == "apps/v1", "DaemonSet is apps/v1")
spec = ds["spec"]["template"]["spec"]
check(ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items(),
      "the selector matches the pod's labels")
check(spec.get("hostPID") is True, "hostPID: it must see the node's processes")
c = spec["containers"][0]
sc = c["securityContext"]
check(sc.get("privileged") is False, "not privileged")
check(sc["capabilities"]["drop"] == ["ALL"], "drops every capability")
check(sorted(sc["capabilities"]["add"]) == ["SYS_ADMIN", "SYS_NICE", "SYS_PTRACE"],
      f"adds exactly SYS_ADMIN, SYS_NICE, SYS_PTRACE: {sc['capabilities']['add']}")
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
vols = {v["name"]: v for v in spec["volumes"]}
for path in ("/sys", "/run/udamos", "/etc/udamos", "/sys/fs/cgroup"):
    check(path in mounts and mounts[path]["name"] in vols, f"{path} is mounted")
check(vols[mounts["/sys"]["name"]]["hostPath"]["path"] == "/sys", "/sys is the host's")
check(c["args"][:3] == ["daemon", "--config", "/etc/udamos/udamos.json"], "runs the daemon on the ConfigMap")
cm = kinds["ConfigMap"]
check(vols[mounts["/etc/udamos"]["name"]]["configMap"]["name"] == cm["metadata"]["name"],
      "the config volume is the ConfigMap")
open(sys.argv[2], "w").write(cm["data"]["udamos.json"])
sys.exit(1 if bad else 0)
PY
"$UDAMOS" daemon --check --config "$tmp/cm.json" >"$tmp/out" 2>&1 &&
	ok "the ConfigMap's udamos.json: $(cat "$tmp/out")" || fail "the ConfigMap's config: $(cat "$tmp/out")"

# 4. The Containerfile: builds this tree and runs the daemon.
cf=$SRC/deploy/Containerfile
grep -q "^FROM debian:12" "$cf" && grep -q "ninja -C /build udamos" "$cf" &&
	grep -q '^ENTRYPOINT \["/usr/local/bin/udamos"\]' "$cf" && grep -q '^CMD \["daemon"' "$cf" &&
	ok "Containerfile: builds udamos from this tree, runs the daemon (not built here: no container engine)" ||
	fail "Containerfile lacks a stage, the entrypoint or the daemon command"
grep -oE "ninja-build|libjson-c-dev|zlib1g-dev|libjson-c5|zlib1g" "$cf" | sort -u | tr '\n' ' ' | grep -q "libjson-c5" ||
	fail "the runtime image lacks libjson-c5"

# 5. Man pages: rendered, without a warning.
for m in udamos.8 udamos.json.5; do
	if man --warnings -l "$SRC/man/$m" >/dev/null 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then
		ok "man $m renders cleanly"
	else
		fail "man $m: $(cat "$tmp/err")"
	fi
done

# 6. Bash completion, through bash-completion itself.
bc=/usr/share/bash-completion/bash_completion
if [ -r $bc ]; then
	got=$(bash -c ". $bc; . '$SRC/completions/udamos'
		COMP_WORDS=(udamos st); COMP_CWORD=1; COMP_LINE='udamos st'; COMP_POINT=9
		_udamos; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(udamos status --j); COMP_CWORD=2; COMP_LINE='udamos status --j'; COMP_POINT=17
		_udamos; echo \"\${COMPREPLY[*]}\"" 2>&1)
	[ "$got" = "$(printf 'status\n--json')" ] && ok "completion: 'udamos st' -> status, 'status --j' -> --json" ||
		fail "completion gave: $got"
else
	fail "bash-completion is not installed ($bc); scripts/deps installs it"
fi
exit $failures
