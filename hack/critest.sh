#!/usr/bin/env bash
# CRI conformance: runs the critest suite (cri-tools v1.32.0, ../shared/cri-tools) against
# `sublet serve` on a private socket, with private state and run roots, a private host ID pool and
# the stand-in images, loaded into the private image store and pushed to a private registry on
# 127.0.0.1 that is the server's mirror of registry.k8s.io and gcr.io (registries.mirrors), so
# the image specs that remove an image and pull it again get it back. Ends with one line,
# "critest: P passed, F failed, S skipped", and the names of the failed specs.
#
#   hack/critest.sh [--fail-fast] [CRITEST ARGS...]        (as root; see docs/conformance.md)
#
# Exit status is non-zero when a spec failed that hack/critest-expected.txt does not list, when any
# UserNamespaces spec failed or was skipped (they must all pass), or when the run itself broke
# (images, server, no report, leftovers after cleanup).
#
# CRITEST ARGS go to critest as they are, e.g. -ginkgo.focus UserNamespaces or -ginkgo.v.
# It runs in a private network namespace with only loopback (see below). Environment:
#   CRITEST_FAIL_FAST=1   stop at the first failed spec (same as --fail-fast); default: run them all
#   CRITEST_OUT=DIR       where report.xml, critest.log, serve.log, images.log and registry.log are kept
#                         (default .build/critest; replaced on every run)
#   CRITEST_TIMEOUT=DUR   critest's whole-suite timeout (default 20m)
#
# What is skipped, and why, is in docs/conformance.md and ../shared/cri-tools/README.md. Cleanup
# runs on every exit: pods removed through CRI, then the server and the registry stopped (SIGTERM,
# only the PIDs started here), leftover runc containers and mounts under the private roots
# removed, System V shared-memory segments that appeared during the run removed, the temp dir
# deleted.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=hack/lib.sh
. "$here/hack/lib.sh"

crit="$here/../shared/cri-tools"
expected_file="$here/hack/critest-expected.txt"
out="${CRITEST_OUT:-$here/.build/critest}"
fail_fast="${CRITEST_FAIL_FAST:-0}"
suite_timeout="${CRITEST_TIMEOUT:-20m}"

# What cannot pass on this kind of machine, whatever the runtime (../shared/cri-tools/README.md):
#  - the digest-pinned image: no offline stand-in can have the upstream digest;
#  - MaskedPaths: Debian's busybox sh runs `ls` in-process and never executes the masked /bin/ls.
# Networking and port-forward specs run: the whole run is inside a network namespace this script
# makes, with Sublet's default bridge network in it (private bridge, subnet, leases and conflist).
skips=(
  'public image with digest'
  'should support MaskedPaths'
)
# critest v1.32.0 has exactly this many UserNamespaces specs; a full run must pass them all.
userns_specs=6

passthrough=()
for arg in "$@"; do
  case "$arg" in
    --fail-fast) fail_fast=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$here/hack/critest.sh"; exit 0 ;;
    *) passthrough+=("$arg") ;;
  esac
done

say() { echo "critest.sh: $*" >&2; }
# The summary is printed last, after cleanup (by the EXIT trap once it is set): a run that breaks
# before critest reports counts as one failure.
summary=""
die() {
  say "$*"
  if [ -n "${cleanup_set:-}" ]; then summary="critest: 0 passed, 1 failed, 0 skipped"; else echo "critest: 0 passed, 1 failed, 0 skipped"; fi
  exit 1
}

[ "$(id -u)" = 0 ] || die "critest runs pods and probes idmapped mounts: run it as root"
[ -x "$crit/bin/critest" ] && [ -x "$crit/bin/crictl" ] || die "$crit/bin/critest and crictl are missing (see ../shared/cri-tools/README.md)"
# Everything below runs in a network namespace of its own, with only loopback: the server, its pods
# and critest agree on what "host network" is, and nothing reaches the machine's network (a pull of
# an image missing from the store fails at once instead of going to registry.k8s.io or gcr.io).
# Packages and the build may need the network, so they come first, outside it.
if [ "${SUBLET_CRITEST_IN_NETNS:-}" != 1 ]; then
  ensure_packages runc conmon catatonit busybox-static util-linux iproute2 gcc python3 docker-registry containernetworking-plugins iptables
  ./sublet serve --help >/dev/null || die "./sublet or its server subletd does not build (see .build/build.log)"
  SUBLET_CRITEST_IN_NETNS=1 exec unshare --net -- "$here/hack/critest.sh" "$@"
