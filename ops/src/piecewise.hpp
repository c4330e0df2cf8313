// The backward kernels of ops whose derivative is piecewise constant in x (relu, leaky_relu, abs).
#pragma once
#include <algorithm>
#include <bit>
#include <cstdint>
#include <type_traits>

#include "kernels.hpp"
#include "xgrad/factories.hpp"

namespace xgrad::detail {

// Runs run(g, x, out, begin, end) over [0, numel) split across the pool, with g and x as dense
// arrays of g's floating dtype and out a fresh tensor of g's shape.
template <class Run>
Tensor map_gradient_and_input(const Tensor& g_in, const Tensor& x, Run run) {
  const Tensor g = g_in.contiguous();
  const Tensor xv = kernels::cast_raw(x.detach(), g.dtype()).contiguous();
  Tensor out = make_tensor(g.shape(), g.dtype());
  dispatch(g.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* __restrict gp = contiguous_data<T>(g);
      const T* __restrict xp = contiguous_data<T>(xv);
      T* __restrict o = contiguous_data<T>(out);
      parallel_for(0, out.numel(), kElementwiseGrain,
                   [&](std::int64_t begin, std::int64_t end) { run(gp, xp, o, begin, end); });
    }
  });
  return out;
}

// f(g, x) elementwise, where f is linear in g with a slope that depends only on x's piece: one fused
// pass, written as a selection where torch selects, so NaN and infinite g end where torch's do. The
// unary family records it (LeakyReluBackwardBackward0, ...), so its own derivative is a graph too.
template <class F>
Tensor piecewise_linear_map(const Tensor& g, const Tensor& x, F f) {
  return map_gradient_and_input(g, x, [&](const auto* __restrict gp, const auto* __restrict xp, auto* __restrict o,
                                          std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) o[i] = f(gp[i], xp[i]);
  });
}

// relu's backward: g where x > 0 or x is NaN, else 0 (0 even where g is NaN, as torch). Not
// piecewise_linear_map: GCC vectorizes `x <= 0 ? 0 : g` into a masked load of g, which AMD Zen 5 runs
// 20-25% slower than a whole load cleared by a mask. So each block of x's tests is written to a small
// buffer first, and g's bits are ANDed with it: there is no select left to turn into a masked load.
inline Tensor relu_backward_map(const Tensor& g, const Tensor& x) {
  return map_gradient_and_input(g, x, [](const auto* __restrict gp, const auto* __restrict xp, auto* __restrict o,
                                         std::int64_t begin, std::int64_t end) {
    using T = std::remove_cvref_t<decltype(*gp)>;
    using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    constexpr std::int64_t kBlock = 1024;  // 4-8 KiB of masks: they stay in L1
    Bits keep[kBlock];
    for (std::int64_t start = begin; start < end; start += kBlock) {
      const std::int64_t n = std::min(kBlock, end - start);
      for (std::int64_t k = 0; k < n; ++k) keep[k] = xp[start + k] <= T(0) ? Bits(0) : ~Bits(0);
      for (std::int64_t k = 0; k < n; ++k) o[start + k] = std::bit_cast<T>(std::bit_cast<Bits>(gp[start + k]) & keep[k]);
    }
  });
}

}  // namespace xgrad::detail
