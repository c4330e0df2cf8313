#!/usr/bin/env bash
# README command 2 (and CI): install what is missing, then
#   1. build in Release (g++) and run every test through ctest;
#   2. build the suite again with clang under AddressSanitizer + UBSan (LeakSanitizer on, any report
#      fails) and run it, then fuzz each file reader for XGRAD_FUZZ_SECONDS (10) in that build;
#   3. build the threaded tests with ThreadSanitizer (g++) and run them.
# XGRAD_SKIP_SANITIZERS=1 stops after step 1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh clang libclang-rt-14-dev
jobs=2
phase() { echo; echo "== $1 ($(date +%T))"; }

phase "Release build and tests"
# (without the benchmarks, a minute of the build: the bench scripts turn them on where they need them)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DXGRAD_BUILD_BENCH=OFF
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

if [[ "${XGRAD_SKIP_SANITIZERS:-0}" != 1 ]]; then
  phase "ASan + UBSan + LeakSanitizer build (clang) and tests"
  # A folder configured by an earlier g++ sanitizer build cannot switch compilers in place.
  if [[ -f build-sanitize/CMakeCache.txt ]] && ! grep -q 'CMAKE_CXX_COMPILER:.*clang' build-sanitize/CMakeCache.txt; then
    rm -rf build-sanitize
  fi
  # Line tables are all a sanitizer's stack trace needs; full debug info and -O2 cost 10% of the build.
  CC=clang CXX=clang++ cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXGRAD_SANITIZE=ON \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
        -DXGRAD_FUZZ=ON -DXGRAD_BUILD_BENCH=OFF -DXGRAD_BUILD_EXAMPLES=OFF
  cmake --build build-sanitize -j"$jobs"
  (cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     ctest --output-on-failure -j"$jobs")

  phase "Fuzzing the safetensors, IDX and CSV readers"
  scripts/fuzz.sh "${XGRAD_FUZZ_SECONDS:-10}" build-sanitize

  phase "ThreadSanitizer: threaded tests"
  scripts/tsan.sh build-tsan
fi
phase "done"
