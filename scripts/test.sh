#!/usr/bin/env bash
# README command 2 (and CI): install what is missing, build in Release and run every test through
# ctest; then build the suite again with AddressSanitizer + UBSan (LeakSanitizer on) and run it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
jobs=2

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

if [[ "${XGRAD_SKIP_SANITIZERS:-0}" != 1 ]]; then
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXGRAD_SANITIZE=ON -DXGRAD_BUILD_BENCH=OFF \
        -DXGRAD_BUILD_EXAMPLES=OFF
  cmake --build build-sanitize -j"$jobs"
  (cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     ctest --output-on-failure -j"$jobs")
fi
