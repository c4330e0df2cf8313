#!/usr/bin/env bash
# Runs every benchmark beside its reference in this one script run and prints markdown tables:
# xgrad, torch (libtorch C++ from Debian's libtorch-dev, or PyTorch from /usr/bin/python3 with
# python3-torch), and the ratio of xgrad's time to torch's (below 1: xgrad is faster). Each table is
# measured with glibc's default malloc and with --keep-memory (mmap/trim thresholds raised) for
# both sides. Usage: bench/run.sh [build-dir] [--quick]   (--quick: one malloc mode, no deep MLP)
# Opt-in figures, each run alone: --speed (thread scaling, bf16, share of peak), --conv (conv2d
# forward and forward + backward beside libtorch and PyTorch).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
quick=0
[[ " $* " == *" --quick "* ]] && quick=1
scripts/install_deps.sh libtorch-dev python3-torch
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DXGRAD_BUILD_BENCH=ON > /dev/null
cmake --build "$build" -j2 --target bench_per_op bench_per_op_torch bench_throughput bench_throughput_torch \
  bench_mlp bench_mlp_torch bench_gemm_peak bench_fma_peak optim_step bench_conv bench_conv_torch > /dev/null
bin=$build/bench
py=/usr/bin/python3

# --speed: only the full-speed section below (thread scaling, bf16, share of peak).
speed_only=0
[[ " $* " == *" --speed "* ]] && speed_only=1

# compare TITLE KIND OURS THEIRS [REF_NAME]: one row per metric present in both "name value" outputs.
# KIND "time": ratio = ours/theirs; KIND "rate": ratio = theirs/ours (still xgrad time over torch time).
compare() {
  local title=$1 kind=$2 ours=$3 theirs=$4 ref=${5:-libtorch}
  echo "### $title"
  echo
  printf "| %-26s | %10s | %10s | %13s |\n" metric xgrad "$ref" "time ratio"
  echo "|----------------------------|------------|------------|---------------|"
  join <(sort <<<"$ours") <(sort <<<"$theirs") | while read -r name a b; do
    printf "| %-26s | %10s | %10s | %13.3f |\n" "$name" "$a" "$b" \
      "$(awk -v a="$a" -v b="$b" -v k="$kind" 'BEGIN{print (k == "time") ? a/b : b/a}')"
  done
  echo
}

# Lines of `ours` that the reference does not have (gemm-bound figures, RSS of one side).
extra() { grep -v -E "^($(cut -d' ' -f1 <<<"$2" | paste -sd'|'))( |$)" <<<"$1" | sed 's/^/    /' || true; }

# torch.set_num_threads does not reach the OpenBLAS thread pool of Debian's libtorch (it used both
# cores at "1 thread"); these pin every BLAS and OpenMP pool of both sides to the run's thread count.
pin() { OPENBLAS_NUM_THREADS=$1 OMP_NUM_THREADS=$1 "${@:2}"; }

# Throughput: the best of several alternating process runs per side, because this shared machine has
# slow phases lasting seconds that the best-of-rounds inside one run cannot step around.
throughput_runs=5
best_rates() { grep -v '^$' | sort -k1,1 -k2,2gr | awk '!seen[$1]++'; }

value() { awk -v k="$1" '$1 == k {print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", a/b}'; }
lesser() { awk -v a="$1" -v b="$2" 'BEGIN{print (a < b) ? a : b}'; }

# The full-speed table: xgrad against libtorch at its best (the faster of Debian's libtorch as the
# environment runs it and with OpenBLAS's AVX-512 kernels, OPENBLAS_CORETYPE=SkylakeX) and PyTorch,
# float32 and bf16 autocast, 1 and 2 threads, both sides with raised malloc thresholds and denormals
# flushed (--ftz: the benchmark trains on one fixed batch until its gradients turn denormal, a slow
# path on Intel cores for both sides); then each xgrad step's gemm rate as a share of the core's
# measured FMA peak.
speed_section() {
  local peak fp32_peak bf16_peak
  peak=$("$bin"/bench_fma_peak)
  fp32_peak=$(value fma_peak_fp32_GFLOPs <<<"$peak")
  # bf16 products run on AMX tiles where the core has them (oneDNN picks them), else on vdpbf16ps.
  bf16_peak=$(value amx_peak_bf16_GFLOPs <<<"$peak")
  [[ $bf16_peak =~ ^[0-9.]+$ ]] || bf16_peak=$(value fma_peak_bf16_GFLOPs <<<"$peak")
  echo "## Full speed: threads, bf16 and the share of peak (ms per step, --keep-memory --ftz on both sides)"
  echo
  echo "core peak (bench_fma_peak, 1 thread, GFLOP/s): $(tr '\n' ' ' <<<"$peak")"
  echo
  echo "libtorch's best: the fastest of Debian's libtorch as the environment runs it and with"
  echo "OPENBLAS_CORETYPE=SkylakeX, at this row's thread count or fewer (more threads can be slower)."
  echo "Share of peak: the step's products alone (gemm_GFLOPs) over threads x the core's peak"
  echo "(float32 FMA; for bf16 the AMX tile peak where the core has AMX)."
  echo
  echo "| step | threads | xgrad | libtorch | libtorch SkylakeX | ratio to libtorch's best | PyTorch | ratio | xgrad gemm GFLOP/s | share of peak |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  local name sizes threads flag ours env avx512 pytorch best gemm share best_so_far
  for row in "small 128 784 256 10" "deep 256 784 1024 1024 1024 10" "deep-bf16 256 784 1024 1024 1024 10"; do
    read -r name sizes <<<"$row"
    flag=""
    [[ $name == *bf16 ]] && flag="--bf16"
    best_so_far=1e30
    for threads in 1 2; do
      ours=$(pin "$threads" "$bin"/bench_mlp "$threads" $sizes --keep-memory --ftz $flag)
      env=$(pin "$threads" "$bin"/bench_mlp_torch "$threads" $sizes --keep-memory --ftz $flag | value step_ms)
      avx512=$(OPENBLAS_CORETYPE=SkylakeX pin "$threads" "$bin"/bench_mlp_torch "$threads" $sizes --keep-memory --ftz $flag |
        value step_ms)
      pytorch=$(pin "$threads" $py bench/mlp_torch.py "$threads" $sizes --ftz $flag | value step_ms)
      best_so_far=$(lesser "$best_so_far" "$(lesser "$env" "$avx512")")
      gemm=$(value gemm_GFLOPs <<<"$ours")
      share=$(awk -v g="$gemm" -v p="$( [[ -n $flag ]] && echo "$bf16_peak" || echo "$fp32_peak")" -v t="$threads" \
        'BEGIN{printf "%.2f", g / (p * t)}')
      printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" "$name" "$threads" "$(value step_ms <<<"$ours")" \
        "$env" "$avx512" "$(ratio "$(value step_ms <<<"$ours")" "$best_so_far")" "$pytorch" \
        "$(ratio "$(value step_ms <<<"$ours")" "$pytorch")" "$gemm" "$share"
    done
  done
  echo
}

