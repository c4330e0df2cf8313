// The unary family: elementwise math, activations, and a tensor with a scalar. One table row per
// rule: the node it records, its forward kernel, what the gradient reads, and the gradient in
// differentiable ops. A rule that reads the output gets it attached to its node under create_graph
// (SavedTensor::output), so second derivatives through y need no recomputation.
#include <algorithm>
#include <cmath>

#include "kernels.hpp"
#include "math_kernels.hpp"
#include "piecewise.hpp"
#include "rule_tables.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"

namespace xgrad {

namespace {

using kernels::MathFn;

// What the gradient of a unary rule reads besides g.
enum Reads : unsigned { kNothing = 0, kInput = 1, kOutput = 2 };

// One tensor slot: no rule reads both x and y (kept small: a node's size decides how fast the
// allocator serves it, which is most of an op's overhead).
struct UnarySaved {
  SavedTensor saved;    // x, or y (SavedTensor::output), as the row's `reads` says
  double a = 0, b = 0;  // the op's scalars: alpha, slope, beta and threshold, bounds, exponent, operand
  Tensor x() const { return saved.get(); }
  Tensor y() const { return saved.get(); }
};

struct UnaryRule {
  const char* node;
  Tensor (*forward)(const Tensor& x, double a, double b);  // the kernel, without recording
  unsigned reads;
  Tensor (*grad)(const Tensor& g, const UnarySaved& s);  // dL/dx

