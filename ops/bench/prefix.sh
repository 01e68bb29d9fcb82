#!/usr/bin/env bash
# Prefix lookup benchmark: longest-prefix match on a 50,000-prefix plan.
# Usage: ops/bench/prefix.sh [PREFIXES=50000] [LOOKUPS=10000000]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
"$root/ops/deps.sh"
cmake -S . -B build/dev -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build/dev -j 2 huawu_prefix_bench
printf '%-20s %s\n' "cpu model" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
printf '%-20s %s\n' "load average" "$(cut -d' ' -f1-3 /proc/loadavg)"
build/dev/ops/bench/huawu_prefix_bench --prefixes "${1:-50000}" --lookups "${2:-10000000}"
