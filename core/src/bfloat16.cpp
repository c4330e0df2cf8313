// The bit-level conversions, written on integers so the loops vectorize (the BFloat16 constructor
// rounds the same way, one value at a time).
#include "xgrad/detail/bfloat16.hpp"

#include <cstring>

#include "xgrad/detail/parallel.hpp"

namespace xgrad::detail {

void float_to_bfloat16(const float* src, BFloat16* dst, std::int64_t n) {
  static_assert(sizeof(BFloat16) == 2);
  parallel_for(0, n, kElementwiseGrain, [&](std::int64_t begin, std::int64_t end) {
    const auto* __restrict in = reinterpret_cast<const std::uint32_t*>(src);
    auto* __restrict out = reinterpret_cast<std::uint16_t*>(dst);
    for (std::int64_t i = begin; i < end; ++i) {
      const std::uint32_t u = in[i];
      const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
      const std::uint32_t rounded = u + 0x7fffu + ((u >> 16) & 1u);
      out[i] = static_cast<std::uint16_t>(nan ? (u >> 16) | 0x40u : rounded >> 16);
    }
  });
}

void bfloat16_to_float(const BFloat16* src, float* dst, std::int64_t n) {
  parallel_for(0, n, kElementwiseGrain, [&](std::int64_t begin, std::int64_t end) {
    const auto* __restrict in = reinterpret_cast<const std::uint16_t*>(src);
    auto* __restrict out = reinterpret_cast<std::uint32_t*>(dst);
    for (std::int64_t i = begin; i < end; ++i) out[i] = static_cast<std::uint32_t>(in[i]) << 16;
  });
}

}  // namespace xgrad::detail
