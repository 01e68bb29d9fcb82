#!/usr/bin/env bash
# Installs the Debian 12 packages huawu builds and tests with. Idempotent and
# non-interactive: when every package is already installed it changes nothing
# and needs no network; otherwise it runs apt-get update + install once.
# Works as root, or through sudo when not root; never reads stdin (CI).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git lld
  jq
  librocksdb-dev
  capnproto libcapnp-dev
  libzmq3-dev cppzmq-dev
  libspdlog-dev
  catch2
  libcli11-dev
  libsodium-dev
  libssl-dev
  nlohmann-json3-dev
  libtomlplusplus-dev
  libjemalloc-dev
  # Issue 15: the Kamailio connector's tests, demo and benchmark run a real
  # Kamailio (ops/kamailio/huawu.cfg) and SIPp; ops/kamailio/run.sh uses ss.
  kamailio kamailio-extra-modules kamailio-json-modules sip-tester iproute2
)

missing=()
for package in "${packages[@]}"; do
  # "install ok installed" is the only state in which the package is usable;
  # half-installed or config-files states count as missing.
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all ${#packages[@]} packages installed"
  exit 0
fi

echo "deps: installing ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "deps: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  # -n: fail rather than prompt for a password when there is no terminal.
  as_root=(sudo -n)
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
echo "deps: installed ${#missing[@]} packages"
