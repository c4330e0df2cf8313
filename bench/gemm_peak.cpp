// The machine's BLAS peak: OpenBLAS sgemm on square float32 matrices, GFLOP/s, at 1 and 2 threads.
#include <cblas.h>

#include <cstdio>
#include <vector>

#include "bench_util.hpp"

int main() {
  for (int threads : {1, 2}) {
    openblas_set_num_threads(threads);
    for (long n : {256L, 1024L}) {
      std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n);
      const double s = bench::best_seconds(5, n > 512 ? 5 : 50, [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
      });
      std::printf("sgemm_%ld_threads%d_GFLOPs %.1f\n", n, threads, 2.0 * n * n * n / s / 1e9);
    }
  }
  return 0;
}
