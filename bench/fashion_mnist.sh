#!/usr/bin/env bash
# Fashion-MNIST: the xgrad trainer and bench/fashion_mnist_torch.py with the same model, settings
# and thread count, in one script run. Prints both epoch times (the fastest epoch of each), the
# ratio xgrad/torch, both final test accuracies and both peak RSS.
# With a fourth argument "bf16", the trainer runs once more with --bf16 (bfloat16 products under
# autocast) and its epoch time and accuracy are printed beside float32's.
# MODEL=cnn in the environment runs the trainer's --model cnn on both sides (default: the MLP).
# Both sides run with glibc's malloc thresholds raised (32 MiB mmap threshold, no trimming), so freed
# activations are reused instead of returned to the kernel and faulted in again on every step.
# Usage: bench/fashion_mnist.sh [epochs] [threads] [build-dir] [bf16]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-10}
threads=${2:-1}
build=${3:-build}
bf16=${4:-}
model=${MODEL:-mlp}
scripts/install_deps.sh python3-torch time
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j2 --target fashion_mnist > /dev/null
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

/usr/bin/time -f "peak_rss_KiB %M" -o "$out/xgrad_rss" env OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
  "$build"/examples/fashion_mnist --model "$model" --epochs "$epochs" --workers 1 --threads "$threads" --out "$out/xgrad" \
  > "$out/xgrad.log"
xgrad_epoch=$(tail -n +2 "$out/xgrad/curves.csv" | cut -d, -f6 | sort -g | head -1)
xgrad_acc=$(tail -1 "$out/xgrad/curves.csv" | cut -d, -f5)
xgrad_rss=$(awk '/peak_rss_KiB/ {printf "%.1f", $2 / 1024}' "$out/xgrad_rss")

OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" /usr/bin/python3 bench/fashion_mnist_torch.py "$epochs" "$threads" --model "$model" > "$out/torch.log"
torch_epoch=$(awk '/^epoch_seconds/ {print $2}' "$out/torch.log")
torch_acc=$(awk '/^test_accuracy/ {print $2}' "$out/torch.log")
torch_rss=$(awk '/^peak_rss_MiB/ {print $2}' "$out/torch.log")

echo "| Fashion-MNIST $model, $epochs epochs, $threads thread(s) | xgrad | PyTorch | ratio |"
echo "|---|---|---|---|"
echo "| fastest epoch (s) | $xgrad_epoch | $torch_epoch | $(awk -v a="$xgrad_epoch" -v b="$torch_epoch" 'BEGIN{printf "%.3f", a/b}') |"
echo "| final test accuracy | $xgrad_acc | $torch_acc | |"
echo "| peak RSS (MiB) | $xgrad_rss | $torch_rss | $(awk -v a="$xgrad_rss" -v b="$torch_rss" 'BEGIN{printf "%.3f", a/b}') |"
if [[ $bf16 == bf16 ]]; then
  OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" "$build"/examples/fashion_mnist --model "$model" --epochs "$epochs" \
    --workers 1 --threads "$threads" --bf16 --out "$out/bf16" > "$out/bf16.log"
  bf16_epoch=$(tail -n +2 "$out/bf16/curves.csv" | cut -d, -f6 | sort -g | head -1)
  bf16_acc=$(tail -1 "$out/bf16/curves.csv" | cut -d, -f5)
  echo "| xgrad --bf16: fastest epoch (s) / final test accuracy | $bf16_epoch / $bf16_acc | | $(awk -v a="$bf16_epoch" -v b="$torch_epoch" 'BEGIN{printf "%.3f", a/b}') |"
fi
