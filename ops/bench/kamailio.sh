#!/usr/bin/env bash
# The Kamailio benchmark: real SIP calls through Kamailio into the daemon, all on
# 127.0.0.1, on free ports chosen at run time, in one run on this machine:
#   (1) the call-rate ramp: a SIPp caller (ops/bench/sipp/uac_bench.xml) -> Kamailio
#       (ops/kamailio/run.sh with ops/kamailio/huawu.cfg) -> huawu over evapi, and a
#       SIPp callee (tests/sipp/uas.xml) that answers at once. Each call is paid by
#       one of ACCOUNTS well-funded accounts in turn (the switch simulator's plan and
#       accounts, opened through the daemon), talks CALL_MS and hangs up, so the
#       ledger does an Authorize (held) and a Settle (billed) per call. The rate
#       steps up (100, 200, 400, 800, 1200, 1600, ... calls/s up to MAX_RATE, STEP
#       seconds each) and stops at the first step where SIPp counts a failed call or
#       the answered rate falls more than 5 % short of the asked one; the highest
#       step before it is the result.
#   (2) per step: the INVITE -> 200 OK response time as SIPp sees it (-trace_rtt,
#       rtd 1: Kamailio, huawu's authorization and the callee's immediate answer);
#   (3) per step: the daemon's CPU (utime + stime of its /proc/PID/stat, all its
#       threads, before and after the step) per answered call, and as a share of
#       one core (CPU seconds / the step's wall seconds); Kamailio's (every process
#       of its group), the SIPp caller's and the callee's CPU the same way, and the
#       whole machine's (/proc/stat) so that the other engineers' load shows;
#   (4) at the highest 0-failure rate: the ZeroMQ path, `huawu switch-sim` against
#       the same daemon (same data directory) at the same rate and talk time, every
#       call authorize + settle (no records, duplicates, unanswered or overrun
#       calls), the daemon's CPU per settled call the same way;
#   (5) at the highest 0-failure rate: refusals only: an unfunded account, every
#       INVITE answered 402 (ops/bench/sipp/uac_bench_402.xml): purely the
#       authorization round trip;
#   (6) huawu's share of each round trip: the connector's own auth_reply p50/p99
#       (`huawu kamailio status --json`: from reading an auth_request to writing
#       its reply). Those counters are cumulative since the daemon started and
#       there is no histogram to difference, so the daemon is RESTARTED before every
#       step (and before 4 and 5); each step waits until it has reconnected to
#       Kamailio and finished its reconnect reconciliation, then reads the CPU
#       counters, so start-up work is outside every measurement.
# Usage: ops/bench/kamailio.sh [MAX_RATE=1600] [STEP=10]
#   MAX_RATE: the last step's calls/s; STEP: seconds of calls per step. The defaults
#   take about 3 minutes. Environment: ACCOUNTS (1000), CALL_MS (100: SIPp's -d),
#   KAMAILIO_SHM_MB (512), KAMAILIO_DEBUG_LEVEL (1), HUAWU (build/dev/cli/huawu),
#   HUAWU_BENCH_KEEP=1 keeps the work directory (it is always kept on failure).
# Exits non-zero only when the benchmark itself broke (a process did not start, a
# step produced no figures); a missed target is printed, not an exit code.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=ops/bench/lib.sh
source "$root/ops/bench/lib.sh"

max_rate=${1:-1600}
step_seconds=${2:-10}
accounts=${ACCOUNTS:-1000}
call_ms=${CALL_MS:-100}
# 512 MB of shared memory: README says 256 MB is enough at 1,000 calls/s; the ramp
# goes past it and a shm shortage would show as Kamailio's failure, not the ledger's.
export KAMAILIO_SHM_MB=${KAMAILIO_SHM_MB:-512}
# Kamailio's debug level 1 (notice): the shipped config logs ~6 info lines per call;
# at 1,600 calls/s writing them would be a good part of what Kamailio does. Errors
# (503, timeouts) are still logged.
kamailio_debug=${KAMAILIO_DEBUG_LEVEL:-1}
huawu=${HUAWU:-$root/build/dev/cli/huawu}
destination=8613912345678   # prefix 86139 of the simulator's plan: 7.5 per minute, 60/60
[[ $max_rate =~ ^[0-9]+$ && $max_rate -ge 1 ]] || { echo "MAX_RATE must be a positive integer" >&2; exit 2; }
[[ $step_seconds =~ ^[0-9]+$ && $step_seconds -ge 1 ]] || { echo "STEP must be a positive integer" >&2; exit 2; }