  Grads vjp(const Tensor& g, const UnarySaved& s, const Node&) const { return Grads{grad(g, s)}; }
};

// ---- forward kernels ----
template <MathFn F>
Tensor math(const Tensor& x, double, double) {
  return kernels::math(F, x);
}
// NaN stays NaN with slope 1 (torch's threshold cuts only x <= 0), so divergence stays visible.
Tensor relu_kernel(const Tensor& x, double, double) {
  return kernels::map_floating(x, [](auto v) { return v <= decltype(v)(0) ? decltype(v)(0) : v; });
}
Tensor elu_kernel(const Tensor& x, double alpha, double) {
  return kernels::map_floating(x, [alpha](auto v) {
    using T = decltype(v);
    return v > T(0) ? v : static_cast<T>(alpha * std::expm1(static_cast<double>(v)));
  });
}
Tensor leaky_relu_kernel(const Tensor& x, double slope, double) {
  return kernels::map_floating(x, [slope](auto v) {
    using T = decltype(v);
    return v > T(0) ? v : static_cast<T>(v * static_cast<T>(slope));
  });
}
Tensor gelu_kernel(const Tensor& x, double, double) {
  return kernels::map_floating(x, [](auto v) {
    using T = decltype(v);
    return static_cast<T>(0.5 * v * (1.0 + std::erf(v * M_SQRT1_2)));
  });
}
Tensor softplus_kernel(const Tensor& x, double beta, double threshold) {
  return kernels::map_floating(x, [beta, threshold](auto v) {
    using T = decltype(v);
    const double bv = beta * static_cast<double>(v);
    return bv > threshold ? v : static_cast<T>(kernels::log1p_exp(bv) / beta);
  });
}
// min(max(x, lo), hi), as torch: with lo > hi every element is hi
Tensor clamp_kernel(const Tensor& x, double lo, double hi) {
  return kernels::map_floating(x, [lo, hi](auto v) {
    using T = decltype(v);
    return std::isnan(v) ? v : std::min(std::max(v, static_cast<T>(lo)), static_cast<T>(hi));
  });
}
Tensor sign_kernel(const Tensor& x, double, double) {
  return kernels::map_floating(x, [](auto v) { return static_cast<decltype(v)>((v > 0) - (v < 0)); });
}
Tensor neg_kernel(const Tensor& x, double, double) {
  const Tensor in = dense(x);
  return dispatch(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor r = make_tensor(in.shape(), in.dtype());
    const T* src = contiguous_data<T>(in);
    T* dst = contiguous_data<T>(r);
    for (std::int64_t i = 0, n = r.numel(); i < n; ++i) dst[i] = static_cast<T>(-src[i]);
    return r;
  });
}
Tensor reciprocal_kernel(const Tensor& x, double, double) {
  return kernels::map_floating(x, [](auto v) { return decltype(v)(1) / v; });
}
// torch computes these exponents as the simpler functions, which differs from pow at -0 and -inf
// (rsqrt(-0) = -inf where pow(-0, -0.5) = inf; sqrt(-inf) is NaN where pow gives inf).
Tensor pow_scalar_kernel(const Tensor& x, double p, double) {
  return kernels::map_floating(x, [p](auto v) {
    using T = decltype(v);
    if (p == 2.0) return v * v;
    if (p == 3.0) return v * v * v;
    if (p == 0.5) return std::sqrt(v);
    if (p == -0.5) return T(1) / std::sqrt(v);
    if (p == -1.0) return T(1) / v;
    if (p == -2.0) return T(1) / (v * v);
    return static_cast<T>(std::pow(v, static_cast<T>(p)));
  });
}
// A double makes an integer or bool tensor float32 (map_floating), as torch's x + 2.0.
Tensor add_scalar_kernel(const Tensor& x, double s, double) {
  return kernels::map_floating(x, [s](auto v) { return static_cast<decltype(v)>(v + static_cast<decltype(v)>(s)); });
}
Tensor mul_scalar_kernel(const Tensor& x, double s, double) {
  return kernels::map_floating(x, [s](auto v) { return static_cast<decltype(v)>(v * static_cast<decltype(v)>(s)); });
}
Tensor div_scalar_kernel(const Tensor& x, double s, double) {
  return kernels::map_floating(x, [s](auto v) { return static_cast<decltype(v)>(v / static_cast<decltype(v)>(s)); });
}

// ---- the backwards of the piecewise-linear ops: fused selections whose own derivative is recorded
// (zeros for x, the same map for g) so second derivatives of ReLU networks are zeros, not errors ----
Tensor relu_backward(const Tensor& g, const SavedTensor& x);
Tensor leaky_relu_backward(const Tensor& g, const SavedTensor& x, double slope);
Tensor abs_backward(const Tensor& g, const SavedTensor& x);

using G = const Tensor&;
using S = const UnarySaved&;

// clang-format off
constexpr UnaryRule kUnaryRules[] = {
  // node                  forward                  reads    dL/dx
  {"ExpBackward0",        math<MathFn::Exp>,       kOutput, [](G g, S s) { return g * s.y(); }},
  {"LogBackward0",        math<MathFn::Log>,       kInput,  [](G g, S s) { return g / s.x(); }},
  {"Log1pBackward0",      math<MathFn::Log1p>,     kInput,  [](G g, S s) { return g / (s.x() + 1.0); }},
  {"SqrtBackward0",       math<MathFn::Sqrt>,      kOutput, [](G g, S s) { return g / (2.0 * s.y()); }},
  {"RsqrtBackward0",      math<MathFn::Rsqrt>,     kOutput, [](G g, S s) { return -0.5 * g * pow(s.y(), 3.0); }},
  {"AbsBackward0",        math<MathFn::Abs>,       kInput,  [](G g, S s) { return abs_backward(g, s.saved); }},
  {"SinBackward0",        math<MathFn::Sin>,       kInput,  [](G g, S s) { return g * cos(s.x()); }},
  {"CosBackward0",        math<MathFn::Cos>,       kInput,  [](G g, S s) { return -(g * sin(s.x())); }},
  {"TanhBackward0",       math<MathFn::Tanh>,      kOutput, [](G g, S s) { return g * (1.0 - s.y() * s.y()); }},
  {"SigmoidBackward0",    math<MathFn::Sigmoid>,   kOutput, [](G g, S s) { return g * s.y() * (1.0 - s.y()); }},
  {"ErfBackward0",        math<MathFn::Erf>,       kInput,  [](G g, S s) { return g * M_2_SQRTPI * exp(-(s.x() * s.x())); }},
  {"NegBackward0",        neg_kernel,              kNothing, [](G g, S) { return -g; }},
  {"ReciprocalBackward0", reciprocal_kernel,       kOutput, [](G g, S s) { return -(g * s.y() * s.y()); }},
  {"ReluBackward0",       relu_kernel,             kInput,  [](G g, S s) { return relu_backward(g, s.saved); }},
  {"LeakyReluBackward0",  leaky_relu_kernel,       kInput,  [](G g, S s) { return leaky_relu_backward(g, s.saved, s.a); }},
  // exp of x only where x < 0 (or NaN): the branch not taken stays finite at +inf, and its x-derivative
  // is 0 at x = 0, as torch's second derivative
  {"EluBackward0",        elu_kernel,              kInput,  [](G g, S s) { return where(gt(s.x(), 0.0), g, g * s.a * exp(where(ge(s.x(), 0.0), 0.0, s.x()))); }},
  {"GeluBackward0",       gelu_kernel,             kInput,  [](G g, S s) {
      const Tensor x = s.x();  // Φ(x) + x·φ(x)
      return g * (0.5 * (1.0 + erf(x * M_SQRT1_2)) + x * exp(-0.5 * x * x) * (0.5 * M_2_SQRTPI * M_SQRT1_2)); }},
  // σ(βx), held constant from βx = threshold on (torch's second derivative is 0 there)
  {"SoftplusBackward0",   softplus_kernel,         kInput,  [](G g, S s) { const Tensor bx = s.x() * s.a;
                                                                          return where(gt(bx, s.b), g, g * sigmoid(where(ge(bx, s.b), s.b, bx))); }},
  {"ClampBackward1",      clamp_kernel,            kInput,  [](G g, S s) { return where(logical_and(ge(s.x(), s.a), le(s.x(), s.b)), g, 0.0); }},
  // x^0 is constant: 0, not 0·x^-1 (NaN at x = 0)
  {"PowBackward0",        pow_scalar_kernel,       kInput,  [](G g, S s) { return s.a == 0.0 ? zeros_like(g) : g * (s.a * pow(s.x(), s.a - 1.0)); }},
  {"AddBackward1",        add_scalar_kernel,       kNothing, [](G g, S) { return g; }},
  {"MulBackward1",        mul_scalar_kernel,       kNothing, [](G g, S s) { return g * s.a; }},
  {"DivBackward1",        div_scalar_kernel,       kNothing, [](G g, S s) { return g / s.a; }},
  {"SignBackward0",       sign_kernel,             kNothing, [](G g, S) { return zeros_like(g); }},
};

// The backwards above as ops of (g, x): the gradient for g is the same map, x gets zeros.
constexpr Rule<UnarySaved> kPiecewiseRules[] = {
  {"ReluBackwardBackward0",      [](G gg, S s) { return Grads{relu_backward(gg, s.saved), zeros_like(s.x())}; }},
  {"LeakyReluBackwardBackward0", [](G gg, S s) { return Grads{leaky_relu_backward(gg, s.saved, s.a), zeros_like(s.x())}; }},
  {"AbsBackwardBackward0",       [](G gg, S s) { return Grads{abs_backward(gg, s.saved), zeros_like(s.x())}; }},
};
// clang-format on
static_assert(node_names_unique(kUnaryRules) && node_names_unique(kPiecewiseRules));
static_assert(std::ranges::none_of(kUnaryRules, [](const UnaryRule& r) { return r.reads == (kInput | kOutput); }),
              "UnarySaved has one slot: a rule reads x or y, not both");

// Runs one of the backwards above: map(g, x) is its kernel.
template <class Map>
Tensor piecewise(const Rule<UnarySaved>& row, const Tensor& g, const SavedTensor& x, double slope, Map map) {
  const Tensor xt = x.get();
  Tensor out = map(g, xt);
  if (should_record({&g, &xt})) record(row, out, {&g, &xt}, UnarySaved{x, slope});
  return out;
}
// The kernel f(g, x) of one value, over the tensors.
template <class F>
auto pointwise(F f) {
  return [f](const Tensor& g, const Tensor& x) { return detail::piecewise_linear_map(g, x, f); };
}
Tensor relu_backward(const Tensor& g, const SavedTensor& x) {
  return piecewise(rule_for(kPiecewiseRules, "ReluBackwardBackward0"), g, x, 0.0, detail::relu_backward_map);
}
Tensor leaky_relu_backward(const Tensor& g, const SavedTensor& x, double slope) {
  // NaN takes the negative slope, as torch's x > 0 test
  return piecewise(rule_for(kPiecewiseRules, "LeakyReluBackwardBackward0"), g, x, slope, pointwise([slope](auto gv, auto v) {
    using T = decltype(v);
    return v > T(0) ? gv : static_cast<T>(gv * static_cast<T>(slope));
  }));
}
Tensor abs_backward(const Tensor& g, const SavedTensor& x) {
  // g·sign(x), with sign(NaN) = 0 as torch's
  return piecewise(rule_for(kPiecewiseRules, "AbsBackwardBackward0"), g, x, 0.0, pointwise([](auto gv, auto v) {
    using T = decltype(v);
    return gv * static_cast<T>((v > T(0)) - (v < T(0)));
  }));
}

// Runs a row: the kernel, then (when recording) the node with what its gradient reads.
// Inlined into each op, so the row is a constant there and its kernel a direct call.
[[gnu::always_inline]] inline Tensor apply(const UnaryRule& row, const Tensor& x, double a = 0, double b = 0) {
  Tensor y = row.forward(x, a, b);
  if (should_record({&x}))
    record(row, y, {&x},
           UnarySaved{row.reads == kInput ? SavedTensor(x) : row.reads == kOutput ? SavedTensor::output(y) : SavedTensor(), a, b});
  return y;
}


}  // namespace

