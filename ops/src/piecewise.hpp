// The backward of an op whose derivative is piecewise constant in x (relu, leaky_relu, abs).
#pragma once
#include "kernels.hpp"
#include "xgrad/factories.hpp"

namespace xgrad::detail {

// f(g, x) elementwise, where f is linear in g with a slope that depends only on x's piece: one fused
// pass, written as a selection where torch selects (relu's g at x <= 0 is 0 even if g is NaN).
// When recorded (create_graph) x is an input with a zero gradient, so a second derivative through it
// gives zeros, as torch's, rather than "input was not used"; the gradient for g is the same map.
template <class F>
Tensor piecewise_linear_backward(const char* name, const Tensor& g_in, const SavedTensor& x, F f) {
  const Tensor& xt = x.get();
  const Tensor g = g_in.contiguous();
  const Tensor xv = kernels::cast_raw(xt.detach(), g.dtype()).contiguous();
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
  if (should_record({&g_in, &xt}))
    record(name, out, {&g_in, &xt}, [name, x, f](const Tensor& gg) {
      return Grads{piecewise_linear_backward(name, gg, x, f), zeros_like(x.get())};
    });
  return out;
}

}  // namespace xgrad::detail
