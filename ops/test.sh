#!/usr/bin/env bash
# Builds and tests huawu twice, the way CI does:
#   build/dev   -O2 with line tables, warnings as errors
#   build/asan  -O1 with line tables, AddressSanitizer + UndefinedBehaviorSanitizer
# Runs from any directory. Both builds always run, so one failure does not
# hide the other; the exit code is non-zero when either fails.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

jobs=2
# Tests fork, fsync and wait on the writer thread; a hung one must fail the
# run, not stall CI forever.
test_timeout_seconds=300

"$root/ops/deps.sh"

declare -A summary=()
failed=0

# build_and_test NAME CTEST_ENV... -- CMAKE_ARGS...
build_and_test() {
  local name=$1
  shift
  local env_vars=()
  while [[ $1 != "--" ]]; do
    env_vars+=("$1")
    shift
  done
  shift
  local dir="build/$name"
  echo "=== $name: configure + build ($dir)"
  if ! cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null; then
    summary[$name]="FAILED at configure"
    return 1
  fi
  local started=$SECONDS
  if ! ninja -C "$dir" -j "$jobs"; then
    summary[$name]="FAILED at build"
    return 1
  fi
  echo "=== $name: test"
  local log="$dir/ctest-summary.log"
  # --no-tests=error: a run that finds no tests is a broken test setup, not a pass.
  local status=0
  (cd "$dir" && env "${env_vars[@]}" ctest --output-on-failure --no-tests=error -j "$jobs" \
      --timeout "$test_timeout_seconds") | tee "$log" || status=$?
  local line
  line=$(grep -E 'tests passed|No tests were found' "$log" | tail -n 1 || true)
  if [[ $status -ne 0 ]]; then
    summary[$name]="FAILED: ${line:-ctest exit $status} (build + tests $((SECONDS - started)) s)"
    return 1
  fi
  summary[$name]="ok: ${line} (build + tests $((SECONDS - started)) s)"
}

# Line tables only (-g1): enough for gdb backtraces and the sanitizers'
# symbolized reports, and half the compile time and object size of full debug
# information (measured on tests/cards_test.cc: -O2 -g 53 s, -O2 -g1 41 s;
# with the sanitizers -O2 -g 110 s, -O1 -g1 57 s).
dev_flags="-O2 -g1 -DNDEBUG"
# -O1 is what the sanitizers' documentation recommends for a test build: fast
# enough to run, much faster to build than -O2.
asan_flags="-O1 -g1 -DNDEBUG"
build_and_test dev -- -DHUAWU_WERROR=ON -DHUAWU_SANITIZE=OFF -DHUAWU_BENCH=ON \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$dev_flags" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=$dev_flags" || failed=1
# Sanitizer instrumentation makes GCC's flow analysis emit false positives
# (-Wmaybe-uninitialized and friends); warnings are gated by the dev build.
# The benchmark programs are built (warnings as errors) by the dev build; no
# test runs them, so the sanitizer build leaves them out.
build_and_test asan \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  -- -DHUAWU_WERROR=OFF -DHUAWU_SANITIZE=ON -DHUAWU_BENCH=OFF \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$asan_flags" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=$asan_flags" || failed=1

echo
echo "=== summary"
printf '%-5s %s\n' dev "${summary[dev]:-not run}" asan "${summary[asan]:-not run}"
exit "$failed"
