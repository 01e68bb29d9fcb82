#!/usr/bin/env bash
# A guided tour of huawu on a fresh store in ./demo-data: 10,000 accounts
# opened and recharged in bulk (one process, group commit), then what a person
# types: an idempotent retry, two refused requests, closing accounts with a
# refund, balances, the last events and a full audit; then the daemon, an
# agent tree with its payments and traffic, a simulated switch calling from
# one agent's users, cards, and the contract side: contracts, notices,
# obligations, the daemon's alerts, an amendment, tickets and the SLA report,
# a waiver, and a promotion that changes prices only once approved.
# Runs from any directory; removes ./demo-data first.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=build/dev
data=$root/demo-data
accounts=10000

# Bold headers on a terminal, plain text in logs.
if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
section() { printf '\n%s== %s%s\n' "$bold" "$1" "$plain"; }
# Prints a command line as a person would type it: arguments with spaces quoted.
show() {
  local line="$ huawu" arg
  for arg in "$@"; do
    if [[ $arg == *" "* ]]; then line+=" \"$arg\""; else line+=" $arg"; fi
  done
  echo "$line"
}
# Shows the command, then runs it.
run() {
  show "$@"
  "$build/cli/huawu" --data "$data" "$@"
}
# For requests that must be refused: shows the output and the exit code, and
# stops the demo if the request was accepted after all.
run_refused() {
  show "$@"
  local code=0
  "$build/cli/huawu" --data "$data" "$@" 2>&1 || code=$?
  printf '  (exit code %d)\n' "$code"
  if [[ $code -eq 0 ]]; then
    echo "demo: expected a refusal" >&2
    exit 1
  fi
}

section "build"
"$root/ops/deps.sh"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" -j 2 huawu huawu_demo_load | tail -n 1
started=$SECONDS

section "a new store and its rate plans"
rm -rf "$data"
run init --provider-id dianxin-hz --provider-name "Hangzhou Dianxin Telecom Co."
run rates import basic ops/demo/rates-basic.csv --key rates-basic-2026-11
run rates import talk-plus ops/demo/rates-talk-plus.csv --key rates-talk-plus-2026-11
run rates lookup talk-plus 8657188880000

section "bulk load: $accounts accounts opened and recharged in one process (group commit)"
echo "(the huawu command opens the store and fsyncs once per call; a bulk import"
echo " submits every request to one writer instead)"
load_output=$("$build/ops/bench/huawu_demo_load" load --data "$data" --accounts "$accounts")
echo "$load_output"
load_rate=$(sed -n 's/^ *rate *\([0-9,]*\) events\/s.*/\1/p' <<<"$load_output")

section "a recharge, and its retry with the same key"
run recharge 13800130042 50 --ref wxpay-4200001842 --key pos-hz-0042-000187
echo "... the client timed out and sends the same request again:"
run recharge 13800130042 50 --ref wxpay-4200001842 --key pos-hz-0042-000187
run recharge 13800130042 12.3456 --ref cash-desk-7

section "refused requests (named rejections; nothing is written)"
run_refused recharge 13900000000 30 --ref wxpay-4200009999
run_refused recharge 13800130042 12.34567 --json
run_refused account close 13800130042

section "closing accounts with a refund of the remaining balance"
for id in 13800139997 13800139998 13800139999; do
  run account close "$id" --refund --key "close-$id"
done

section "summary"
summary_output=$("$build/ops/bench/huawu_demo_load" summary --data "$data")
echo "$summary_output"
printf '  bulk load rate     %14s events/s\n' "$load_rate"
head_sequence=$(sed -n 's/^ *events in the log *\([0-9,]*\)$/\1/p' <<<"$summary_output" | tr -d ,)

section "balances"
run balance 13800130042
run balance 13800130007 --json

section "the last 5 events"
run events --from $((head_sequence - 4))

section "audit"
run audit verify