void append_unary_rule_names(std::vector<std::string>& names) {
  append_rule_names(kUnaryRules, names);
  append_rule_names(kPiecewiseRules, names);
}

Tensor exp(const Tensor& x) { return apply(rule_for(kUnaryRules, "ExpBackward0"), x); }
Tensor log(const Tensor& x) { return apply(rule_for(kUnaryRules, "LogBackward0"), x); }
Tensor log1p(const Tensor& x) { return apply(rule_for(kUnaryRules, "Log1pBackward0"), x); }
Tensor sqrt(const Tensor& x) { return apply(rule_for(kUnaryRules, "SqrtBackward0"), x); }
Tensor rsqrt(const Tensor& x) { return apply(rule_for(kUnaryRules, "RsqrtBackward0"), x); }
Tensor sin(const Tensor& x) { return apply(rule_for(kUnaryRules, "SinBackward0"), x); }
Tensor cos(const Tensor& x) { return apply(rule_for(kUnaryRules, "CosBackward0"), x); }
Tensor tanh(const Tensor& x) { return apply(rule_for(kUnaryRules, "TanhBackward0"), x); }
Tensor sigmoid(const Tensor& x) { return apply(rule_for(kUnaryRules, "SigmoidBackward0"), x); }
Tensor erf(const Tensor& x) { return apply(rule_for(kUnaryRules, "ErfBackward0"), x); }
Tensor reciprocal(const Tensor& x) { return apply(rule_for(kUnaryRules, "ReciprocalBackward0"), x); }

