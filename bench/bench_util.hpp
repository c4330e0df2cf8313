// Timing helpers shared by the C++ benchmarks (xgrad and libtorch sides alike, so both are timed
// the same way): best-of-repeats wall time, and the glibc malloc setting both sides may get.
#pragma once
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

namespace bench {

// With --keep-memory, raise glibc's mmap/trim thresholds so freed large buffers are reused instead
// of being returned to the kernel every step (libtorch's MLP step doubles in speed with this).
inline void apply_malloc_option(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--keep-memory") == 0) {
      mallopt(M_MMAP_THRESHOLD, 1 << 30);
      mallopt(M_TRIM_THRESHOLD, 1 << 30);
    }
}

// Seconds per call of f, the best of `repeats` timings of `iterations` calls each.
template <class F>
double best_seconds(int repeats, int iterations, F&& f) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) f();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count() / iterations);
  }
  return best;
}

}  // namespace bench