section "the daemon: huawu serve, with a softswitch simulator and a real Kamailio"
config=$root/build/demo-huawu.toml
serve_log=$root/build/demo-serve.log
# Kamailio (issue 15) on free loopback ports: its SIP port, its evapi port
# (huawu connects to it) and the SIPp callee standing in for a carrier.
free_port() {
  /usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, getattr(socket, sys.argv[1])); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"
}
sip_port=$(free_port SOCK_DGRAM) evapi_port=$(free_port SOCK_STREAM) uas_port=$(free_port SOCK_DGRAM)
while [[ $uas_port == "$sip_port" ]]; do uas_port=$(free_port SOCK_DGRAM); done
kamailio_dir=$root/build/demo-kamailio
rm -rf "$kamailio_dir"
cat >"$config" <<TOML
data_dir = "$data"
[switch]
endpoint = "tcp://127.0.0.1:*"        # the demo takes free ports; production: 7750
publish_endpoint = "tcp://127.0.0.1:*"  # production: 7751
[calls]
hold_grace_seconds = 60
[contract]
alert_interval_seconds = 5            # production: 60
[kamailio]
enabled = true
evapi_address = "127.0.0.1:$evapi_port"   # production: 127.0.0.1:8448
cdr_dir = "$kamailio_dir/cdr"
rpc_socket = "$kamailio_dir/kamailio_rpc.fifo"
reconnect_max_ms = 500
TOML
echo "$ huawu serve --config $config &"
"$build/cli/huawu" serve --config "$config" >"$serve_log" 2>&1 &
daemon_pid=$!
uas_pid=
stop_all() {
  [[ -n $uas_pid ]] && kill "$uas_pid" 2>/dev/null
  "$root/ops/kamailio/run.sh" stop "$kamailio_dir" 2>/dev/null
  kill "$daemon_pid" 2>/dev/null || true
}
trap stop_all EXIT
for _ in $(seq 1 300); do
  [[ -f $data/daemon.json ]] && break
  sleep 0.1
done
cat "$data/daemon.json"
switch=$(jq -r .switch_endpoint "$data/daemon.json")
echo "(with a daemon serving the store, every huawu command goes to it)"
run balance 13800130042

section "real SIP calls (clause A2.1): SIPp -> Kamailio (ops/kamailio/huawu.cfg) -> huawu"
echo "$ ops/kamailio/run.sh start $kamailio_dir $sip_port $evapi_port sip:127.0.0.1:$uas_port"
"$root/ops/kamailio/run.sh" start "$kamailio_dir" "$sip_port" "$evapi_port" "sip:127.0.0.1:$uas_port" >/dev/null
sipp -sf "$root/tests/sipp/uas.xml" -i 127.0.0.1 -p "$uas_port" -nostdin >/dev/null 2>&1 &
uas_pid=$!
for _ in $(seq 1 100); do
  "$build/cli/huawu" --data "$data" kamailio status --json | jq -e .connected >/dev/null && break
  sleep 0.1
done
run kamailio status
# 0.009 yuan on talk-plus (4.5 fen/min in Hangzhou, 6/6 s blocks) pays 12 s;
# another account has nothing; a third has 10 yuan.
run account open 13957100001 --plan talk-plus --initial 0.009 --key open-sip-1
run account open 13957100002 --plan talk-plus --key open-sip-2
run account open 13957100003 --plan talk-plus --initial 10 --key open-sip-3
sip_call() {  # SCENARIO ACCOUNT [sipp options]: one SIP call, its SIPp verdict
  local scenario=$1 account=$2
  shift 2
  echo "$ sipp 127.0.0.1:$sip_port -sf $scenario.xml -key acct $account -s 8657188880000 -m 1 $*"
  local code=0
  timeout 60 sipp "127.0.0.1:$sip_port" -sf "$root/tests/sipp/$scenario.xml" -i 127.0.0.1 -p "$(free_port SOCK_DGRAM)" \
    -key acct "$account" -s 8657188880000 -m 1 -nostdin -timeout 40s -timeout_error "$@" >"$kamailio_dir/sipp.out" 2>&1 || code=$?
  grep -E "^ +(Successful|Failed) call" "$kamailio_dir/sipp.out" | sed 's/  */ /g'
  return "$code"
}
echo "(a funded call: granted the 12 s its wallet pays, cut by Kamailio when they run out, BYE to both sides)"
sip_call uac_cut 13957100001
run calls 13957100001
run balance 13957100001
echo "(an empty wallet: 402 Payment Required, recorded as a refusal)"
sip_call uac_402 13957100002
run calls 13957100002
echo "(a 4.2-second call, hung up by the caller: billed by its milliseconds, one 6 s block)"
sip_call uac_call 13957100003 -d 4200
run calls 13957100003
echo "(the acc CDRs of these calls: a backfill bills none of them again)"
run kamailio backfill "$kamailio_dir/cdr"
run kamailio status

