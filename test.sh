#!/usr/bin/env bash
# Installs what Sublet and its tests need, builds, runs every test (unit and integration, real
# pods with runc and conmon as root) and ends with one line: "tests: N passed, N failed[, N skipped]".
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
# shellcheck source=hack/lib.sh
. "$here/hack/lib.sh"

if [ "$(id -u)" != 0 ]; then
  echo "test.sh: integration tests run real pods and must run as root" >&2
  echo "tests: 0 passed, 1 failed"
  exit 1
fi
ensure_packages runc conmon catatonit busybox-static util-linux crun libcap2-bin docker-registry containernetworking-plugins iptables iproute2

results="$here/.build/test-results"
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build Sublet.slnx -c Debug -nologo -v q -clp:ErrorsOnly; then
  echo "test.sh: build failed" >&2
  echo "tests: 0 passed, 1 failed"
  exit 1
fi
# The benchmarks are not in the solution (they run as root, by hand) but must keep building.
for bench in bench/Sublet.Bench bench/Sublet.Benchmarks; do
  if ! dotnet build "$bench" -c Debug -nologo -v q -clp:ErrorsOnly; then
    echo "test.sh: $bench does not build" >&2
    echo "tests: 0 passed, 1 failed"
    exit 1
  fi
done

# The integration tests drive the Native AOT binaries users run, built by the launcher when stale:
# sublet, and subletd, which `sublet serve` execs (the launcher builds it for a command that serves).
if ! "$here/sublet" serve --help >/dev/null; then
  echo "test.sh: the Native AOT sublet or subletd does not build" >&2
  echo "tests: 0 passed, 1 failed"
  exit 1
fi
export SUBLET_BINARY="$here/.build/bin/sublet"

# One test assembly at a time: integration tests start real pods, and this machine has 2 cores.
dotnet test Sublet.slnx -c Debug --no-build -nologo -m:1 \
  --logger "trx" --results-directory "$results" -- RunConfiguration.DisableParallelization=false
status=$?

# Sum the counters of every TRX file (one per test assembly).
counter() { # sum of one attribute of <Counters> over the TRX files
  local sum=0 v
  for v in $(grep -ho "<Counters [^>]*" "$results"/*.trx 2>/dev/null | grep -o " $1=\"[0-9]*\"" | grep -o "[0-9]*"); do
    sum=$((sum + v))
  done
  echo "$sum"
}
passed=$(counter passed)
failed=$(( $(counter failed) + $(counter error) + $(counter timeout) + $(counter aborted) ))
skipped=$(counter notExecuted)
total=$(counter total)
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then
  failed=1 # the runner failed outside any test (crash, abort)
fi
if [ "${total:-0}" -eq 0 ]; then
  echo "test.sh: no tests ran" >&2
  failed=$((failed + 1))
fi
if [ "${skipped:-0}" -gt 0 ]; then
  echo "tests: $passed passed, $failed failed, $skipped skipped"
else
  echo "tests: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
