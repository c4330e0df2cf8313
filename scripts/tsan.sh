#!/usr/bin/env bash
# Builds the threaded tests (tests/test_threads.cpp, tests/test_data_loader.cpp) with ThreadSanitizer
# and runs them; any report fails. Usage: scripts/tsan.sh [build-dir]   (default build-tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-tsan}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXGRAD_TSAN=ON -DXGRAD_BUILD_BENCH=OFF \
      -DXGRAD_BUILD_EXAMPLES=OFF > /dev/null
cmake --build "$build" -j2 --target xgrad_thread_tests
# OpenBLAS is not instrumented: one BLAS thread per caller keeps its own threads out of the picture.
# The DataLoader tests run a prefetch thread; test_threads.cpp runs 4 and 8 threads at once.
OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  "$build/tests/xgrad_thread_tests" --no-intro --no-version