section "agents (clauses B3.1, 4.1, B3.7): a level-1 agent, two sub-agents, prices, payments, traffic"
run pricing set-level 1 3.8 --key level-1-price
run pricing set-level 2 4.5 --key level-2-price
run agent add zj --parent provider --name "Zhejiang Tongxin Reseller" --price 3.5 --key agent-zj
run agent add zj-hz --parent zj --name "Hangzhou Xihu Shop" --key agent-zj-hz
run agent add zj-nb --parent zj --name "Ningbo Port Shop" --price 4.2 --key agent-zj-nb
run payment record zj --kind deposit 5000 --ref ICBC-20261101-01 --key pay-zj-deposit
run payment record zj --kind franchise_fee 2000 --ref ICBC-20261101-02 --key pay-zj-fee
run payment record zj --kind traffic 17500 --ref ICBC-20261101-03 --key pay-zj-traffic
run traffic buy zj --minutes 500000 --key buy-zj-1   # 500,000 min x 3.5 fen = 17,500 yuan
run payment record zj-hz --kind traffic 9000 --ref ZJ-HZ-0001 --key pay-zj-hz
run traffic buy zj-hz --minutes 200000 --key buy-zj-hz-1
run agent credit zj-nb --prepayment-credit 100 --traffic-overdraft-minutes 0 --key credit-zj-nb
run traffic buy zj-nb --minutes 1000 --key buy-zj-nb-1
run_refused traffic buy zj-nb --minutes 5000   # 210 yuan: past its 100 yuan credit

section "500 subscribers of agent zj-hz for the simulated switch, on its own rate plan"
run switch-sim --setup --endpoint "$switch" --accounts 500 --initial 200 --agent zj-hz --rate 1 --duration 0.001 | grep "^setup"

section "5 seconds of traffic: 2,000 calls/s, parallel calls on shared wallets, 2% retransmissions"
run switch-sim --endpoint "$switch" --accounts 500 --rate 2000 --duration 5 --concurrency 1000 --duplicates 2

section "one subscriber after the traffic"
run balance sim-00001
run holds sim-00001
run calls sim-00001

section "the agent tree after the traffic: pools, prepayments, this month's minutes, revenue and margin"
run agent tree
run stats zj --by day
run agent statement zj-nb

section "cards (clauses A2.3, A2.4, B2.2): account cards and recharge vouchers, PINs only in the printed file"
cards_dir=$root/build/demo-cards
rm -rf "$cards_dir" && mkdir -p "$cards_dir"
run cards issue --agent zj-hz --kind account --count 20000 --face 30 --plan talk-plus --expires 2027-12-31 \
  --out "$cards_dir/zj-hz-account-cards.csv" --key cards-zj-hz-accounts
