// The core's arithmetic peak, measured rather than taken from a data sheet: one thread issuing
// independent AVX-512 FMAs (float32: 32 flops each) and bf16 dot products (vdpbf16ps: 32 pairs,
// 64 flops each) with enough accumulators in flight to hide their latency, and, on cores with AMX,
// tile dot products (tdpbf16ps: a 16 x 16 float32 tile += 16 x 32 by 32 x 16 bf16, 16384 flops)
// into four independent accumulator tiles. bench/run.sh divides each step's gemm rate by these.
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "bench_util.hpp"

namespace {

constexpr int kChains = 12;      // independent accumulators: latency 4 x 2 ports, with margin
constexpr long kIterations = 1 << 20;

#if defined(__AVX512F__)
// Flops per second of `kChains` independent accumulators each updated by `op` (flops_per_op each).
template <class Op>
double chained_flops_per_second(double flops_per_op, Op op) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(0.0f);
  const double seconds = bench::best_seconds(5, 1, [&] {
    for (long i = 0; i < kIterations; ++i)
      for (int c = 0; c < kChains; ++c) acc[c] = op(acc[c]);
    for (int c = 0; c < kChains; ++c) asm volatile("" : "+v"(acc[c]));
  });
  return flops_per_op * kChains * kIterations / seconds;
}

double fp32_flops_per_second() {
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  return chained_flops_per_second(32.0, [&](__m512 acc) { return _mm512_fmadd_ps(acc, a, b); });
}
#endif

#if defined(__AVX512BF16__)
double bf16_flops_per_second() {
  const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-3f), _mm512_set1_ps(1e-3f));
  return chained_flops_per_second(64.0, [&](__m512 acc) { return _mm512_dpbf16_ps(acc, a, a); });
}
#endif

#if defined(__AMX_BF16__) && defined(__AMX_TILE__)
// Linux hands out the AMX register state only on request.
bool request_amx() {
  constexpr long kArchRequestPermission = 0x1023, kTileData = 18;
  return syscall(SYS_arch_prctl, kArchRequestPermission, kTileData) == 0;
}

struct TileConfig {
  unsigned char palette = 1, start_row = 0, reserved[14] = {};
  unsigned short bytes_per_row[16] = {};
  unsigned char rows[16] = {};
};

double amx_flops_per_second() {
  TileConfig config;
  for (int t = 0; t < 8; ++t) {
    config.rows[t] = 16;
    config.bytes_per_row[t] = 64;
  }
  _tile_loadconfig(&config);
  alignas(64) unsigned short ones[16 * 32];
  for (auto& v : ones) v = 0x3f80;  // 1.0 in bfloat16
  alignas(64) float zeros[16 * 16] = {};
  _tile_loadd(0, zeros, 64);
  _tile_loadd(1, zeros, 64);
  _tile_loadd(2, zeros, 64);
  _tile_loadd(3, zeros, 64);
  _tile_loadd(4, ones, 64);
  _tile_loadd(5, ones, 64);
  _tile_loadd(6, ones, 64);
  _tile_loadd(7, ones, 64);
  constexpr long kTileIterations = 1 << 20;
  const double seconds = bench::best_seconds(5, 1, [&] {
    for (long i = 0; i < kTileIterations; ++i) {
      _tile_dpbf16ps(0, 4, 5);
      _tile_dpbf16ps(1, 4, 6);
      _tile_dpbf16ps(2, 7, 5);
      _tile_dpbf16ps(3, 7, 6);
    }
  });
  _tile_release();
  return 4.0 * 16 * 16 * 32 * 2 * kTileIterations / seconds;
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
#if defined(__AMX_BF16__) && defined(__AMX_TILE__)
  if (request_amx())
    std::printf("amx_peak_bf16_GFLOPs %.1f\n", amx_flops_per_second() / 1e9);
  else
    std::printf("amx_peak_bf16_GFLOPs n/a (the kernel refused the AMX state)\n");
#else
  std::printf("amx_peak_bf16_GFLOPs n/a (built without AMX)\n");
#endif
  return 0;
}