fi
[ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ] || die "not in a private network namespace"
ip link set lo up

shm_ids() { awk 'NR > 1 { print $2 }' /proc/sysvipc/shm 2>/dev/null | sort -n; }
shm_before="$(shm_ids)"
serve_pid=""
registry_pid=""
tmp="" runc_root="" # set below, once the helpers and cleanup that use them are defined
rm -rf "$out"
mkdir -p "$out"

# Mount points under the temp dir, deepest first (mountinfo escapes spaces, which $tmp has none of).
mounts_under_tmp() { [ -n "$tmp" ] || return 0; awk -v root="$tmp" '$5 == root || index($5, root "/") == 1 { print $5 }' /proc/self/mountinfo | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-; }
runc_containers() { [ -d "$runc_root" ] && runc --root "$runc_root" list -q 2>/dev/null || true; }
# Start time of a process, in clock ticks after boot (field 22 of /proc/PID/stat; comm may hold spaces).
start_time() { local st; st="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1; st="${st##*) }"; set -- $st; echo "${20}"; }
my_start="$(start_time $$)"
# Processes started since this script and whose command line names our random temp dir (conmon,
# runc, sublet children the server left): ours by construction, whatever their name.
procs_under_tmp() {
  local p cmd t
  [ -n "$tmp" ] || return 0
  for p in /proc/[0-9]*; do
    case "${p#/proc/}" in "$$"|"$BASHPID") continue ;; esac
    cmd="$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" || continue
    [[ "$cmd" == *"$tmp/"* ]] || continue
    t="$(start_time "${p#/proc/}")" && [ "$t" -ge "$my_start" ] && echo "${p#/proc/}"
  done
  return 0
}

cleanup() {
  local rc=$? left=0 m id pid
  trap - EXIT INT TERM
  set +e
  [ -n "$tmp" ] && [ -d "$tmp" ] || exit "$rc"
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    # Pods first, through the server that made them (containers go with their pods).
    timeout 120 "$crit/bin/crictl" --config "$tmp/crictl.yaml" rm -a -f >/dev/null 2>&1
    timeout 120 "$crit/bin/crictl" --config "$tmp/crictl.yaml" rmp -a -f >/dev/null 2>&1
    kill -TERM "$serve_pid" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$serve_pid" 2>/dev/null; then
      say "sublet serve (pid $serve_pid) ignored SIGTERM for 30 s; killing it"
      kill -KILL "$serve_pid" 2>/dev/null
      left=1
    fi
    wait "$serve_pid" 2>/dev/null
  fi
  [ -f "$tmp/serve.log" ] && cp "$tmp/serve.log" "$out/serve.log" 2>/dev/null
  if [ -n "$registry_pid" ] && kill -0 "$registry_pid" 2>/dev/null; then
    kill -TERM "$registry_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$registry_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$registry_pid" 2>/dev/null
    wait "$registry_pid" 2>/dev/null
  fi
  [ -f "$tmp/registry/registry.log" ] && cp "$tmp/registry/registry.log" "$out/registry.log" 2>/dev/null
  # Whatever the server could not remove: runc containers, then their processes, then mounts.
  for id in $(runc_containers); do
    say "leftover runc container $id: deleting"
    runc --root "$runc_root" delete --force "$id" >/dev/null 2>&1
    left=1
  done
  for pid in $(procs_under_tmp); do
    say "leftover process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)): killing"
    kill -KILL "$pid" 2>/dev/null
    left=1
  done
  for m in $(mounts_under_tmp); do
    [ "$m" = "$tmp/state/pods" ] || { say "leftover mount $m: unmounting"; left=1; } # the pods' state bind is the node's, kept by design
    umount -l "$m" 2>/dev/null || umount -f "$m" 2>/dev/null
  done
  if [ -n "$(mounts_under_tmp)" ]; then
    say "mounts left under $tmp, not deleting it: $(mounts_under_tmp | tr '\n' ' ')"
    left=1
  else
    rm -rf --one-file-system "$tmp" || { say "could not delete $tmp"; left=1; }
  fi
  # System V shared memory that appeared during the run (critest's HostIpc specs leave 1 MiB each).
  for id in $(comm -13 <(echo "$shm_before") <(shm_ids)); do
    ipcrm -m "$id" 2>/dev/null && say "removed System V shm segment $id"
  done
  if [ "$left" -ne 0 ]; then
    say "cleanup found leftovers (above): that is a failure"
    [ "$rc" -eq 0 ] && rc=1
  fi
  [ -n "$summary" ] && printf '%s\n' "$summary"
  exit "$rc"
}

# ---------- private roots ----------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/sublet-critest.XXXXXX")"
trap cleanup EXIT
cleanup_set=1
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM
chmod 0711 "$tmp" # runc reaches the rootfs from inside a pod's user namespace: parents need o+x
cfg="$tmp/config.yaml"
sock="$tmp/sublet.sock"
runc_root="$tmp/run/runc"

# A kubelet pool of maxPods (110) ranges at a random place far above the default 65536..., so that
# pods of tests running beside this one (default pool) are never near ours.
slot=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
pool_start=$(( slot * 65536 ))
pool_count=$(( 110 * 65536 ))
echo "kubelet:$pool_start:$pool_count" >"$tmp/subuid"
echo "kubelet:$pool_start:$pool_count" >"$tmp/subgid"
cat >"$cfg" <<EOF
stateRoot: $tmp/state
runRoot: $tmp/run
subUidPath: $tmp/subuid
subGidPath: $tmp/subgid
network:
  mode: cni
  confDir: $tmp/net.d
  bridge: sublet-critest
  subnet: 10.88.0.0/16
EOF
cat >"$tmp/crictl.yaml" <<EOF
runtime-endpoint: unix://$sock
image-endpoint: unix://$sock
timeout: 30
EOF
crictl() { "$crit/bin/crictl" --config "$tmp/crictl.yaml" "$@"; }

# ---------- images ----------
say "building the stand-in images"
"$crit/build-images.sh" "$tmp/images" >"$out/images.log" 2>&1 || { cat "$out/images.log" >&2; die "build-images.sh failed"; }

# A private registry on loopback (Debian's docker-registry, distribution 2.8; its packaged config
# listens on every interface, so it gets one of its own), holding every image of the layout under
# its upstream path without the host: registry.k8s.io/e2e-test-images/busybox:1.29-2 is
# 127.0.0.1:PORT/e2e-test-images/busybox:1.29-2, gcr.io/k8s-staging-cri-tools/x is
# 127.0.0.1:PORT/k8s-staging-cri-tools/x. The server takes it as the mirror of both registries
# (registries.mirrors), so images keep their upstream names and critest's pulls never leave this
# network namespace.
registry_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$tmp/registry"
cat >"$tmp/registry/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog: {disabled: true}
storage:
  filesystem:
    rootdirectory: $tmp/registry/storage
http:
  addr: 127.0.0.1:$registry_port
YAML
say "starting a private registry on 127.0.0.1:$registry_port"
/usr/bin/docker-registry serve "$tmp/registry/config.yml" >"$tmp/registry/registry.log" 2>&1 &
registry_pid=$!
registry_up() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/v2/", timeout=2)' "$registry_port" 2>/dev/null; }
for i in $(seq 1 100); do
  registry_up && break
  kill -0 "$registry_pid" 2>/dev/null || { cat "$tmp/registry/registry.log" >&2; registry_pid=""; die "docker-registry exited before answering"; }
  [ "$i" -eq 100 ] && { cat "$tmp/registry/registry.log" >&2; die "docker-registry did not answer on 127.0.0.1:$registry_port within 20 s"; }
  sleep 0.2
done
say "pushing the images to it"
python3 "$here/hack/push-layout.py" "$tmp/images" "http://127.0.0.1:$registry_port" >>"$out/images.log" 2>&1 ||
  { tail -5 "$out/images.log" >&2; die "pushing the images to the private registry failed"; }
cat >>"$cfg" <<YAML
registries:
  mirrors:
    registry.k8s.io: [http://127.0.0.1:$registry_port]
    gcr.io: [http://127.0.0.1:$registry_port]
YAML

# They are loaded into the store too, beforehand: only the specs that remove an image and pull it
# again go through the registry.
say "loading them into the private store (builds sublet if stale)"
./sublet --config "$cfg" image load "$tmp/images" >>"$out/images.log" 2>&1 || { cat "$out/images.log" >&2; die "sublet image load failed"; }
# Every image of the layout must be in the store under its full upstream name.
./sublet --config "$cfg" images -o json >"$tmp/images.json" 2>>"$out/images.log" || die "sublet images failed"
python3 - "$tmp/images/index.json" "$tmp/images.json" <<'EOF' || die "image load did not import every image of the layout under its name"
import json, sys
wanted = [m["annotations"]["org.opencontainers.image.ref.name"] for m in json.load(open(sys.argv[1]))["manifests"]]
have = {(i.get("reference") or i.get("Reference") or "") for i in json.load(open(sys.argv[2]))}
missing = [w for w in wanted if w not in have]
for w in missing:
    print(f"critest.sh: not in the store: {w}", file=sys.stderr)
print(f"critest.sh: {len(wanted) - len(missing)} of {len(wanted)} images loaded", file=sys.stderr)
sys.exit(1 if missing else 0)
EOF

# ---------- server ----------
say "starting sublet serve on $sock"
./sublet --config "$cfg" serve --listen "$sock" 2>"$tmp/serve.log" >/dev/null &
serve_pid=$!
for i in $(seq 1 120); do
  crictl version >/dev/null 2>&1 && break
  kill -0 "$serve_pid" 2>/dev/null || { tail -20 "$tmp/serve.log" >&2; serve_pid=""; die "sublet serve exited before answering"; }
  [ "$i" -eq 120 ] && { tail -20 "$tmp/serve.log" >&2; die "sublet serve did not answer on $sock within 60 s"; }
  sleep 0.5
done
crictl version 2>/dev/null | sed 's/^/  /' >&2

# ---------- critest ----------
args=(
  --runtime-endpoint "unix://$sock" --image-endpoint "unix://$sock" -config "$tmp/crictl.yaml"
  -ginkgo.no-color -ginkgo.junit-report "$out/report.xml" -ginkgo.timeout "$suite_timeout"
)
for s in "${skips[@]}"; do args+=(-ginkgo.skip "$s"); done
[ "$fail_fast" = 1 ] && args+=(-ginkgo.fail-fast)
say "running critest ${passthrough[*]:-(whole suite)}"
set +e
# critest writes temporary files to its working directory: keep them in ours.
(cd "$tmp" && "$crit/bin/critest" "${args[@]}" "${passthrough[@]}") 2>&1 | tee "$out/critest.log"
critest_rc=${PIPESTATUS[0]}
set -e

# ---------- summary ----------
[ -s "$out/report.xml" ] || die "critest wrote no report (exit $critest_rc); see $out/critest.log"
# With the caller's own focus, skip or label filter, the specs they filtered out are theirs to leave out.
strict=1
for arg in "${passthrough[@]}"; do
  case "$arg" in *focus*|*skip*|*label-filter*) strict=0 ;; esac
done
set +e
python3 - "$out/report.xml" "$expected_file" "$critest_rc" "$strict" "$userns_specs" >"$out/summary.txt" <<'EOF'
import sys, xml.etree.ElementTree as ET
report, expected_file, critest_rc, strict, userns_specs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", int(sys.argv[5])

expected = []  # (substring, line) ; "SUBSTRING   # why", full-line comments and blank lines ignored
try:
    for line in open(expected_file):
        text = line.split(" #", 1)[0].strip()
        if text and not text.startswith("#"):
            expected.append(text)
except FileNotFoundError:
    pass

passed, failed, self_skipped, filtered, suite_failures = [], [], [], [], []
for tc in ET.parse(report).getroot().iter("testcase"):
    name, status = tc.get("name", ""), tc.get("status", "")
    is_spec = name.startswith("[It] ")
    if status == "passed":
        if is_spec: passed.append(name)
    elif status in ("skipped", "pending"):
        s = tc.find("skipped")
        message = s.get("message", "") if s is not None else status
        (filtered if message == "skipped" else self_skipped).append((name, message))
    else:
        node = tc.find("failure")
        if node is None: node = tc.find("error")
        lines = [l.strip() for l in (node.get("message", "") if node is not None else "").strip().splitlines()]
        message = lines[0] if lines else ""
        rpc = next((l for l in lines if "rpc error" in l), None)
        if rpc and "rpc error" not in message:
            message += " " + rpc
        (failed if is_spec else suite_failures).append((name, status, message[:240]))

def short(name): return name[len("[It] [k8s.io] "):] if name.startswith("[It] [k8s.io] ") else name
def expected_by(name): return next((e for e in expected if e in name), None)

all_failed = failed + suite_failures
bad = False
if all_failed:
    print("failed:")
    for name, status, message in all_failed:
        e = expected_by(name)
        note = f"  [expected: \"{e}\" in hack/critest-expected.txt]" if e and "UserNamespaces" not in name else ""
        print(f"  - {short(name)}{'' if status == 'failed' else f' ({status})'}{note}")
        if message: print(f"      {message}")
        if not note: bad = True
if self_skipped:
    print("skipped by the specs themselves:")
for name, message in self_skipped:
    print(f"  - {short(name)}: {message.removeprefix('skipped - ')[:200]}")
stale = [e for e in expected if not any(e in n for n, _, _ in all_failed) and any(e in n for n in passed)]
for e in stale:
    print(f"note: \"{e}\" is listed in hack/critest-expected.txt but passed; remove it")

# UserNamespaces: every one must pass, none skipped, whatever hack/critest-expected.txt says.
userns_passed = [n for n in passed if "UserNamespaces" in n]
userns_bad = [n for n, *_ in failed if "UserNamespaces" in n] + [n for n, _ in self_skipped if "UserNamespaces" in n]
if strict:
    userns_bad += [n for n, _ in filtered if "UserNamespaces" in n]
userns_total = len(userns_passed) + len({n for n, *_ in failed + self_skipped + filtered if "UserNamespaces" in n})
if userns_bad:
    print(f"UserNamespaces: {len(userns_bad)} of {userns_total} specs not passed (all must pass, none skipped):")
    for n in userns_bad: print(f"  - {short(n)}")
    bad = True
elif strict and len(userns_passed) != userns_specs:
    print(f"UserNamespaces: {len(userns_passed)} specs passed, expected {userns_specs}")
    bad = True
elif userns_passed:
    print(f"UserNamespaces: {len(userns_passed)} of {userns_total} passed")

if critest_rc != 0 and not all_failed:
    print(f"critest exited {critest_rc} with no failed spec in its report; see critest.log")
    bad = True
print(f"skipped: {len(self_skipped)} by the specs themselves, {len(filtered)} not selected "
      f"(benchmarks, this script's skip list{', the focus/skip given' if not strict else ''})")
print(f"critest: {len(passed)} passed, {len(all_failed)} failed, {len(self_skipped) + len(filtered)} skipped")
sys.exit(1 if bad else 0)
EOF
summary_rc=$?
set -e
summary="$(cat "$out/summary.txt")"
[ -n "$summary" ] || die "could not read $out/report.xml"
say "report, critest and server logs in $out"
exit "$summary_rc" # the summary follows, after cleanup
