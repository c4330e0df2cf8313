// Softmax and log-softmax along a dimension: fused, max-shifted kernels (stable for logits of
// ±1000) whose backwards are written in differentiable ops.
//   softmax:     dx = y·(g − Σ g·y)
//   log_softmax: dx = g − softmax(x)·Σ g
#include <cmath>

#include "kernels.hpp"
#include "math_kernels.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/softmax.hpp"

namespace xgrad {

namespace {

Tensor softmax_kernel(const char* op, const Tensor& x_in, std::int64_t dim, bool log_space) {
  const Tensor x = kernels::cast_raw(x_in, kernels::floating_dtype(x_in.dtype()));
  const auto d = wrap_dim(op, dim, x.dim());
  const kernels::AxisSplit s = kernels::split_at(x.dim() == 0 ? Shape{1} : x.shape(), d);
  Tensor out = make_tensor(x.shape(), x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* in = contiguous_data<T>(x);
      T* o = contiguous_data<T>(out);
      if (s.inner == 1 && s.size > 0) {  // the common case: softmax along contiguous rows
        kernels::softmax_rows(in, o, s.outer, s.size, log_space);
        return;
      }
      for (std::int64_t a = 0; a < s.outer; ++a)
        for (std::int64_t i = 0; i < s.inner; ++i) {
          const T* row = in + a * s.size * s.inner + i;
          T* dst = o + a * s.size * s.inner + i;
          T m = -INFINITY;
          for (std::int64_t k = 0; k < s.size; ++k) m = std::max(m, row[k * s.inner]);
          if (std::isinf(m) && m < 0) m = 0;  // every entry -inf: keep the shift finite
          T total = 0;
          for (std::int64_t k = 0; k < s.size; ++k) {
            const T e = std::exp(row[k * s.inner] - m);
            total += e;
            if (!log_space) dst[k * s.inner] = e;
          }
          if (log_space) {
            const T log_total = std::log(total);  // (x - m) - log Σ keeps large logits' digits
            for (std::int64_t k = 0; k < s.size; ++k) dst[k * s.inner] = (row[k * s.inner] - m) - log_total;
          } else {
            const T inv = T(1) / total;
            for (std::int64_t k = 0; k < s.size; ++k) dst[k * s.inner] *= inv;
          }
        }
    }
  });
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) {
  Tensor y = softmax_kernel("softmax", x, dim, false);
  if (should_record({&x}))
    record("SoftmaxBackward", y, {&x}, [sx = SavedTensor(x), sy = SavedTensor(y.detach()), dim](const Tensor& g) {
      const Tensor s = GradModeFast::enabled() ? softmax(sx.get(), dim) : sy.get();
      const Tensor gs = g * s;
      return Grads{gs - s * sum(gs, {dim}, true)};
    });
  return y;
}

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  Tensor y = softmax_kernel("log_softmax", x, dim, true);
  if (should_record({&x}))
    record("LogSoftmaxBackward", y, {&x}, [sx = SavedTensor(x), sy = SavedTensor(y.detach()), dim](const Tensor& g) {
      const Tensor p = GradModeFast::enabled() ? softmax(sx.get(), dim) : exp(sy.get());
      return Grads{g - p * sum(g, {dim}, true)};
    });
  return y;
}

}  // namespace xgrad
