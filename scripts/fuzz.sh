#!/usr/bin/env bash
# Fuzzes the three file readers (safetensors, IDX, CSV) with libFuzzer under ASan + UBSan.
# Usage: scripts/fuzz.sh [seconds per target] [build-dir]    (defaults: 60, build-fuzz)
# Builds with clang if the build folder is not configured yet, starts each target from its seed
# corpus in fuzz/corpus (the corpus grown in the run is kept in a temporary folder, not the repo),
# prints executions per target and fails on the first finding, leaving the input in <build>/fuzz-findings.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=${2:-build-fuzz}
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXGRAD_SANITIZE=ON -DXGRAD_FUZZ=ON \
    -DXGRAD_BUILD_TESTS=OFF -DXGRAD_BUILD_EXAMPLES=OFF -DXGRAD_BUILD_BENCH=OFF > /dev/null
fi
cmake --build "$build" -j2 --target fuzz_safetensors fuzz_idx fuzz_csv

findings="$build/fuzz-findings"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$findings"
status=0
printf '%-12s %12s %10s %s\n' target executions seconds result
for target in safetensors idx csv; do
  mkdir -p "$work/$target"
  log="$work/$target.log"
  # -rss_limit_mb: a reader must never need gigabytes for an input of a few kilobytes.
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$findings/$target-" "$work/$target" "fuzz/corpus/$target" > "$log" 2>&1; then
    result=ok
  else
    result="FINDING (see $findings; log below)"
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  time=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  printf '%-12s %12s %10s %s\n' "$target" "${runs:-?}" "${time:-?}" "$result"
  [[ $result == ok ]] || tail -40 "$log"
done
exit $status
