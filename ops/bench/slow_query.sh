#!/usr/bin/env bash
# Authorize latency while slow queries run through the daemon (issue 16):
# 1,000 authorize round trips quiet, at least 1,000 while `audit verify` and a
# full `agent statement` over 200,000 events run back to back through the
# control socket, and 1,000 quiet again. Target: the busy p99 within twice
# the worse quiet p99. The program is tests/daemon_latency_test.cc (Catch2);
# it exits non-zero when the target is missed and prints the figures either way.
# Usage: ops/bench/slow_query.sh [RUNS] (default 3). Runs from any directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
runs=${1:-3}
build=${HUAWU_BUILD:-build/dev}
# shellcheck source=ops/bench/lib.sh
source "$root/ops/bench/lib.sh"

"$root/ops/deps.sh"
[ -f "$build/build.ninja" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" -j 2 huawu daemon_latency_test

echo
echo "=== machine"
print_machine "$root/$build"
status=0
for run in $(seq 1 "$runs"); do
  echo
  echo "=== run $run"
  out=$(mktemp)
  if "$build/tests/daemon_latency_test" -s >"$out" 2>&1; then echo "target met"; else echo "target MISSED"; status=1; fi
  grep -E -A1 "authorize p50|quiet again" "$out" | sort -u | head -4
  rm -f "$out"
done
exit "$status"