for tool in kamailio sipp jq ss setsid awk; do
  command -v "$tool" >/dev/null || { echo "not installed: $tool (ops/deps.sh installs it)" >&2; exit 1; }
done
if [[ ! -x $huawu ]]; then
  # Never reconfigure build/dev (others use it); build only the binary, on one core.
  ninja -C "$root/build/dev" -j1 huawu >/dev/null
fi

rates=()
for r in 100 200 400 800 1200 1600 2000 2400 3200 4000 4800 6400; do
  ((r < max_rate)) && rates+=("$r")
done
rates+=("$max_rate")

work=$(mktemp -d "${TMPDIR:-/tmp}/huawu-bench-kamailio.XXXXXX")
ledger=$work/ledger
kam=$work/kamailio
steps=$work/steps
mkdir -p "$steps"

daemon_pid=
uas_pid=
caller_pid=
sim_pid=
kamailio_pid=
finished=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $caller_pid ]]; then kill -TERM -- "-$caller_pid" 2>/dev/null || true; fi
  if [[ -n $sim_pid ]]; then kill -TERM -- "-$sim_pid" 2>/dev/null || true; fi
  if [[ -n $daemon_pid ]]; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  if [[ -n $uas_pid ]]; then kill -TERM "$uas_pid" 2>/dev/null || true; fi
  if [[ -n $kamailio_pid ]]; then "$root/ops/kamailio/run.sh" stop "$kam" || true; fi
  if ((finished == 1 && rc == 0)) && [[ ${HUAWU_BENCH_KEEP:-0} != 1 ]]; then
    rm -rf "$work"
  else
    echo "work directory kept: $work (logs: kamailio/kamailio.log, serve-*.log, steps/)" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "benchmark broken: $*" >&2
  exit 1
}

# ---- free loopback ports, chosen now (fixed ones may belong to other runs) ------
taken_ports=" "
free_port() {  # free_port udp|tcp: a port nobody listens on, for either protocol
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    [[ $taken_ports == *" $p "* ]] && continue
    ss -H -lun "sport = :$p" | grep -q . && continue
    ss -H -ltn "sport = :$p" | grep -q . && continue
    ss -H -un "sport = :$p" | grep -q . && continue
    taken_ports+="$p "
    echo "$p"
    return 0
  done
  fail "no free port"
}
sip_port=$(free_port)
evapi_port=$(free_port)
uas_port=$(free_port)

# ---- CPU accounting -------------------------------------------------------------
# Clock ticks (utime + stime) of one process, all its threads: fields 14 and 15 of
# /proc/PID/stat, counted after the ")" that ends the command name.
ticks_of() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# Ticks of every process in process group $1 (Kamailio and its children: run.sh
# starts it with setsid).
group_ticks() {
  local sum=0 f line
  local -a v
  for f in /proc/[0-9]*/stat; do
    read -r line <"$f" 2>/dev/null || continue
    read -r -a v <<<"${line##*) }"
    [[ ${v[2]} == "$kamailio_pid" ]] && sum=$((sum + v[11] + v[12]))
  done
  echo "$sum"
}
# "NAME TICKS" per thread name of process $1 (threads of one name summed).
thread_ticks() {
  local t line
  for t in /proc/"$1"/task/[0-9]*; do
    read -r line <"$t/stat" 2>/dev/null || continue
    line=${line#*\(}
    local comm=${line%%\) *}
    local -a v
    read -r -a v <<<"${line##*) }"
    echo "${comm// /_} $((v[11] + v[12]))"
  done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort
}
# The machine: busy and total ticks over all cpus (/proc/stat's first line).
machine_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= 11; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }
hz=$(getconf CLK_TCK)
now() { date +%s.%N; }

