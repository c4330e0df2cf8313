#!/usr/bin/env bash
# README command 1: install what is missing, build in Release, run the sigmoid demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2 --target sigmoid_grad
./build/examples/sigmoid_grad build/sigmoid_grad.png