if ((speed_only)); then
  speed_section
  exit 0
fi

# --conv: conv2d at the trainer CNN's two layers and a ResNet 3x3 64->64 layer (bench/conv_shapes.hpp),
# forward alone and forward + backward (the gradients of weight, bias and, but for a first layer,
# input), 1 and 2 threads, both C++ sides with raised malloc thresholds.
if [[ " $* " == *" --conv "* ]]; then
  echo "## conv2d, float32, stride 1, padding 1 (ms; --keep-memory on both C++ sides)"
  echo
  for threads in 1 2; do
    ours=$(pin "$threads" "$bin"/bench_conv "$threads" --keep-memory)
    compare "conv2d, $threads thread(s), vs libtorch" time "$ours" \
      "$(pin "$threads" "$bin"/bench_conv_torch "$threads" --keep-memory)"
    compare "conv2d, $threads thread(s), vs PyTorch (Python)" time "$ours" \
      "$(pin "$threads" $py bench/conv_torch.py "$threads")" pytorch
    echo "xgrad step rates:"; extra "$ours" "$(grep -v GFLOPs <<<"$ours")"; echo
  done
  exit 0
fi

modes=("" "--keep-memory")
((quick)) && modes=("--keep-memory")
for mode in "${modes[@]}"; do
  label=${mode:-default malloc}
  echo "## $label"
  echo
  compare "per-op overhead (µs; figures 1-2)" time "$(pin 1 "$bin"/bench_per_op $mode)" \
    "$(pin 1 "$bin"/bench_per_op_torch $mode)"
  ours="" theirs=""
  for ((run = 0; run < throughput_runs; ++run)); do
    ours+=$(pin 1 "$bin"/bench_throughput $mode)$'\n'
    theirs+=$(pin 1 "$bin"/bench_throughput_torch $mode)$'\n'
  done
  compare "throughput on [1024, 1024] float32 (GB/s, best of $throughput_runs runs each; figure 5)" rate \
    "$(best_rates <<<"$ours")" "$(best_rates <<<"$theirs")"
  for threads in 1 2; do
    small=("$threads" 128 784 256 10)
    ours=$(pin "$threads" "$bin"/bench_mlp "${small[@]}" $mode --rss 1000)
    compare "MLP 784-256-10, batch 128, $threads thread(s) (ms per step; figures 3, 6)" time "$ours" \
      "$(pin "$threads" "$bin"/bench_mlp_torch "${small[@]}" $mode --rss 1000)"
    compare "same MLP vs PyTorch (Python)" time "$ours" "$(pin "$threads" $py bench/mlp_torch.py "${small[@]}")" pytorch
    echo "xgrad gemm-bound figures:"; extra "$ours" "step_ms"; echo
    if ((!quick)); then
      deep=("$threads" 256 784 1024 1024 1024 10)
      ours=$(pin "$threads" "$bin"/bench_mlp "${deep[@]}" $mode)
      compare "MLP 784-1024-1024-1024-10, batch 256, $threads thread(s) (ms per step; figure 4)" time "$ours" \
        "$(pin "$threads" "$bin"/bench_mlp_torch "${deep[@]}" $mode)"
      compare "same deep MLP vs PyTorch (Python)" time "$ours" "$(pin "$threads" $py bench/mlp_torch.py "${deep[@]}")" pytorch
    fi
  done
  compare "optimizer step over 1M parameters (µs)" time "$(pin 1 "$bin"/optim_step $mode)" \
    "$(pin 1 $py bench/optim_step_torch.py)" torch.optim
done
speed_section
echo "## BLAS peak (OpenBLAS sgemm, GFLOP/s)"
"$bin"/bench_gemm_peak | sed 's/^/    /'
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); torch $($py -c 'import torch; print(torch.__version__)')"