# ---- the daemon ------------------------------------------------------------------
config=$work/huawu.toml
write_bench_config "$ledger" "$config"
cat >>"$config" <<TOML
[kamailio]
enabled = true
evapi_address = "127.0.0.1:$evapi_port"
cdr_dir = "$kam/cdr"
rpc_socket = "$kam/kamailio_rpc.fifo"
reconnect_min_ms = 50
reconnect_max_ms = 500
TOML
kstatus() { "$huawu" --data "$ledger" kamailio status --json; }
serve_count=0
# start_daemon NAME: a fresh daemon (fresh connector counters), connected to
# Kamailio, its reconnect reconciliation done.
start_daemon() {
  serve_count=$((serve_count + 1))
  daemon_log=$work/serve-$serve_count-$1.log
  start_bench_daemon "$huawu" "$ledger" "$config" "$daemon_log"
  local s
  for _ in $(seq 1 300); do
    s=$(kstatus 2>/dev/null) || s='{}'
    if [[ $(jq -r '(.connected == true) and (.reconciliations >= 1)' <<<"$s") == true ]]; then return 0; fi
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$daemon_log" >&2; fail "the daemon exited"; }
    sleep 0.1
  done
  echo "$s" >&2
  fail "the daemon did not connect to Kamailio within 30 s (see $daemon_log)"
}
stop_daemon() {
  kill -TERM "$daemon_pid"
  wait "$daemon_pid" || true
  daemon_pid=
}

# ---- start everything --------------------------------------------------------------
print_machine "$work"
printf '%-18s %s\n' "huawu" "$("$huawu" --version 2>/dev/null | head -1) ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))"
printf '%-18s %s\n' "kamailio" "$(kamailio -v 2>/dev/null | head -1)"
sipp_version=$(sipp -v 2>&1 || true)
printf '%-18s %s\n' "sipp" "$(grep -m1 -o 'SIPp v[^ ]*' <<<"$sipp_version" | sed 's/\.$//')"
printf '%-18s %s\n' "ports" "SIP udp $sip_port, evapi tcp $evapi_port, callee udp $uas_port"

"$huawu" --data "$ledger" init --provider-name "Bench VoIP" >/dev/null

# -timer_resol 1 (both SIPps): SIPp's default 10 ms scheduling step would add up to
# 10 ms to the callee's "immediate" answer and to the caller's reading of it.
setsid sipp -sf "$root/tests/sipp/uas.xml" -i 127.0.0.1 -p "$uas_port" -nostdin -timer_resol 1 \
  -trace_err -error_file "$work/uas.errors" </dev/null >"$work/uas.log" 2>&1 &
uas_pid=$!
for _ in $(seq 1 100); do
  ss -H -lun "sport = :$uas_port" | grep -q . && break
  kill -0 "$uas_pid" 2>/dev/null || { cat "$work/uas.log" >&2; fail "the SIPp callee exited"; }
  sleep 0.1
done
ss -H -lun "sport = :$uas_port" | grep -q . || fail "the SIPp callee does not listen on $uas_port"

kamailio_pid=$("$root/ops/kamailio/run.sh" start "$kam" "$sip_port" "$evapi_port" "sip:127.0.0.1:$uas_port" \
  -A "DEBUG_LEVEL=$kamailio_debug") || fail "Kamailio did not start (see $kam/kamailio.log)"
[[ $kamailio_pid =~ ^[0-9]+$ ]] || fail "run.sh printed no pid: $kamailio_pid"

start_daemon setup
echo
echo "=== setup: the simulator's plan and $accounts accounts, through the daemon"
"$huawu" --data "$ledger" switch-sim --endpoint "$endpoint" --accounts "$accounts" --setup --initial 100000 \
  --rate 1 --duration 0.001 --json >"$work/setup.json" || fail "switch-sim --setup (see $work/setup.json)"
jq -r '"setup: \(.setup.accounts_opened) accounts opened (100,000 yuan each) in \(.setup.seconds) s"' "$work/setup.json"
"$huawu" --data "$ledger" account open sim-unfunded --plan sim --initial 0 >/dev/null ||
  fail "could not open the unfunded account"
inf=$work/accounts.csv
{
  echo SEQUENTIAL
  for i in $(seq 1 "$accounts"); do printf 'sim-%05d;\n' "$i"; done
} >"$inf"
stop_daemon

