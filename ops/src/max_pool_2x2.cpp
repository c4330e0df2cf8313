// The 2x2, stride-2 max-pool kernel (max_pool_2x2.hpp). Written with AVX-512 intrinsics because
// plain loops do not vectorize well here: the stride-2 taps need a de-interleave, and the
// compiler's scalar versions turn the 50/50 comparisons into branches. On [128, 32, 28, 28] the
// plain loops measured 5.4-10 ms, this kernel 1.2 ms, the general search plus its gather 9.5 ms.
#include "max_pool_2x2.hpp"

#include <algorithm>

#include "xgrad/detail/parallel.hpp"
#include "xgrad/parallel.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace xgrad::pool_kernels {

#if defined(__AVX512F__)

bool has_max_pool_2x2() { return true; }

namespace {

// One output row: up to 16 windows per step, the two input rows loaded 32 floats at a time and
// split into their even and odd columns (the windows' left and right taps).
// Loads and stores are whole vectors wherever the buffers have room, even past the row's last window:
// the loads then read into the next rows, and the stores' extra lanes land on outputs that the next
// rows' calls overwrite. `in_room` counts the floats readable from `bottom` on, `out_room` the outputs
// this thread may write from `values` on. (On [128, 32, 28, 28] masked loads and stores in every row
// took 2.1 ms, whole ones 1.2 ms.)
void row_2x2(const float* top, const float* bottom, std::int64_t w, std::int64_t ow, std::int64_t row_start,
             float* values, std::int64_t* indices, std::int64_t in_room, std::int64_t out_room) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  // Each tap's offset from its window's top-left corner, in flat H·W positions.
  const __m512i right = _mm512_set1_epi32(1), below = _mm512_set1_epi32(static_cast<int>(w)),
                below_right = _mm512_set1_epi32(static_cast<int>(w + 1));
  const __m512i corner_base = _mm512_set1_epi64(row_start);
  for (std::int64_t ox = 0; ox < ow; ox += 16) {
    const std::int64_t count = std::min<std::int64_t>(16, ow - ox), inputs = 2 * count;
    const bool whole_loads = 2 * ox + 32 <= in_room, whole_stores = ox + 16 <= out_room;
    const auto out_mask = static_cast<__mmask16>(whole_stores ? 0xFFFFu : (1u << count) - 1);
    const auto low_mask = static_cast<__mmask16>(whole_loads || inputs >= 16 ? 0xFFFFu : (1u << inputs) - 1);
    const auto high_mask =
        static_cast<__mmask16>(whole_loads ? 0xFFFFu : inputs <= 16 ? 0u : (1u << (inputs - 16)) - 1);
    const float *t = top + 2 * ox, *b = bottom + 2 * ox;
    __m512 t_low, t_high, b_low, b_high;
    if (whole_loads) {  // plain loads: masked ones, even with every lane on, ran 2.5x slower on AMD Zen 5
      t_low = _mm512_loadu_ps(t), t_high = _mm512_loadu_ps(t + 16);
      b_low = _mm512_loadu_ps(b), b_high = _mm512_loadu_ps(b + 16);
    } else {
      t_low = _mm512_maskz_loadu_ps(low_mask, t), t_high = _mm512_maskz_loadu_ps(high_mask, t + 16);
      b_low = _mm512_maskz_loadu_ps(low_mask, b), b_high = _mm512_maskz_loadu_ps(high_mask, b + 16);
    }
    __m512 best = _mm512_permutex2var_ps(t_low, even, t_high);
    __m512i best_offset = _mm512_setzero_si512();
    const auto take_if_greater_or_nan = [&](__m512 v, __m512i offset) {
      const __mmask16 take = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
      best = _mm512_mask_mov_ps(best, take, v);
      best_offset = _mm512_mask_mov_epi32(best_offset, take, offset);
    };
    take_if_greater_or_nan(_mm512_permutex2var_ps(t_low, odd, t_high), right);
    take_if_greater_or_nan(_mm512_permutex2var_ps(b_low, even, b_high), below);
    take_if_greater_or_nan(_mm512_permutex2var_ps(b_low, odd, b_high), below_right);
    // Within the row pair: 2·(ox + lane) + the tap's offset, widened to int64 and moved to the row.
    const __m512i within = _mm512_add_epi32(best_offset, _mm512_add_epi32(even, _mm512_set1_epi32(static_cast<int>(2 * ox))));
    const __m512i low = _mm512_add_epi64(corner_base, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(within)));
    const __m512i high = _mm512_add_epi64(corner_base, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(within, 1)));
    if (whole_stores) {
      _mm512_storeu_ps(values + ox, best);
      _mm512_storeu_si512(indices + ox, low);
      _mm512_storeu_si512(indices + ox + 8, high);
    } else {
      _mm512_mask_storeu_ps(values + ox, out_mask, best);
      _mm512_mask_storeu_epi64(indices + ox, static_cast<__mmask8>(out_mask), low);
      _mm512_mask_storeu_epi64(indices + ox + 8, static_cast<__mmask8>(out_mask >> 8), high);
    }
  }
}

}  // namespace

void max_pool_2x2(const float* x, std::int64_t planes, std::int64_t h, std::int64_t w, float* values,
                  std::int64_t* indices) {
  const std::int64_t oh = h / 2, ow = w / 2;
  const std::int64_t grain = std::max<std::int64_t>(1, detail::kElementwiseGrain / std::max<std::int64_t>(1, h * w));
  parallel_for(0, planes, grain, [=](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p)
      for (std::int64_t oy = 0; oy < oh; ++oy) {
        const float* top = x + p * h * w + 2 * oy * w;
        const std::int64_t out = (p * oh + oy) * ow;
        const std::int64_t in_room = planes * h * w - (p * h * w + (2 * oy + 1) * w), out_room = end * oh * ow - out;
        row_2x2(top, top + w, w, ow, 2 * oy * w, values + out, indices + out, in_room, out_room);
      }
  });
}

#else

bool has_max_pool_2x2() { return false; }
void max_pool_2x2(const float*, std::int64_t, std::int64_t, std::int64_t, float*, std::int64_t*) {}

#endif

}  // namespace xgrad::pool_kernels
