#!/usr/bin/env bash
# README command 1: install what is missing, build in Release, run the sigmoid demo, then train the
# default MLP (784-256-10, ReLU, Adam 1e-3, batch 128, 10 epochs) on Fashion-MNIST.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2 --target sigmoid_grad fashion_mnist
./build/examples/sigmoid_grad build/sigmoid_grad.png
echo
./build/examples/fashion_mnist --out build/fashion_mnist
