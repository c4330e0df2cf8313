// Activations and selections: forward kernels beside their backwards (in differentiable ops).
#include <cmath>

#include "kernels.hpp"
#include "piecewise.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/broadcast.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad {

namespace {

Tensor scalar(double v, const Tensor& like) { return full({}, v, kernels::floating_dtype(like.dtype())); }

}  // namespace

Tensor relu(const Tensor& x) {
  if (x.dtype() == kBool)
    throw Error(fmt::format("relu: bool inputs are not supported (shape {}), as in torch", shape_str(x.shape())));
  if (x.dtype() == kInt64)  // stays int64, as torch (integers never require grad)
    return kernels::map_int64(x, [](std::int64_t v) { return v < 0 ? std::int64_t(0) : v; });
  // NaN stays NaN with slope 1 (torch's threshold: only x <= 0 is cut), so divergence stays visible.
  Tensor y = kernels::map_floating(x, [](auto v) { return v <= decltype(v)(0) ? decltype(v)(0) : v; });
  if (should_record({&x}))
    record("ReluBackward", y, {&x}, [sx = SavedTensor(x)](const Tensor& g) {
      return Grads{detail::piecewise_linear_backward("ReluBackwardBackward", g, sx, [](auto gv, auto v) {
        return v <= decltype(v)(0) ? decltype(v)(0) : gv;
      })};
    });
  return y;
}

Tensor elu(const Tensor& x, double alpha) {
  Tensor y = kernels::map_floating(x, [alpha](auto v) {
    using T = decltype(v);
    return v > T(0) ? v : static_cast<T>(alpha * std::expm1(static_cast<double>(v)));
  });
  if (should_record({&x}))
    record("EluBackward", y, {&x}, [sx = SavedTensor(x), alpha](const Tensor& g) {
      const Tensor& v = sx.get();
      return Grads{where(gt(v, 0.0), g, g * alpha * exp(v))};
    });
  return y;
}

Tensor leaky_relu(const Tensor& x, double slope) {
  Tensor y = kernels::map_floating(x, [slope](auto v) {
    using T = decltype(v);
    return v > T(0) ? v : static_cast<T>(v * static_cast<T>(slope));
  });
  if (should_record({&x}))
    record("LeakyReluBackward", y, {&x}, [sx = SavedTensor(x), slope](const Tensor& g) {
      // NaN takes the negative slope, as torch's x > 0 test
      return Grads{detail::piecewise_linear_backward("LeakyReluBackwardBackward", g, sx, [slope](auto gv, auto v) {
        using T = decltype(v);
        return v > T(0) ? gv : static_cast<T>(gv * static_cast<T>(slope));
      })};
    });
  return y;
}

Tensor gelu(const Tensor& x) {
  Tensor y = kernels::map_floating(x, [](auto v) {
    using T = decltype(v);
    return static_cast<T>(0.5 * v * (1.0 + std::erf(v * M_SQRT1_2)));
  });
  if (should_record({&x}))
    record("GeluBackward", y, {&x}, [sx = SavedTensor(x)](const Tensor& g) {
      const Tensor& v = sx.get();
      const Tensor cdf = 0.5 * (1.0 + erf(v * M_SQRT1_2));
      const Tensor pdf = exp(-0.5 * v * v) * (0.5 * M_2_SQRTPI * M_SQRT1_2);
      return Grads{g * (cdf + v * pdf)};
    });
  return y;
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  Tensor y = kernels::map_floating(x, [beta, threshold](auto v) {
    using T = decltype(v);
    const double bv = beta * static_cast<double>(v);
    return bv > threshold ? v : static_cast<T>(std::log1p(std::exp(bv)) / beta);
  });
  if (should_record({&x}))
    record("SoftplusBackward", y, {&x}, [sx = SavedTensor(x), beta, threshold](const Tensor& g) {
      const Tensor& v = sx.get();
      return Grads{where(gt(v * beta, threshold), g, g * sigmoid(v * beta))};
    });
  return y;
}

