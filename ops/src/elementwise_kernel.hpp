// A raw loop for the fused losses' elementwise forwards: out[i] = f(a[i], b[i], ...) over same-shape,
// same-dtype floating tensors. Nothing here records; the fused op records its own backward.
#pragma once
#include <tuple>
#include <type_traits>

#include "xgrad/factories.hpp"
#include "xgrad/visit_dtype.hpp"

namespace xgrad::kernels {

template <class F, class... Inputs>
Tensor map_elementwise(const Tensor& first_in, F f, const Inputs&... rest_in) {
  // The loop reads dense buffers: strided views are copied first (detached: nothing to record).
  const Tensor first = first_in.detach().contiguous();
  const auto rest = std::make_tuple(rest_in.detach().contiguous()...);
  Tensor out = empty(first.shape(), first.dtype());
  visit_dtype(first.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* a = first.data_ptr<T>();
      const auto pointers =
          std::apply([](const auto&... r) { return std::make_tuple(r.template data_ptr<T>()...); }, rest);
      T* o = out.data_ptr<T>();
      for (std::int64_t i = 0, n_ = out.numel(); i < n_; ++i)
        o[i] = std::apply([&](const auto*... others) { return static_cast<T>(f(a[i], others[i]...)); }, pointers);
    }
  });
  return out;
}

}  // namespace xgrad::kernels
