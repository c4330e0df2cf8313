// + - * / pow: forward kernels with broadcasting and promotion, each beside its backward.
// Backwards return gradients of the broadcast shape; the engine reduces them to each input's shape.
#include <cmath>

#include "kernels.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad {

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::binary_map("add", a, b, false, [](auto x, auto y) { return x + y; });
  if (should_record({&a, &b})) record("AddBackward", out, {&a, &b}, [](const Tensor& g) { return Grads{g, g}; });
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  if (a.dtype() == kBool && b.dtype() == kBool)  // as torch: bool - bool has no arithmetic meaning
    throw Error(fmt::format("sub: subtracting two bool tensors (shapes {} and {}) is not supported; use "
                            "logical_xor or logical_not for masks",
                            shape_str(a.shape()), shape_str(b.shape())));
  Tensor out = kernels::binary_map("sub", a, b, false, [](auto x, auto y) { return x - y; });
  if (should_record({&a, &b})) record("SubBackward", out, {&a, &b}, [](const Tensor& g) { return Grads{g, -g}; });
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::binary_map("mul", a, b, false, [](auto x, auto y) { return x * y; });
  if (should_record({&a, &b}))
    record("MulBackward", out, {&a, &b},
           [sa = save_if(a, b.requires_grad()), sb = save_if(b, a.requires_grad())](const Tensor& g) {
             return Grads{sb.defined() ? g * sb.get() : Tensor(), sa.defined() ? g * sa.get() : Tensor()};
           });
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::binary_map("div", a, b, true, [](auto x, auto y) { return x / y; });
  if (should_record({&a, &b}))
    record("DivBackward", out, {&a, &b},
           [sa = save_if(a, b.requires_grad()), sb = SavedTensor(b)](const Tensor& g) {
             const Tensor& y = sb.get();
             return Grads{g / y, sa.defined() ? -(g * sa.get()) / (y * y) : Tensor()};
           });
  return out;
}

Tensor neg(const Tensor& a) {
  if (a.dtype() == kBool)
    throw Error(fmt::format("neg: negation of a bool tensor (shape {}) is not supported; to invert a mask use "
                            "logical_not()",
                            shape_str(a.shape())));
  Tensor out = dense(a);
  out = dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor r = make_tensor(out.shape(), out.dtype());
    const T* x = contiguous_data<T>(out);
    T* y = contiguous_data<T>(r);
    for (std::int64_t i = 0, n_ = r.numel(); i < n_; ++i) y[i] = static_cast<T>(-x[i]);
    return r;
  });
  if (should_record({&a})) record("NegBackward", out, {&a}, [](const Tensor& g) { return Grads{-g}; });
  return out;
}

Tensor reciprocal(const Tensor& a) {
  Tensor out = kernels::map_floating(a, [](auto x) { return decltype(x)(1) / x; });
  if (should_record({&a}))
    record("ReciprocalBackward", out, {&a}, [sa = SavedTensor(a)](const Tensor& g) {
      const Tensor& x = sa.get();
      return Grads{-g / (x * x)};
    });
  return out;
}

// A double makes an integer or bool tensor float32 (map_floating), as torch's x + 2.0.
Tensor add(const Tensor& a, double s) {
  Tensor out = kernels::map_floating(a, [s](auto x) { return static_cast<decltype(x)>(x + static_cast<decltype(x)>(s)); });
  if (should_record({&a})) record("AddBackward", out, {&a}, [](const Tensor& g) { return Grads{g}; });
  return out;
}

Tensor mul(const Tensor& a, double s) {
  Tensor out = kernels::map_floating(a, [s](auto x) { return static_cast<decltype(x)>(x * static_cast<decltype(x)>(s)); });
  if (should_record({&a})) record("MulBackward", out, {&a}, [s](const Tensor& g) { return Grads{g * s}; });
  return out;
}

Tensor div(const Tensor& a, double s) {
  Tensor out = kernels::map_floating(a, [s](auto x) { return static_cast<decltype(x)>(x / static_cast<decltype(x)>(s)); });
  if (should_record({&a})) record("DivBackward", out, {&a}, [s](const Tensor& g) { return Grads{g / s}; });
  return out;
}

// An integral scalar is a 0-d int64 tensor, which raises neither an integer tensor's dtype (result_type)
// nor a floating one's; a bool tensor becomes int64, as torch's True + 1.
Tensor add(const Tensor& a, std::int64_t s) {
  return is_floating_point(a.dtype()) ? add(a, static_cast<double>(s)) : add(a, full({}, static_cast<double>(s), kInt64));
}
Tensor mul(const Tensor& a, std::int64_t s) {
  return is_floating_point(a.dtype()) ? mul(a, static_cast<double>(s)) : mul(a, full({}, static_cast<double>(s), kInt64));
}

Tensor pow(const Tensor& base, std::int64_t p) {
  if (is_floating_point(base.dtype())) return pow(base, static_cast<double>(p));
  if (p < 0)
    throw Error(fmt::format("pow: integers to negative integer powers are not allowed (a {} tensor of shape {} to "
                            "the power {}); use a floating exponent",
                            dtype_name(base.dtype()), shape_str(base.shape()), p));
  // by squaring, in unsigned arithmetic so that overflow wraps instead of being undefined
  return kernels::map_int64(base.to(kInt64), [p](std::int64_t v) {
    std::uint64_t result = 1, b = static_cast<std::uint64_t>(v);
    for (std::int64_t e = p; e > 0; e >>= 1, b *= b)
      if (e & 1) result *= b;
    return static_cast<std::int64_t>(result);
  });
}

Tensor pow(const Tensor& base, double p) {
  Tensor out = kernels::map_floating(base, [p](auto x) {
    using T = decltype(x);
    if (p == 2.0) return x * x;
    return static_cast<T>(std::pow(x, static_cast<T>(p)));
  });
  if (should_record({&base}))
    record("PowBackward", out, {&base}, [sb = SavedTensor(base), p](const Tensor& g) {
      if (p == 0.0) return Grads{zeros_like(g)};
      return Grads{g * p * pow(sb.get(), p - 1.0)};
    });
  return out;
}

Tensor square(const Tensor& a) { return pow(a, 2.0); }

Tensor pow(const Tensor& base, const Tensor& exponent) {
  Tensor out = kernels::binary_map("pow", base, exponent, true, [](auto x, auto y) { return std::pow(x, y); });
  if (should_record({&base, &exponent}))
    record("PowBackward", out, {&base, &exponent},
           [sb = SavedTensor(base), se = SavedTensor(exponent), need_exponent = exponent.requires_grad()](
               const Tensor& g) {
             const Tensor& x = sb.get();
             const Tensor& e = se.get();
             Tensor grad_exponent;
             if (need_exponent)  // d/de x^e = x^e·log x, taken as 0 where x == 0 and e >= 0 (torch's limit)
               grad_exponent = where(logical_and(eq(x, 0.0), ge(e, 0.0)), 0.0, g * pow(x, e) * log(x));
             // x^0 is constant: 0 where e == 0 (else 0·x^-1 is NaN at x = 0), as torch's
             return Grads{where(eq(e, 0.0), 0.0, g * e * pow(x, e - 1.0)), grad_exponent};
           });
  return out;
}

Tensor pow(double base, const Tensor& exponent) {
  return pow(full({}, base, kernels::floating_dtype(exponent.dtype())), exponent);
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(const Tensor& a, double b) { return add(a, -b); }
Tensor operator-(double a, const Tensor& b) { return add(neg(b), a); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator/(double a, const Tensor& b) { return mul(reciprocal(b), a); }

}  // namespace xgrad
