// Bulk conversions between float32 and bfloat16 (round to nearest even), threaded over the pool.
#pragma once
#include <cstdint>

#include "xgrad/dtype.hpp"

namespace xgrad::detail {

void float_to_bfloat16(const float* src, BFloat16* dst, std::int64_t n);
void bfloat16_to_float(const BFloat16* src, float* dst, std::int64_t n);

}  // namespace xgrad::detail