run cards issue --agent zj --kind recharge --count 100000 --face 50 --out "$cards_dir/zj-vouchers.csv" --key cards-zj-vouchers
echo "$ head -n 3 $cards_dir/zj-vouchers.csv   (mode $(stat -c %a "$cards_dir/zj-vouchers.csv"); sent to the printer, then kept offline)"
head -n 3 "$cards_dir/zj-vouchers.csv"
run cards batches
# The first account card registers a user (its number is the account id); a voucher tops it up.
IFS=, read -r card_number card_pin _ < <(sed -n 2p "$cards_dir/zj-hz-account-cards.csv")
IFS=, read -r voucher_number voucher_pin _ < <(sed -n 2p "$cards_dir/zj-vouchers.csv")
IFS=, read -r voucher2_number _ < <(sed -n 3p "$cards_dir/zj-vouchers.csv")
run account activate "$card_number" --pin "$card_pin" --key activate-1
run recharge-card redeem "$card_number" --card "$voucher_number" --pin "$voucher_pin" --key redeem-1
run balance "$card_number"
run_refused recharge-card redeem sim-00002 --card "$voucher_number" --pin "$voucher_pin"
run_refused recharge-card redeem sim-00002 --card "$voucher2_number" --pin 0000000000000000
run cards show "$voucher_number"
run cards void B000002 --from "$voucher2_number" --to "$voucher2_number" --reason "reported stolen" --key void-1
run cards batches --agent zj-hz
echo "(closing: the balance is refunded, moved to another account of the same agent, or forfeited on request)"
run_refused account close "$card_number"
run account close "$card_number" --transfer-to sim-00002 --key close-card-1
echo "(clause 6.3: a user changes agent only with written consent)"
run_refused account transfer sim-00003 --to-agent zj-nb
run account transfer sim-00003 --to-agent zj-nb --consent "AGR-2026-117 signed by zj-hz and zj-nb" --consent-by both-agents --key move-sim-00003
echo "$ grep -r <every PIN of both files> $data   (no PIN is stored anywhere)"
if cut -d, -f2 "$cards_dir/zj-vouchers.csv" "$cards_dir/zj-hz-account-cards.csv" | grep -v pin | grep -rqF -f - "$data" "$serve_log"; then
  echo "demo: a PIN was found in the data directory or the log" >&2
  exit 1
fi
echo "none found"

section "contracts (clauses 7, 6.5, B3.5, B3.7, A2.4): terms, notices, obligations on the working-day calendar"
run calendar add-workdays 2026-11-03 5
run contract sign ZJ-2026-001 --agent zj --signed 2026-11-02 --counter-signed 2026-11-03 --level 1 \
  --prepaid-minutes 500000 --price 3.5 --deposit 5000 --franchise-fee 2000 --pay-within-workdays 5 \
  --accounts 50000 --accounts-within-workdays 10 --active-users 1000 --sla-hours 4 --key contract-zj
run contract sign ZJ-HZ-2026-007 --agent zj-hz --signed 2026-11-20 --level 2 --prepaid-minutes 200000 --price 4.5 \
  --deposit 0 --franchise-fee 0 --pay-within-workdays 5 --accounts 20000 --accounts-within-workdays 10 \
  --active-users 1 --sla-hours 4 --key contract-zj-hz
run contract status ZJ-2026-001 --as-of 2026-12-01
run notice send --contract ZJ-2026-001 --from agent --kind service_termination --method courier \
  --sent 2026-11-20T10:00+08:00 --last-service-day 2026-12-15 --subject "closing the Ningbo Port shop" --key notice-nb
echo "(as of now: zj paid on $(TZ=Asia/Shanghai date +%F), after its 5 working days: met late; its 50,000 account"
echo " records were never generated: overdue; its exit notice came short: met late. zj-hz paid after 2026-11-27:"
echo " met late; its 20,000 cards and first activation: met when this runs by 2026-12-04, else met late)"
run obligations
echo "(the daemon checks obligations by ledger time on its own: each one due soon or overdue is logged"
echo " once, and published as an ObligationAlerted event)"
sleep 6
echo "$ grep 'huawu: obligation' $serve_log"
grep "huawu: obligation" "$serve_log" || { echo "demo: the daemon raised no alert" >&2; exit 1; }

section "a supplementary agreement (clause 8): terms change from its effective day; earlier obligations keep theirs"
run contract amend ZJ-2026-001 --effective 2026-11-16 --set term-months=36 --set sla-hours=2 --ref "SA-2026-011" \
  --key amend-zj-1
run_refused contract amend ZJ-2026-001 --effective 2026-11-03 --set sla-hours=1   # the day it took effect
run contract status ZJ-2026-001 --as-of 2026-12-01

section "trouble tickets (A3.2, B3.4): a response within 4 working hours, counted in business minutes"
echo "(zj-hz's users are under its own contract ZJ-HZ-2026-007: 4 working hours, 09:00-18:00)"
run ticket open --account sim-00001 --summary "no dial tone since the morning" --reported 2026-11-27T16:00+08:00 \
  --key ticket-1
