// The core's arithmetic peak, measured rather than taken from a data sheet: one thread issuing
// independent AVX-512 FMAs (float32: 32 flops each) and bf16 dot products (vdpbf16ps: 32 pairs,
// 64 flops each) with enough accumulators in flight to hide their latency. bench/run.sh divides
// each step's gemm rate by these figures.
#include <immintrin.h>

#include <cstdio>

#include "bench_util.hpp"

namespace {

constexpr int kChains = 12;      // independent accumulators: latency 4 x 2 ports, with margin
constexpr long kIterations = 1 << 20;

#if defined(__AVX512F__)
double fp32_flops_per_second() {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(0.0f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  const double seconds = bench::best_seconds(5, 1, [&] {
    for (long i = 0; i < kIterations; ++i)
      for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
    for (int c = 0; c < kChains; ++c) asm volatile("" : "+v"(acc[c]));
  });
  return 32.0 * kChains * kIterations / seconds;
}
#endif

#if defined(__AVX512BF16__)
double bf16_flops_per_second() {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(0.0f);
  const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-3f), _mm512_set1_ps(1e-3f));
  const double seconds = bench::best_seconds(5, 1, [&] {
    for (long i = 0; i < kIterations; ++i)
      for (int c = 0; c < kChains; ++c) acc[c] = _mm512_dpbf16_ps(acc[c], a, a);
    for (int c = 0; c < kChains; ++c) asm volatile("" : "+v"(acc[c]));
  });
  return 64.0 * kChains * kIterations / seconds;
}
#endif

}  // namespace

int main() {
#if defined(__AVX512F__)
  std::printf("fma_peak_fp32_GFLOPs %.1f\n", fp32_flops_per_second() / 1e9);
#else
  std::printf("fma_peak_fp32_GFLOPs n/a (built without AVX-512)\n");
#endif
#if defined(__AVX512BF16__)
  std::printf("fma_peak_bf16_GFLOPs %.1f\n", bf16_flops_per_second() / 1e9);
#else
  std::printf("fma_peak_bf16_GFLOPs n/a (built without AVX512_BF16)\n");
#endif
  return 0;
}
