#!/usr/bin/env bash
# The calls benchmarks (issue 3), all in one run on this machine:
#   (a) ingest: the switch simulator drives the real daemon as hard as asked;
#       settled calls/s (durable: every reply after the fsync) and reply
#       latency percentiles;
#   (b) raw RocksDB: exactly the keys and bytes the daemon wrote for (a) --
#       events, idempotency records, billed-call records, the head -- in the
#       same group commits with sync=true (ops/bench/raw_replay_bench.cc);
#       the ratio (a)/(b);
#   (c) authorization latency at a fixed 20,000 authorizations/s, on a
#       restarted daemon (so its own reply-time figures are for (c) alone);
#   (d) audit verify over the whole store;
#   (e) longest-prefix lookup on a 50,000-prefix plan;
#   (f) the transport floor: the same simulator runs (a) and (c) against a
#       null ledger (ops/bench/switch_floor_bench.cc) -- the same ROUTER
#       socket, decoding, rating, retransmission replies and encoding, and no
#       ledger at all. No daemon can beat it on this machine.
# Usage: ops/bench/calls.sh [RATE=120000] [SECONDS=10] [ACCOUNTS=10000] [CONCURRENCY=20000]
#        RATE is the calls/s the simulator tries to start in (a).
# The simulator runs beside the daemon on the same cores, as the targets ask.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=ops/bench/lib.sh
source "$root/ops/bench/lib.sh"
rate=${1:-120000}
seconds=${2:-10}
accounts=${3:-10000}
concurrency=${4:-20000}
auth_rate=20000
build=build/dev
data=$root/build/bench-calls
huawu=$build/cli/huawu

"$root/ops/deps.sh" >/dev/null
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" -j 2 huawu huawu_raw_replay_bench huawu_prefix_bench huawu_switch_floor_bench >/dev/null

