#!/usr/bin/env bash
# Runs every benchmark with its reference side by side, in this one script run, and prints a table:
# xgrad, libtorch (C++, Debian libtorch-dev, 1 intra-op thread), the ratio xgrad/torch, under the
# default glibc malloc and with --keep-memory (mmap/trim thresholds raised) for both sides.
# Usage: bench/run.sh [build-dir]   (builds the bench targets in Release first)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if ! dpkg-query -W -f='${Status}' libtorch-dev 2>/dev/null | grep -q "install ok installed"; then
  scripts/install_deps.sh libtorch-dev
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j2 --target bench_per_op bench_per_op_torch bench_throughput bench_throughput_torch > /dev/null

# Prints one table row per metric from two "name value" outputs.
compare() {
  local title=$1 ours=$2 theirs=$3
  echo "## $title"
  printf "| %-22s | %12s | %12s | %8s |\n" metric xgrad libtorch ratio
  printf "|%s|%s|%s|%s|\n" "------------------------" "--------------" "--------------" "----------"
  join <(sort <<<"$ours") <(sort <<<"$theirs") | while read -r name a b; do
    printf "| %-22s | %12s | %12s | %8.3f |\n" "$name" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN{print a/b}')"
  done
  echo
}

for mode in "" "--keep-memory"; do
  label=${mode:-default malloc}
  compare "per-op overhead, µs, lower is better ($label)" "$("$build"/bench/bench_per_op $mode)" "$("$build"/bench/bench_per_op_torch $mode)"
  compare "throughput on [1024, 1024] float32, GB/s, higher is better ($label)" \
    "$("$build"/bench/bench_throughput $mode)" "$("$build"/bench/bench_throughput_torch $mode)"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
