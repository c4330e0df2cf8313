#!/usr/bin/env bash
# Data-parallel Fashion-MNIST over MPI on this machine: the trainer's samples/s as one plain process,
# as 1 MPI rank and as 2 MPI ranks (global batch 128 each time: 64 per rank with 2), one OpenBLAS
# thread per rank, and the time per step rank 0 spends in the gradient all-reduce; then the
# all-reduce alone (bench_allreduce: ranks arriving together). Prints a Markdown table.
# Usage: bench/distributed.sh [epochs] [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-3}
build=${2:-build}
scripts/install_deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DXGRAD_BUILD_BENCH=ON > /dev/null
cmake --build "$build" -j2 --target fashion_mnist bench_allreduce > /dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# --bind-to none: the ranks' prefetch threads may use either core, as the plain process's may.
mpirun=(mpirun --oversubscribe --allow-run-as-root --bind-to none -x OPENBLAS_NUM_THREADS=1 -x OMP_NUM_THREADS=1)
run() {  # name, then the command line; leaves $out/<name>.log and $out/<name>/curves.csv
  local name=$1
  shift
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$@" --epochs "$epochs" --workers 1 --out "$out/$name" > "$out/$name.log"
}
run plain "$build"/examples/fashion_mnist
run np1 "${mpirun[@]}" -np 1 "$build"/examples/fashion_mnist --distributed
run np2 "${mpirun[@]}" -np 2 "$build"/examples/fashion_mnist --distributed

best_rate() { tail -n +2 "$out/$1/curves.csv" | cut -d, -f7 | sort -g | tail -1; }
accuracy() { tail -1 "$out/$1/curves.csv" | cut -d, -f5; }
# From the trainer's "gradient all-reduce: ... X ms per step in MPI, Y ms per step in reduce() ..." line.
mpi_ms() { sed -n 's/.* \([0-9.]*\) ms per step in MPI.*/\1/p' "$out/$1.log"; }
reduce_ms() { sed -n 's/.* \([0-9.]*\) ms per step in reduce().*/\1/p' "$out/$1.log"; }
step_ms() { awk -v r="$(best_rate "$1")" 'BEGIN{printf "%.3f", 1000 * 128 / r}'; }  # one global batch

base=$(best_rate plain)
echo "| Fashion-MNIST, 784-256-10, global batch 128, best of $epochs epochs | samples/s | vs plain | ms per step | all-reduce ms per step (in MPI / whole reduce) | final test accuracy |"
echo "|---|---|---|---|---|---|"
for name in plain np1 np2; do
  case $name in
    plain) label="1 process, no MPI"; ar="-" ;;
    np1) label="mpirun -np 1 --distributed"; ar="$(mpi_ms np1) / $(reduce_ms np1)" ;;
    np2) label="mpirun -np 2 --distributed"; ar="$(mpi_ms np2) / $(reduce_ms np2)" ;;
  esac
  rate=$(best_rate $name)
  echo "| $label | $rate | $(awk -v a="$rate" -v b="$base" 'BEGIN{printf "%.2f", a / b}') | $(step_ms $name) | $ar | $(accuracy $name) |"
done
echo
"${mpirun[@]}" -np 2 "$build"/bench/bench_allreduce 2000
"${mpirun[@]}" -np 2 "$build"/bench/bench_allreduce 2000 1  # one bucket per parameter
