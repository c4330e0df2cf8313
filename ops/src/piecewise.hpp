// The backward kernel of an op whose derivative is piecewise constant in x (relu, leaky_relu, abs).
#pragma once
#include "kernels.hpp"
#include "xgrad/factories.hpp"

namespace xgrad::detail {

// f(g, x) elementwise, where f is linear in g with a slope that depends only on x's piece: one fused
// pass, written as a selection where torch selects (relu's g at x <= 0 is 0 even if g is NaN). The
// unary family records it (ReluBackwardBackward0, ...), so its own derivative is a graph too.
template <class F>
Tensor piecewise_linear_map(const Tensor& g_in, const Tensor& x, F f) {
  const Tensor g = g_in.contiguous();
  const Tensor xv = kernels::cast_raw(x.detach(), g.dtype()).contiguous();
  Tensor out = make_tensor(g.shape(), g.dtype());
  dispatch(g.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* __restrict gp = contiguous_data<T>(g);
      const T* __restrict xp = contiguous_data<T>(xv);
      T* __restrict o = contiguous_data<T>(out);
      parallel_for(0, out.numel(), kElementwiseGrain, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) o[i] = f(gp[i], xp[i]);
      });
    }
  });
  return out;
}

}  // namespace xgrad::detail