Tensor abs(const Tensor& x) {
  if (x.dtype() == kBool)  // torch has no abs for bool either
    throw Error(fmt::format("abs: not implemented for bool tensors (shape {})", shape_str(x.shape())));
  if (x.dtype() == kInt64)  // stays int64, as torch (integers never require grad)
    return kernels::map_int64(x, [](std::int64_t v) { return v < 0 ? -v : v; });
  return apply(rule_for(kUnaryRules, "AbsBackward0"), x);
}

Tensor neg(const Tensor& x) {
  if (x.dtype() == kBool)
    throw Error(fmt::format("neg: negation of a bool tensor (shape {}) is not supported; to invert a mask use "
                            "logical_not()",
                            shape_str(x.shape())));
  return apply(rule_for(kUnaryRules, "NegBackward0"), x);
}

Tensor relu(const Tensor& x) {
  if (x.dtype() == kBool)
    throw Error(fmt::format("relu: bool inputs are not supported (shape {}), as in torch", shape_str(x.shape())));
  if (x.dtype() == kInt64)  // stays int64, as torch
    return kernels::map_int64(x, [](std::int64_t v) { return v < 0 ? std::int64_t(0) : v; });
  return apply(rule_for(kUnaryRules, "ReluBackward0"), x);
}
// torch has no integer kernels for these activations either
void require_floating(const char* op, const Tensor& x) {
  if (!x.is_floating_point())
    throw Error(fmt::format("{}: not implemented for {} tensors (shape {}), as in torch; convert with .to(xgrad::kFloat32)",
                            op, dtype_name(x.dtype()), shape_str(x.shape())));
}

Tensor elu(const Tensor& x, double alpha) {
  require_floating("elu", x);
  return apply(rule_for(kUnaryRules, "EluBackward0"), x, alpha);
}
Tensor leaky_relu(const Tensor& x, double slope) { return apply(rule_for(kUnaryRules, "LeakyReluBackward0"), x, slope); }
Tensor gelu(const Tensor& x) {
  require_floating("gelu", x);
  return apply(rule_for(kUnaryRules, "GeluBackward0"), x);
}
Tensor softplus(const Tensor& x, double beta, double threshold) {
  require_floating("softplus", x);
  return apply(rule_for(kUnaryRules, "SoftplusBackward0"), x, beta, threshold);
}

Tensor clamp(const Tensor& x, double lo, double hi) { return apply(rule_for(kUnaryRules, "ClampBackward1"), x, lo, hi); }
Tensor clamp_min(const Tensor& x, double lo) { return clamp(x, lo, INFINITY); }
Tensor clamp_max(const Tensor& x, double hi) { return clamp(x, -INFINITY, hi); }

Tensor pow(const Tensor& base, double p) { return apply(rule_for(kUnaryRules, "PowBackward0"), base, p); }
// an integer or bool tensor squares to int64, as torch's
Tensor square(const Tensor& a) { return a.is_floating_point() ? pow(a, 2.0) : pow(a, std::int64_t{2}); }
Tensor add(const Tensor& a, double s) { return apply(rule_for(kUnaryRules, "AddBackward1"), a, s); }
Tensor mul(const Tensor& a, double s) { return apply(rule_for(kUnaryRules, "MulBackward1"), a, s); }
Tensor div(const Tensor& a, double s) { return apply(rule_for(kUnaryRules, "DivBackward1"), a, s); }

// A bool stays bool and an integer stays integer, as torch's; floating signs record a zero gradient.
Tensor sign(const Tensor& x) {
  if (x.dtype() == kBool) return x.clone();
  if (x.dtype() == kInt64) return kernels::map_int64(x, [](std::int64_t v) { return std::int64_t((v > 0) - (v < 0)); });
  return apply(rule_for(kUnaryRules, "SignBackward0"), x);
}

}  // namespace xgrad
