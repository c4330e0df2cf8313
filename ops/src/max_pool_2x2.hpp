// max_pool2d's most common geometry as one kernel: 2x2 windows, stride 2, no padding or dilation,
// float32. It finds each window's maximum and its flat H·W index together, where the general search
// in pool.cpp finds only the index and a gather then reads the value.
#pragma once
#include <cstdint>

namespace xgrad::pool_kernels {

// Whether this build has the kernel (it is written for AVX-512; other builds use the general search).
bool has_max_pool_2x2();

// Over `planes` planes of h x w floats at x: values[p, oy, ox] and indices[p, oy, ox] of the window
// at rows 2·oy, 2·oy + 1 and columns 2·ox, 2·ox + 1, for oy < h / 2, ox < w / 2. The taps are taken
// in row-major order, a later one winning when greater or NaN: the first maximum, or the last NaN,
// as torch. Requires h·w < 2^31.
void max_pool_2x2(const float* x, std::int64_t planes, std::int64_t h, std::int64_t w, float* values,
                  std::int64_t* indices);

}  // namespace xgrad::pool_kernels
