#!/bin/bash
# Starts Kamailio with ops/kamailio/huawu.cfg for one run directory, waits until
# it listens, prints its pid; or stops it.
#
#   ops/kamailio/run.sh start RUN_DIR SIP_PORT EVAPI_PORT GATEWAY_URI [-A ...]...
#   ops/kamailio/run.sh stop RUN_DIR
#
# start: RUN_DIR gets kamailio.pid, kamailio.log (Kamailio's stderr), the ctl and
# JSON-RPC sockets and cdr/ (the CDR files). Everything listens on 127.0.0.1.
# Extra arguments go to kamailio as they are (e.g. -A DEBUG_LEVEL=3). Prints the
# pid on success; exits 1 (after stopping what it started) if Kamailio is not
# listening within 10 s. KAMAILIO_SHM_MB (default 256) is -m.
# stop: SIGTERM to the pid in RUN_DIR/kamailio.pid, SIGKILL after 5 s.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
  echo "usage: $0 start RUN_DIR SIP_PORT EVAPI_PORT GATEWAY_URI [kamailio args...]" >&2
  echo "       $0 stop RUN_DIR" >&2
  exit 2
}

listening_udp() { ss -H -lun "sport = :$1" 2>/dev/null | grep -q .; }
listening_tcp() { ss -H -ltn "sport = :$1" 2>/dev/null | grep -q .; }

stop() {
  local run_dir="$1" pid i
  [ -f "$run_dir/kamailio.pid" ] || return 0
  pid="$(cat "$run_dir/kamailio.pid" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill -TERM "$pid" 2>/dev/null || { rm -f "$run_dir/kamailio.pid"; return 0; }
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$run_dir/kamailio.pid"
}

[ $# -ge 1 ] || usage
case "$1" in
  stop)
    [ $# -eq 2 ] || usage
    stop "$2"
    ;;
  start)
    [ $# -ge 5 ] || usage
    run_dir="$2"; sip_port="$3"; evapi_port="$4"; gateway="$5"; shift 5
    [[ "$sip_port" =~ ^[0-9]+$ && "$evapi_port" =~ ^[0-9]+$ ]] || usage
    case "$run_dir" in /*) ;; *) run_dir="$PWD/$run_dir" ;; esac
    mkdir -p "$run_dir/cdr" || exit 1
    chmod 0700 "$run_dir"
    # setsid: Kamailio and its children get their own process group, so stop
    # can SIGKILL all of them if SIGTERM is not enough.
    setsid kamailio -f "$here/huawu.cfg" -DD -E -m "${KAMAILIO_SHM_MB:-256}" \
      -P "$run_dir/kamailio.pid" \
      -A "SIP_PORT=$sip_port" \
      -A "EVAPI_BIND=\"127.0.0.1:$evapi_port\"" \
      -A "GATEWAY=\"$gateway\"" \
      -A "RUN_DIR=\"$run_dir\"" \
      -A "CDR_URL=\"flatstore:$run_dir/cdr\"" \
      "$@" </dev/null >"$run_dir/kamailio.log" 2>&1 &
    launched=$!
    for i in $(seq 100); do
      if ! kill -0 "$launched" 2>/dev/null; then
        echo "kamailio exited; see $run_dir/kamailio.log:" >&2
        tail -5 "$run_dir/kamailio.log" >&2
        exit 1
      fi
      if listening_udp "$sip_port" && listening_tcp "$evapi_port" &&
         [ -S "$run_dir/kamailio_rpc.sock" ] && [ -p "$run_dir/kamailio_rpc.fifo" ]; then
        echo "$launched" >"$run_dir/kamailio.pid"
        echo "$launched"
        exit 0
      fi
      sleep 0.1
    done
    echo "kamailio not listening within 10 s; see $run_dir/kamailio.log" >&2
    echo "$launched" >"$run_dir/kamailio.pid"
    stop "$run_dir"
    exit 1
    ;;
  *) usage ;;
esac
