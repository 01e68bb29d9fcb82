# Shared by the benchmark scripts (sourced, not run): the machine header every
# figure is quoted with, and a daemon on free loopback ports.
# shellcheck shell=bash

# print_machine DIR: cpus, model, memory, the disk DIR is on, load average.
print_machine() {
  echo "=== machine"
  printf '%-18s %s\n' "cpus" "$(nproc)"
  printf '%-18s %s\n' "cpu model" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  printf '%-18s %s\n' "memory" "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  printf '%-18s %s\n' "disk" "$(df -h "$1" | awk 'NR == 2 {print $1 " (" $2 ")"}')"
  printf '%-18s %s\n' "load average" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# machine_line: "2 cpus, AMD EPYC, 23.5 GiB", for a summary.
machine_line() {
  echo "$(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')," \
    "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
}

# write_bench_config LEDGER CONFIG: a daemon configuration on free loopback
# ports (tcp://127.0.0.1:*), logging warnings only.
write_bench_config() {
  cat >"$2" <<TOML
data_dir = "$1"
[switch]
endpoint = "tcp://127.0.0.1:*"
publish_endpoint = "tcp://127.0.0.1:*"
[log]
level = "warn"
TOML
}

# start_bench_daemon HUAWU LEDGER CONFIG LOG: starts `huawu serve` and waits
# for LEDGER/daemon.json; sets daemon_pid and endpoint (the switch socket).
# Exits 1, printing the log, when the daemon does not come up.
start_bench_daemon() {
  rm -f "$2/daemon.json"
  "$1" serve --config "$3" >"$4" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 1 300); do
    [[ -f $2/daemon.json ]] && break
    sleep 0.1
  done
  if [[ ! -f $2/daemon.json ]]; then
    echo "the daemon did not start:"
    cat "$4"
    exit 1
  fi
  endpoint=$(jq -r .switch_endpoint "$2/daemon.json")
}