Tensor clamp(const Tensor& x, double lo, double hi) {
  if (lo > hi) throw Error(fmt::format("clamp: min {} is greater than max {}", lo, hi));
  Tensor y = kernels::map_floating(x, [lo, hi](auto v) {
    using T = decltype(v);
    return std::isnan(v) ? v : std::min(std::max(v, static_cast<T>(lo)), static_cast<T>(hi));
  });
  if (should_record({&x}))
    record("ClampBackward", y, {&x}, [sx = SavedTensor(x), lo, hi](const Tensor& g) {
      const Tensor& v = sx.get();
      return Grads{where(logical_and(ge(v, lo), le(v, hi)), g, 0.0)};
    });
  return y;
}
Tensor clamp_min(const Tensor& x, double lo) { return clamp(x, lo, INFINITY); }
Tensor clamp_max(const Tensor& x, double hi) { return clamp(x, -INFINITY, hi); }

namespace {
// maximum/minimum backward: the gradient goes to the winner, split evenly on ties (as torch). An
// operand is cut only where it strictly loses, so with a NaN (no order) both operands get the gradient,
// as torch's.
Grads select_backward(const Tensor& g, const Tensor& a, const Tensor& b, bool take_max) {
  const Tensor a_loses = take_max ? lt(a, b) : gt(a, b);
  const Tensor b_loses = take_max ? gt(a, b) : lt(a, b);
  const Tensor tie = eq(a, b);
  const Tensor half = g * 0.5;
  return Grads{where(a_loses, 0.0, where(tie, half, g)), where(b_loses, 0.0, where(tie, half, g))};
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::binary_map("maximum", a, b, false,
                                   [](auto x, auto y) { return (x != x || x > y) ? x : y; });
  if (should_record({&a, &b}))
    record("MaximumBackward", out, {&a, &b}, [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g) {
      return select_backward(g, sa.get(), sb.get(), true);
    });
  return out;
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::binary_map("minimum", a, b, false,
                                   [](auto x, auto y) { return (x != x || x < y) ? x : y; });
  if (should_record({&a, &b}))
    record("MinimumBackward", out, {&a, &b}, [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g) {
      return select_backward(g, sa.get(), sb.get(), false);
    });
  return out;
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  if (condition.dtype() != kBool)
    throw Error(fmt::format("where: condition must be a bool tensor, got {}", dtype_name(condition.dtype())));
  const Shape shape = broadcast_shapes("where", broadcast_shapes("where", condition.shape(), a.shape()), b.shape());
  const Dtype dtype = kernels::result_type(a, b);
  Tensor c, x, y;
  {
    NoGradGuard no_grad;
    c = dense(expand(condition, shape));
    x = dense(expand(kernels::cast_raw(a, dtype), shape));
    y = dense(expand(kernels::cast_raw(b, dtype), shape));
  }
  Tensor out = make_tensor(shape, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    const bool* cp = contiguous_data<bool>(c);
    const T* xp = contiguous_data<T>(x);
    const T* yp = contiguous_data<T>(y);
    T* o = contiguous_data<T>(out);
    for (std::int64_t i = 0, n_ = out.numel(); i < n_; ++i) o[i] = cp[i] ? xp[i] : yp[i];
  });
  if (should_record({&a, &b}))
    record("WhereBackward", out, {&a, &b}, [sc = SavedTensor(condition)](const Tensor& g) {
      const Tensor& cond = sc.get();
      return Grads{where(cond, g, 0.0), where(cond, 0.0, g)};
    });
  return out;
}

Tensor where(const Tensor& condition, const Tensor& a, double b) { return where(condition, a, scalar(b, a)); }
Tensor where(const Tensor& condition, double a, const Tensor& b) { return where(condition, scalar(a, b), b); }

}  // namespace xgrad
