#!/usr/bin/env bash
# The append benchmark:
#   (a) WalletRecharged events through the real Writer with group commit;
#   (b) bare RocksDB writing the same keys, value sizes and batch size as (a),
#       with sync=true, into a fresh database with ledger/store.cc's options;
#   (c) the ratio (a)/(b) (target >= 0.5);
#   (d) `huawu audit verify` over the store from (a) (target >= 1,000,000 events/s).
# Usage: ops/bench/append.sh [RECHARGES] [ACCOUNTS] [PRODUCERS]
#        (default 2000000 10000 1). Runs from any directory.
# The results variables come from the name=value files the programs write
# (sourced below), which shellcheck cannot see:
# shellcheck disable=SC2154
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
recharges=${1:-2000000}
accounts=${2:-10000}
producers=${3:-1}
build=build/dev
# On the same disk as the repository, so fsync costs what the ledger's would.
data=$root/build/bench-data

"$root/ops/deps.sh"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" -j 2 huawu huawu_append_bench huawu_raw_rocksdb_bench

rm -rf "$data"
mkdir -p "$data"
trap 'rm -rf "$data"' EXIT

echo
echo "=== machine"
printf '%-18s %s\n' "cpus" "$(nproc)"
printf '%-18s %s\n' "cpu model" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
printf '%-18s %s\n' "memory" "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
printf '%-18s %s\n' "disk" "$(df -h "$data" | awk 'NR == 2 {print $1 " (" $2 ")"}')"
printf '%-18s %s\n' "load average" "$(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "=== (a) huawu writer: $recharges WalletRecharged over $accounts accounts"
"$build/ops/bench/huawu_append_bench" --data "$data/ledger" --accounts "$accounts" \
  --recharges "$recharges" --producers "$producers" --results "$data/ledger.results"
# shellcheck disable=SC1091
source "$data/ledger.results"

echo
echo "=== (b) raw RocksDB: same keys, value sizes and batch size, sync=true"
echo "(event values are real ones sampled from the store of (a), so they compress alike)"
"$build/ops/bench/huawu_raw_rocksdb_bench" --data "$data/raw" --events "$ledger_events" \
  --batch-events "$batch_events_mean" --event-value-bytes "$event_value_bytes" \
  --idempotency-key-bytes "$idempotency_key_bytes" \
  --idempotency-value-bytes "$idempotency_value_bytes" --first-sequence "$first_sequence" \
  --values-from "$data/ledger" --results "$data/raw.results"
# shellcheck disable=SC1091
source "$data/raw.results"

echo
echo "=== (d) huawu audit verify over the store from (a)"
audit_started=$(date +%s.%N)
audit_json=$("$build/cli/huawu" --data "$data/ledger" audit verify --json)
audit_command_seconds=$(awk -v a="$audit_started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
echo "$audit_json"
audit_ok=$(sed -n 's/.*"ok":\([a-z]*\).*/\1/p' <<<"$audit_json")
audit_events=$(sed -n 's/.*"events":\([0-9]*\).*/\1/p' <<<"$audit_json")
audit_rate=$(sed -n 's/.*"events_per_second":\([0-9]*\).*/\1/p' <<<"$audit_json")

ratio=$(awk -v a="$ledger_events_per_second" -v b="$raw_events_per_second" 'BEGIN {printf "%.2f", a / b}')
verdict() { awk -v v="$1" -v t="$2" 'BEGIN {print (v >= t) ? "meets" : "BELOW"}'; }

echo
echo "=== results"
printf '%-34s %12s events/s  (%s events, %.2f s)\n' "(a) huawu writer" \
  "$ledger_events_per_second" "$ledger_events" "$ledger_seconds"
printf '%-34s %12s events/s  (%s events, %.2f s)\n' "(b) raw RocksDB, same writes" \
  "$raw_events_per_second" "$raw_events" "$raw_seconds"
printf '%-34s %12s           (target >= 0.5: %s)\n' "(c) ratio (a)/(b)" "$ratio" \
  "$(verdict "$ratio" 0.5)"
printf '%-34s %12s events/s  (%s events, ok=%s; target >= 1000000: %s)\n' \
  "(d) audit verify" "$audit_rate" "$audit_events" "$audit_ok" "$(verdict "$audit_rate" 1000000)"
# The rate above is what the command reports (the verification itself); the
# whole command also opens RocksDB (replaying its WAL) and recovers the state.
printf '%-34s %12s s for the whole command (open + recover + verify)\n' "(d) audit wall clock" \
  "$audit_command_seconds"
us_per_event() { awk -v s="$1" -v n="$2" 'BEGIN {printf "%.2f", (s < 0) ? -1 : s * 1e6 / n}'; }
# CPU per event does not drop when other work shares the machine; the rates do.
printf '%-34s %12s us/event all threads; writer thread %s, commit thread %s\n' "(a) cpu" \
  "$(us_per_event "$ledger_process_cpu_seconds" "$ledger_events")" \
  "$(us_per_event "$ledger_writer_cpu_seconds" "$ledger_events")" \
  "$(us_per_event "$ledger_commit_cpu_seconds" "$ledger_events")"
printf '%-34s %12s us/event all threads\n' "(b) cpu" \
  "$(us_per_event "$raw_process_cpu_seconds" "$raw_events")"
printf '%-34s %12.1f events per sync WriteBatch (%s batches)\n' "mean group commit" \
  "$batch_events_mean" "$ledger_batches"
printf '%-34s %12s bytes (+ 8-byte key)\n' "stored event value" "$event_value_bytes"
printf '%-34s %12s bytes key, %s bytes value\n' "idempotency record" "$idempotency_key_bytes" \
  "$idempotency_value_bytes"
printf '%-34s %12s\n' "load average after" "$(cut -d' ' -f1-3 /proc/loadavg)"
[[ $audit_ok == true ]]