# ---- one measured run ----------------------------------------------------------------
# measure NAME RATE KIND: KIND sip (answered calls), sip402 (refusals), zmq
# (switch-sim). Writes $steps/NAME.vars (shell assignments) for the summary.
measure() {
  local name=$1 rate=$2 kind=$3 dir=$steps/$1 calls=$(($2 * step_seconds))
  mkdir -p "$dir"
  start_daemon "$name"
  local load d0 k0 u0 m0 t0 d1 k1 u1 m1 t1 rc
  load=$(cut -d' ' -f1 /proc/loadavg)
  thread_ticks "$daemon_pid" >"$dir/threads0"
  d0=$(ticks_of "$daemon_pid"); k0=$(group_ticks); u0=$(ticks_of "$uas_pid"); m0=$(machine_ticks)
  t0=$(now)
  local limit=$((rate * (call_ms + 2000) / 1000 + 200))  # calls in progress allowed: no SIPp-side cap
  case $kind in
    sip | sip402)
      local -a args
      if [[ $kind == sip ]]; then
        args=(-sf "$root/ops/bench/sipp/uac_bench.xml" -inf "$inf" -d "$call_ms")
      else
        args=(-sf "$root/ops/bench/sipp/uac_bench_402.xml" -key acct sim-unfunded)
      fi
      # setsid: its own process group, so cleanup can stop it; `times` in the
      # wrapper shell gives SIPp's own CPU (its only child).
      setsid bash -c 'cd "$1" && shift && "$@" </dev/null >sipp.log 2>&1; echo $? >rc; times >times' _ "$dir" \
        sipp "127.0.0.1:$sip_port" "${args[@]}" -i 127.0.0.1 -p "$(free_port)" -s "$destination" \
        -r "$rate" -rp 1000 -m "$calls" -l "$limit" -cid_str "$name-%u-%p@huawu.bench" \
        -nostdin -timer_resol 1 -timeout "$((step_seconds * 4 + 30))s" -timeout_error -recv_timeout 5000 \
        -trace_stat -stf stat.csv -fd 1 -trace_rtt -rtt_freq 100 -trace_err -error_file errors.log &
      caller_pid=$!
      wait "$caller_pid" || true
      caller_pid=
      ;;
    zmq)
      setsid bash -c 'cd "$1" && shift && "$@" </dev/null >sim.json 2>sim.log; echo $? >rc; times >times' _ "$dir" \
        "$huawu" --data "$ledger" switch-sim --endpoint "$endpoint" --accounts "$accounts" --rate "$rate" \
        --duration "$step_seconds" --concurrency "$limit" --talk-ms "$call_ms" --duplicates 0 --records 0 \
        --unanswered 0 --overrun 0 --json &
      sim_pid=$!
      wait "$sim_pid" || true
      sim_pid=
      ;;
  esac
  t1=$(now)
  # The last call_end / settle are in flight when the caller exits: wait until
  # every authorized call is settled (SIP) before reading the counters.
  local s
  for _ in $(seq 1 50); do
    s=$(kstatus)
    [[ $kind == zmq || $(jq '.settles >= .grants' <<<"$s") == true ]] && break
    sleep 0.1
  done
  d1=$(ticks_of "$daemon_pid"); k1=$(group_ticks)
  thread_ticks "$daemon_pid" >"$dir/threads1"; u1=$(ticks_of "$uas_pid"); m1=$(machine_ticks)
  echo "$s" >"$dir/status.json"
  stop_daemon
  [[ -s $dir/rc ]] || fail "$name: the load generator left no exit code (see $dir)"
  rc=$(cat "$dir/rc")
  # the wrapper's `times`: line 2 is its children's user and system time, "0m1.230s 0m0.450s"
  local self
  self=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$dir/times")

  local ok=0 failed=0 retrans=0 p50=0 p99=0 mean=- tick=- answered_rate=0
  if [[ $kind == zmq ]]; then
    jq -e . "$dir/sim.json" >/dev/null 2>&1 || fail "$name: switch-sim printed no JSON (see $dir/sim.log)"
    ok=$(jq '.settle.settled' "$dir/sim.json")
    failed=$(jq '.anomalies' "$dir/sim.json")
    answered_rate=$(jq '.settled_calls_per_second' "$dir/sim.json")
    p50=$(jq '.latency.authorize.p50_us / 1000' "$dir/sim.json")
    p99=$(jq '.latency.authorize.p99_us / 1000' "$dir/sim.json")
  else
    [[ -s $dir/stat.csv ]] || fail "$name: SIPp wrote no statistics (see $dir/sipp.log)"
    # the last line of SIPp's statistics, by column name
    read -r ok failed retrans < <(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
      { last = $0 } END { n = split(last, v, ";"); print v[c["SuccessfulCall(C)"]], v[c["FailedCall(C)"]], v[c["Retransmissions(C)"]] }' "$dir/stat.csv")
    local rtt
    rtt=$(find "$dir" -maxdepth 1 -name "*_rtt.csv" | head -1)
    [[ -n $rtt && -s $rtt ]] || fail "$name: SIPp wrote no response times (see $dir/sipp.log)"
    # rows "date_ms;response_ms;rtd": the answered rate is the answers over their
    # span; percentiles by nearest rank.
    awk -F';' '$3 == 1 { print $1, $2 }' "$rtt" >"$dir/rtd1.txt"
    local n
    n=$(wc -l <"$dir/rtd1.txt")
    ((n >= 2)) || fail "$name: fewer than 2 response times in $rtt"
    answered_rate=$(sort -n -k1,1 "$dir/rtd1.txt" | awk -v n="$n" 'NR == 1 { lo = $1 } { hi = $1 }
      END { printf "%.1f", (hi > lo ? (n - 1) * 1000 / (hi - lo) : 0) }')
    # mean too: SIPp 3.6.1 reads CLOCK_MONOTONIC_COARSE (one kernel tick, 4 ms at
    # HZ=250), so each response time is a whole number of ticks and the percentiles
    # are only good to a tick; the mean of many is not biased by it. tick: the
    # smallest non-zero response time seen, i.e. the clock's step.
    read -r p50 p99 mean tick < <(cut -d' ' -f2 "$dir/rtd1.txt" | sort -g | awk -v n="$n" '
      BEGIN { i50 = int(0.50 * n); if (i50 < 0.50 * n) i50++; i99 = int(0.99 * n); if (i99 < 0.99 * n) i99++ }
      NR == i50 { a = $1 } NR == i99 { b = $1 } { sum += $1; if ($1 > 0 && (tick == "" || $1 < tick)) tick = $1 }
      END { printf "%.3f %.3f %.3f %s\n", a, b, sum / n, (tick == "" ? "?" : tick) }')
  fi
  local wall
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  read -r mb mt <<<"$(awk -v a="$m0" -v b="$m1" 'BEGIN { split(a, x, " "); split(b, y, " "); print y[1] - x[1], y[2] - x[2] }')"
  {
    echo "name=$name kind=$kind rate=$rate calls=$calls rc=$rc load=$load wall=$wall"
    echo "ok=${ok:-0} failed=${failed:-0} retrans=${retrans:-0} answered_rate=$answered_rate p50=$p50 p99=$p99 mean=$mean tick=$tick"
    echo "daemon_s=$(awk -v a="$d0" -v b="$d1" -v h="$hz" 'BEGIN { printf "%.2f", (b - a) / h }')"
    echo "kamailio_s=$(awk -v a="$k0" -v b="$k1" -v h="$hz" 'BEGIN { printf "%.2f", (b - a) / h }')"
    echo "uas_s=$(awk -v a="$u0" -v b="$u1" -v h="$hz" 'BEGIN { printf "%.2f", (b - a) / h }') caller_s=$self"
    # the daemon's CPU by thread, seconds, busiest first
    echo "threads='$(join -a 2 -e 0 -o 2.1,1.2,2.2 "$dir/threads0" "$dir/threads1" |
      awk -v h="$hz" '{ d = ($3 - $2) / h; if (d > 0) printf "%.2f %s\n", d, $1 }' | sort -rn |
      awk '{ printf "%s%s %s s", (NR > 1 ? ", " : ""), $2, $1 }')'"
    echo "machine_cores=$(awk -v b="$mb" -v t="$mt" -v n="$(nproc)" 'BEGIN { printf "%.2f", (t > 0 ? b / t * n : 0) }')"
    jq -r '"auth_n=\(.auth_requests) grants=\(.grants) denials=\(.denials) settles=\(.settles) auth_p50=\(.auth_reply_p50_us) auth_p99=\(.auth_reply_p99_us) auth_max=\(.auth_reply_max_us)"' \
      "$dir/status.json"
  } >"$dir/vars"
  # shellcheck disable=SC1091
  (source "$dir/vars" && print_row)
}

cpu_us() { awk -v c="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.0f", c * 1e6 / n; else printf "-" }'; }
share() { awk -v c="$1" -v w="$2" 'BEGIN { printf "%.3f", (w > 0 ? c / w : 0) }'; }
print_header() {
  printf '%-11s %6s %6s %4s %4s %7s  %-19s %-11s %7s %6s  %5s %5s %5s %5s %5s\n' \
    step asked/s ok fail retr got/s "sipp p50/p99/mean" "huawu p50/99" "us/call" huawu kam uac uas busy load
}
print_row() {
  local huawu_auth="-"
  [[ $kind != zmq ]] && huawu_auth=$(awk -v a="$auth_p50" -v b="$auth_p99" 'BEGIN { printf "%.2f/%.2f", a / 1000, b / 1000 }')
  printf '%-11s %6d %6d %4d %4d %7.1f  %-19s %-11s %7s %6s  %5.2f %5.2f %5.2f %5s %5s\n' \
    "$name" "$rate" "$ok" "$failed" "$retrans" "$answered_rate" "$p50/$p99/$mean" "$huawu_auth" \
    "$(cpu_us "$daemon_s" "$ok")" "$(share "$daemon_s" "$wall")" \
    "$(share "$kamailio_s" "$wall")" "$(share "$caller_s" "$wall")" "$(share "$uas_s" "$wall")" "$machine_cores" "$load"
}
legend() {
  echo "    ok/fail/retr: SIPp's successful and failed calls and retransmissions; got/s: answers per second over"
  echo "    their span; sipp: SIPp's INVITE -> final reply, ms (in steps of its coarse clock); huawu: the connector's"
  echo "    auth_request read -> auth_reply written, ms; us/call: the daemon's CPU per completed call; huawu, kam"
  echo "    (Kamailio, all processes), uac (SIPp caller or switch-sim), uas (SIPp callee): CPU s / wall s, cores;"
  echo "    busy: cores busy on the whole machine, everyone's; load: 1-min load average at the step's start"
}

echo
echo "=== (1-3, 6) SIPp -> Kamailio -> huawu: ${rates[*]} calls/s, $step_seconds s each, ${call_ms} ms calls on $accounts accounts"
legend
print_header
best=
for r in "${rates[@]}"; do
  measure "sip-$r" "$r" sip
  # shellcheck disable=SC1090
  source "$steps/sip-$r/vars"
  if ((failed > 0)) || awk -v a="$answered_rate" -v r="$r" 'BEGIN { exit !(a < 0.95 * r) }'; then
    echo "    stop: $( ((failed > 0)) && echo "$failed failed calls" || echo "answered $answered_rate/s of $r/s asked")"
    break
  fi
  best=$r
done
at=${best:-${rates[0]}}

echo
echo "=== (5) refusals only at $at calls/s: an unfunded account, every INVITE answered 402"
print_header
measure "refuse-$at" "$at" sip402

echo
echo "=== (4) the ZeroMQ path at $at calls/s: huawu switch-sim, same daemon and data, authorize + settle per call"
echo "    (p50/p99: switch-sim's authorize reply time; ok: settled calls; fail: anomalies)"
print_header
measure "zmq-$at" "$at" zmq

# ---- summary ------------------------------------------------------------------------
echo
echo "=== summary ($(machine_line); load average now $(cut -d' ' -f1-3 /proc/loadavg))"
if [[ -z $best ]]; then
  echo "no step ran without failures: the figures below are for $at calls/s, which FAILED"
fi
# shellcheck disable=SC1090
source "$steps/sip-$at/vars"
sip_daemon_s=$daemon_s sip_ok=$ok sip_wall=$wall sip_p99=$p99 sip_p50=$p50 sip_auth_p50=$auth_p50 sip_auth_p99=$auth_p99
sip_threads=$threads sip_tick=$tick sip_mean=$mean
sip_kam=$kamailio_s sip_caller=$caller_s sip_uas=$uas_s sip_load=$load sip_mach=$machine_cores
# shellcheck disable=SC1090
source "$steps/refuse-$at/vars"
ref_ok=$ok ref_failed=$failed ref_p50=$p50 ref_p99=$p99 ref_auth_p50=$auth_p50 ref_auth_p99=$auth_p99 ref_daemon_s=$daemon_s ref_wall=$wall ref_mean=$mean
# shellcheck disable=SC1090
source "$steps/zmq-$at/vars"
zmq_ok=$ok zmq_failed=$failed zmq_daemon_s=$daemon_s zmq_wall=$wall zmq_p99=$p99 zmq_threads=$threads
daemon_cores=$(share "$sip_daemon_s" "$sip_wall")
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
printf '%-44s %s\n' "highest rate with 0 failed calls" "${best:-none} calls/s (steps of $step_seconds s, ${call_ms} ms calls; ramp max $max_rate)"
printf '%-44s %s\n' "  answered calls in that step" "$sip_ok (load average ${sip_load} at its start, ${sip_mach} cores busy machine-wide)"
printf '%-44s %s\n' "INVITE -> 200 OK, SIPp (rtd)" "p50 ${sip_p50} ms, p99 ${sip_p99} ms, mean ${sip_mean} ms"
printf '%-44s %s\n' "INVITE -> 402, refusals only, SIPp (rtd)" "p50 ${ref_p50} ms, p99 ${ref_p99} ms, mean ${ref_mean} ms ($ref_ok refused as asked, $ref_failed failed)"
printf '%-44s %s\n' "  SIPp's clock step" "${sip_tick} ms (CLOCK_MONOTONIC_COARSE: percentiles are good to one step)"
printf '%-44s %s\n' "huawu auth_reply, answered calls" "p50 $(ms "$sip_auth_p50") ms, p99 $(ms "$sip_auth_p99") ms (target p99 <= 2 ms)"
printf '%-44s %s\n' "huawu auth_reply, refusals" "p50 $(ms "$ref_auth_p50") ms, p99 $(ms "$ref_auth_p99") ms"
printf '%-44s %s\n' "  huawu's share of SIPp's p99 (answered)" "$(awk -v a="$sip_auth_p99" -v b="$sip_p99" 'BEGIN { printf "%.0f %%", (b > 0 ? a / 10 / b : 0) }')"
printf '%-44s %s\n' "huawu CPU, evapi path" "$(cpu_us "$sip_daemon_s" "$sip_ok") us per answered call, $daemon_cores of one core (target < 0.25)"
printf '%-44s %s\n' "huawu CPU, refusals" "$(cpu_us "$ref_daemon_s" "$ref_ok") us per refused call, $(share "$ref_daemon_s" "$ref_wall") of one core"
printf '%-44s %s\n' "huawu CPU, ZeroMQ path (switch-sim)" "$(cpu_us "$zmq_daemon_s" "$zmq_ok") us per settled call, $(share "$zmq_daemon_s" "$zmq_wall") of one core ($zmq_ok settled, $zmq_failed anomalies, authorize p99 $zmq_p99 ms)"
printf '%-44s %s\n' "  by thread, evapi path" "$sip_threads"
printf '%-44s %s\n' "  by thread, ZeroMQ path" "$zmq_threads"
printf '%-44s %s\n' "Kamailio, SIPp caller, SIPp callee CPU" "$(share "$sip_kam" "$sip_wall"), $(share "$sip_caller" "$sip_wall"), $(share "$sip_uas" "$sip_wall") of one core"
cpu_ok=$(awk -v c="$daemon_cores" 'BEGIN { print (c < 0.25) ? "met" : "NOT met" }')
lat_ok=$(awk -v p="$sip_auth_p99" 'BEGIN { print (p <= 2000) ? "met" : "NOT met" }')
printf '%-44s %s\n' "target: huawu < 1/4 core at that rate" "$cpu_ok"
printf '%-44s %s\n' "target: huawu's share of p99 <= 2 ms" "$lat_ok"
finished=1