rm -rf "$data"
mkdir -p "$data"
daemon_pid=
floor_pid=
cleanup() {
  if [[ -n $daemon_pid ]]; then kill "$daemon_pid" 2>/dev/null || true; fi
  if [[ -n $floor_pid ]]; then kill "$floor_pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

print_machine "$data"

ledger=$data/ledger
"$huawu" --data "$ledger" init --provider-name "Bench VoIP" >/dev/null
write_bench_config "$ledger" "$data/huawu.toml"
# Starts the daemon, logging to $data/serve-NAME.log; stop_daemon prints the
# daemon's own reply-time line from it (receive to reply, no network).
start_daemon() {
  daemon_log=$data/serve-$1.log
  start_bench_daemon "$huawu" "$ledger" "$data/huawu.toml" "$daemon_log"
}
stop_daemon() {
  kill -TERM "$daemon_pid"
  wait "$daemon_pid" || true
  daemon_pid=
  grep -o 'switch replies since start: .*' "$daemon_log" | sed 's/^/daemon: /' || true
}
start_daemon ingest
sim() { "$huawu" --data "$ledger" switch-sim --endpoint "$endpoint" --accounts "$accounts" "$@"; }

echo
echo "=== setup: the simulator's rate plan and $accounts accounts, through the daemon"
sim --setup --initial 1000000 --rate 1 --duration 0.001 --json | jq -r '"setup: \(.setup.accounts_opened) accounts opened in \(.setup.seconds) s"'
first=$(( $("$huawu" --data "$ledger" audit verify --json | jq .events) + 1 ))

echo
echo "=== (a) ingest: simulator -> daemon, $rate calls/s asked for $seconds s, $concurrency in progress at most"
sim --rate "$rate" --duration "$seconds" --concurrency "$concurrency" --duplicates 0 --json >"$data/ingest.json"
through=$("$huawu" --data "$ledger" audit verify --json | jq .events)
jq -r '"settled calls      \(.settle.settled) (+ \(.record.recorded) records), anomalies \(.anomalies)",
       "requests           \(.requests_sent) sent, \(.replies_received) replies, \(.requests_per_second | floor) requests/s",
       "settled calls/s    \(.settled_calls_per_second | floor)",
       "authorize latency  p50 \(.latency.authorize.p50_us / 1000) ms, p99 \(.latency.authorize.p99_us / 1000) ms, p99.9 \(.latency.authorize.p99_9_us / 1000) ms",
       "settle latency     p50 \(.latency.settle.p50_us / 1000) ms, p99 \(.latency.settle.p99_us / 1000) ms, p99.9 \(.latency.settle.p99_9_us / 1000) ms"' \
  "$data/ingest.json"
stop_daemon >"$data/ingest-daemon.txt"
cat "$data/ingest-daemon.txt"

echo
echo "=== (c) authorization latency at $auth_rate authorizations/s for 10 s"
start_daemon auth
sim --rate "$auth_rate" --duration 10 --concurrency 4000 --duplicates 1 --json >"$data/auth.json"
jq -r '"authorizations/s   \(.authorize.sent / .start_phase_seconds | floor) (\(.authorize.sent) sent), anomalies \(.anomalies)",
       "authorize latency  p50 \(.latency.authorize.p50_us / 1000) ms, p99 \(.latency.authorize.p99_us / 1000) ms, p99.9 \(.latency.authorize.p99_9_us / 1000) ms, max \(.latency.authorize.max_us / 1000) ms"' \
  "$data/auth.json"
stop_daemon >"$data/auth-daemon.txt"
cat "$data/auth-daemon.txt"

echo
echo "=== (b) raw RocksDB: the same keys and bytes as (a), same group commits, sync=true"
"$build/ops/bench/huawu_raw_replay_bench" --replay-from "$ledger" --from-sequence "$first" \
  --through-sequence "$through" --data "$data/raw" --results "$data/raw.results"
# shellcheck disable=SC1091
source "$data/raw.results"

echo
echo "=== (d) audit verify"
"$huawu" --data "$ledger" audit verify

echo
echo "=== (e) longest-prefix lookup, 50,000 prefixes"
"$build/ops/bench/huawu_prefix_bench" --prefixes 50000 --lookups 10000000 | tail -n 2

echo
echo "=== (f) transport floor: the same simulator against a null ledger (no storage, no events, one thread)"
"$build/ops/bench/huawu_switch_floor_bench" --endpoint-file "$data/floor.endpoint" >"$data/floor.log" 2>&1 &
floor_pid=$!
for _ in $(seq 1 100); do
  [[ -s $data/floor.endpoint ]] && break
  sleep 0.1
done
floor_endpoint=$(cat "$data/floor.endpoint")
floor_sim() { "$huawu" switch-sim --endpoint "$floor_endpoint" --accounts "$accounts" "$@"; }
floor_sim --rate "$rate" --duration "$seconds" --concurrency "$concurrency" --duplicates 0 --json >"$data/floor-ingest.json"
floor_sim --rate "$auth_rate" --duration 10 --concurrency 4000 --duplicates 1 --json >"$data/floor-auth.json"
kill -TERM "$floor_pid"
wait "$floor_pid" || true
floor_pid=
jq -r '"settled calls/s    \(.settled_calls_per_second | floor), anomalies \(.anomalies)"' "$data/floor-ingest.json"
jq -r '"authorize latency  at \(.authorize.sent / .start_phase_seconds | floor)/s: p50 \(.latency.authorize.p50_us / 1000) ms, p99 \(.latency.authorize.p99_us / 1000) ms, p99.9 \(.latency.authorize.p99_9_us / 1000) ms, anomalies \(.anomalies)"' \
  "$data/floor-auth.json"

ingest=$(jq .settled_calls_per_second "$data/ingest.json")
floor=$(jq .settled_calls_per_second "$data/floor-ingest.json")
echo
echo "=== summary"
printf '%-34s %12.0f settled calls/s (target >= 100,000)\n' "ingest, simulator -> daemon" "$ingest"
printf '%-34s %12d settled calls/s\n' "raw RocksDB, same records" "$raw_calls_per_second"
printf '%-34s %12.2f (target >= 0.5)\n' "ratio" "$(awk -v a="$ingest" -v b="$raw_calls_per_second" 'BEGIN { print a / b }')"
printf '%-34s %12s ms (target <= 2 ms at 20,000/s)\n' "authorize p99 at $auth_rate/s" \
  "$(jq '.latency.authorize.p99_us / 1000' "$data/auth.json")"
printf '%-34s %12s ms (authorize and settle: time in the daemon)\n' "  of which in the daemon, p99" \
  "$(grep -o 'p99 [0-9.]* ms' "$data/auth-daemon.txt" | head -1 | cut -d' ' -f2)"
printf '%-34s %12.0f settled calls/s (the most this machine carries over the protocol)\n' \
  "transport floor, no ledger" "$floor"
printf '%-34s %12.2f\n' "ingest / transport floor" "$(awk -v a="$ingest" -v b="$floor" 'BEGIN { print a / b }')"
printf '%-34s %12s ms\n' "floor authorize p99 at $auth_rate/s" "$(jq '.latency.authorize.p99_us / 1000' "$data/floor-auth.json")"
