// Activations and selections: forward kernels beside their backwards (in differentiable ops).
#include <cmath>

#include "kernels.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/broadcast.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad {

namespace {

// g where x > 0, else 0: relu's backward in one pass. Linear in g, so its own backward is itself
// with the same x (which is why it is a recorded op: create_graph goes through it).
Tensor relu_backward(const Tensor& g, const SavedTensor& saved_x) {
  const Tensor& x = saved_x.get();
  Tensor out = make_tensor(g.shape(), g.dtype());
  dispatch(g.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* __restrict gp = g.data_ptr<T>();
      const T* __restrict xp = x.data_ptr<T>();
      T* __restrict o = out.data_ptr<T>();
      parallel_for(0, out.numel(), detail::kElementwiseGrain, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) o[i] = xp[i] > T(0) ? gp[i] : T(0);
      });
    }
  });
  if (should_record({&g}))
    record("ReluBackwardBackward", out, {&g}, [saved_x](const Tensor& gg) { return Grads{relu_backward(gg, saved_x)}; });
  return out;
}

Tensor scalar(double v, const Tensor& like) { return full({}, v, kernels::floating_dtype(like.dtype())); }

}  // namespace

Tensor relu(const Tensor& x) {
  Tensor y = kernels::map_floating(x, [](auto v) { return v > decltype(v)(0) ? v : decltype(v)(0); });
  if (should_record({&x}))
    record("ReluBackward", y, {&x}, [sx = SavedTensor(x)](const Tensor& g) { return Grads{relu_backward(g, sx)}; });
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
      return Grads{where(gt(sx.get(), 0.0), g, g * slope)};
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
// maximum/minimum backward: the gradient goes to the winner, split evenly on ties (as torch).
Grads select_backward(const Tensor& g, const Tensor& a, const Tensor& b, bool take_max) {
  const Tensor a_wins = take_max ? gt(a, b) : lt(a, b);
  const Tensor b_wins = take_max ? gt(b, a) : lt(b, a);
  const Tensor tie = eq(a, b);
  const Tensor half = g * 0.5;
  return Grads{where(a_wins, g, where(tie, half, 0.0)), where(b_wins, g, where(tie, half, 0.0))};
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
  const Dtype dtype = promote_types(a.dtype(), b.dtype());
  Tensor c, x, y;
  {
    NoGradGuard no_grad;
    c = expand(condition, shape);
    x = expand(kernels::cast_raw(a, dtype), shape);
    y = expand(kernels::cast_raw(b, dtype), shape);
  }
  Tensor out = make_tensor(shape, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    const bool* cp = c.data_ptr<bool>();
    const T* xp = x.data_ptr<T>();
    const T* yp = y.data_ptr<T>();
    T* o = out.data_ptr<T>();
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