run ticket respond T000001 --at 2026-11-30T10:30+08:00 --by agent --key ticket-1-answer
run ticket open --account sim-00002 --summary "one-way audio to Shanghai" --reported 2026-11-26T10:00+08:00 --key ticket-2
run ticket respond T000002 --at 2026-11-26T15:00+08:00 --key ticket-2-answer
run ticket open --account sim-00004 --summary "balance shown twice" --reported 2026-11-30T09:30+08:00 --key ticket-3
run_refused ticket respond T000001 --at 2026-11-30T11:00+08:00
run tickets
run sla report --contract ZJ-HZ-2026-007 --from 2026-11-01 --to 2026-11-30 --as-of 2026-12-01
echo "(the late answer was agreed with the user: the provider waives it)"
run obligation waive ZJ-HZ-2026-007/O-SLA/T000002 --reason "user agreed to a call-back at 15:00" --key waive-t2
echo "(zj-hz's contract: one ticket answered in time (met), one not answered (overdue), one waived)"
run obligations --contract ZJ-HZ-2026-007

section "promotions (B3.2): only an approved and filed promotion changes a price, only for the agent's subtree"
today=$(TZ=Asia/Shanghai date +%F)
until=$(TZ=Asia/Shanghai date -d '+30 days' +%F)
run promo request --agent zj-hz --discount 20 --from "$today" --to "$until" --plan sim --key promo-zj-hz-1
echo "(requested, not yet approved: a few calls of sim-00001 at the plan's price)"
sleep 1
mark=$(date -u +%Y-%m-%dT%H:%M:%SZ)
run switch-sim --endpoint "$switch" --accounts 1 --rate 3 --duration 1 --foreign-plan | grep -E "^(calls|anomalies)"
run calls sim-00001 --from "$mark"
run promo approve P000001 --filing-ref "ZJ-CA-2026-0457" --key promo-zj-hz-1-approve
echo "(approved and filed: the next calls carry it, 20% off the price and the connect fee)"
sleep 1
mark=$(date -u +%Y-%m-%dT%H:%M:%SZ)
run switch-sim --endpoint "$switch" --accounts 1 --rate 3 --duration 1 --foreign-plan | grep -E "^(calls|anomalies)"
run calls sim-00001 --from "$mark"
run promo list

section "principals (clauses 5, B3.6): operators log in; an agent's operator sees only its subtree"
# The demo's passwords come from standard input; a person is asked without echo.
echo "demo-ops-password" | run principal add ops-li --role provider --password-stdin --key principal-ops-li
echo "(from now on the daemon asks every request who it is; without a session token:)"
run_refused balance sim-00001
show login ops-li --password-stdin
ops_token=$(echo "demo-ops-password" | "$build/cli/huawu" --data "$data" login ops-li --password-stdin)
echo "(a 64-hex-digit session token)"
export HUAWU_PRINCIPAL=ops-li HUAWU_TOKEN=$ops_token
echo "demo-hz-password" | run principal add hz-zhang --role agent --agent zj-hz --password-stdin --key principal-hz-zhang
run principal list
show login hz-zhang --password-stdin
hz_token=$(echo "demo-hz-password" | "$build/cli/huawu" --data "$data" login hz-zhang --password-stdin)
export HUAWU_PRINCIPAL=hz-zhang HUAWU_TOKEN=$hz_token
echo "(as zj-hz's operator: its own tree; its parent, a sibling and the log are out of reach)"
run agent tree
run_refused agent tree zj
run_refused traffic buy zj-nb --minutes 10
run_refused events --from 1 --limit 1
unset HUAWU_PRINCIPAL HUAWU_TOKEN

section "stopping the daemon (SIGTERM: drain, checkpoint, exit)"
kill "$uas_pid" 2>/dev/null || true
"$root/ops/kamailio/run.sh" stop "$kamailio_dir"
kill -TERM "$daemon_pid"
wait "$daemon_pid"
trap - EXIT
# What a person wants from the stop: its reply times, the checkpoint, the clean exit.
grep -E "switch replies since start|checkpoint at|stopped cleanly" "$serve_log" | tail -n 3
run audit verify

printf '\ndemo finished in %d s (after the build); the store is in %s\n' \
  $((SECONDS - started)) "$data"
