#!/usr/bin/env bash
# What promotions (issue 6, clause B3.2) cost on the switch's path, in one run
# on this machine: agents' users call through the real daemon, first with no
# promotion in the ledger (rating looks nothing up), then with 200 requested
# promotions of other agents and one approved on the callers' chain (every
# authorization and record walks the caller's agent chain and picks the best
# promotion in force). The two alternate RUNS times, so both see the same
# machine; the ratio is with / without.
# Usage: ops/bench/promotions.sh [RATE=40000] [SECONDS=6] [RUNS=2] [ACCOUNTS=10000]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=ops/bench/lib.sh
source "$root/ops/bench/lib.sh"
rate=${1:-40000}
seconds=${2:-6}
runs=${3:-2}
accounts=${4:-10000}
build=build/dev
data=$root/build/bench-promotions
huawu=$build/cli/huawu

"$root/ops/deps.sh" >/dev/null
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" -j 2 huawu >/dev/null

rm -rf "$data"
mkdir -p "$data"
daemon_pid=
cleanup() {
  if [[ -n $daemon_pid ]]; then kill "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

print_machine "$data"

ledger=$data/ledger
"$huawu" --data "$ledger" init --provider-name "Bench VoIP" >/dev/null
write_bench_config "$ledger" "$data/huawu.toml"
start_bench_daemon "$huawu" "$ledger" "$data/huawu.toml" "$data/serve.log"
h() { "$huawu" --data "$ledger" "$@" >/dev/null; }

echo
echo "=== setup: a level-1 agent and its sub-agent with traffic, $accounts users of the sub-agent"
h agent add lv1 --parent provider --name "Level 1" --price 3
h agent add lv2 --parent lv1 --name "Level 2" --price 4
h payment record lv1 --kind traffic 3000000
h traffic buy lv1 --minutes 100000000
h payment record lv2 --kind traffic 2000000
h traffic buy lv2 --minutes 50000000
"$huawu" --data "$ledger" switch-sim --endpoint "$endpoint" --setup --agent lv2 --accounts "$accounts" \
  --initial 1000000 --rate 1 --duration 0.001 --json | jq -r '"setup: \(.setup.accounts_opened) accounts opened"'

# Costs differ once a discount applies: the simulator does not recompute them (--foreign-plan).
sim() {
  "$huawu" --data "$ledger" switch-sim --endpoint "$endpoint" --accounts "$accounts" --foreign-plan \
    --rate "$rate" --duration "$seconds" --concurrency 20000 --duplicates 0 --json | jq '.settled_calls_per_second | floor'
}
add_promotions() {
  local today until i
  today=$(TZ=Asia/Shanghai date +%F)
  until=$(TZ=Asia/Shanghai date -d '+30 days' +%F)
  for i in $(seq 1 200); do
    h agent add "other-$i" --parent provider --name "Other $i"
    h promo request --agent "other-$i" --discount 5 --from "$today" --to "$until" --plan sim
  done
  h promo request --agent lv1 --discount 10 --from "$today" --to "$until" --plan sim
  h promo approve P000201 --filing-ref BENCH-1
}

declare -a without with
without+=("$(sim)")
echo "without promotions: ${without[0]} settled calls/s"
echo "(adding 200 agents with a requested promotion each, and an approved one of lv1)"
add_promotions
with+=("$(sim)")
echo "with promotions:    ${with[0]} settled calls/s"
# Later pairs: the approved promotion withdrawn and requested again, so the
# ledger alternates between "no promotion applies" and "one applies".
for ((run = 1; run < runs; ++run)); do
  h promo withdraw "P$(printf '%06d' $((200 + run)))" --reason "bench: without"
  without+=("$(sim)")
  echo "without (withdrawn): ${without[$run]} settled calls/s"
  h promo request --agent lv1 --discount 10 --from "$(TZ=Asia/Shanghai date +%F)" \
    --to "$(TZ=Asia/Shanghai date -d '+30 days' +%F)" --plan sim
  h promo approve "P$(printf '%06d' $((201 + run)))" --filing-ref "BENCH-$run"
  with+=("$(sim)")
  echo "with promotions:     ${with[$run]} settled calls/s"
done

sum() { local s=0 v; for v in "$@"; do s=$((s + v)); done; echo "$s"; }
total_without=$(sum "${without[@]}")
total_with=$(sum "${with[@]}")
echo
echo "=== summary ($runs pairs, $rate calls/s asked for $seconds s each)"
printf '%-40s %s\n' "without promotions, mean" "$((total_without / runs)) settled calls/s"
printf '%-40s %s\n' "with one applying among 201, mean" "$((total_with / runs)) settled calls/s"
printf '%-40s %s\n' "ratio with / without" "$(awk -v a="$total_with" -v b="$total_without" 'BEGIN { printf "%.2f", a / b }')"
# The last calls carry the promotion on their rate.
"$huawu" --data "$ledger" calls sim-00001 --json |
  jq -r '[.calls[] | select(.type == "CallSettled")] | last | "sim-00001, last call rated with promotion: \(.rate.promotion // "none")"'
