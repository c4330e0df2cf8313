// The binary family: + - * / pow, maximum, minimum and where, with broadcasting and torch's type
// promotion. One table row per rule: the node, the forward kernel, and per input what its gradient
// reads and the gradient in differentiable ops. An op saves an operand only when a gradient that
// will be computed reads it. Gradients come back in the broadcast shape; the engine reduces them.
#include <cmath>

#include "kernels.hpp"
#include "rule_tables.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/broadcast.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad {

namespace {

// What one input's gradient reads besides g.
enum Reads : unsigned { kNothing = 0, kA = 1, kB = 2 };

struct BinarySaved {
  SavedTensor first, second;  // the operands a and b, each kept only when a needed gradient reads it;
                              // where keeps its condition in `first`
  Tensor a() const { return first.get(); }
  Tensor b() const { return second.get(); }
  Tensor mask() const { return first.get(); }
};

using G = const Tensor&;
using S = const BinarySaved&;
using Grad = Tensor (*)(G g, S s);

struct BinaryRule {
  const char* node;
  Tensor (*forward)(const Tensor& a, const Tensor& b);  // without recording; null: written by its op
  unsigned reads_a;
  Grad grad_a;  // dL/da
  unsigned reads_b;
  Grad grad_b;  // dL/db

  Grads vjp(G g, S s, const Node& node) const {
    return Grads{node.needs_input_grad(0) ? grad_a(g, s) : Tensor(), node.needs_input_grad(1) ? grad_b(g, s) : Tensor()};
  }
};

Tensor add_kernel(const Tensor& a, const Tensor& b) {
  return kernels::binary_map("add", a, b, false, [](auto x, auto y) { return x + y; });
}
Tensor sub_kernel(const Tensor& a, const Tensor& b) {
  return kernels::binary_map("sub", a, b, false, [](auto x, auto y) { return x - y; });
}
Tensor mul_kernel(const Tensor& a, const Tensor& b) {
  return kernels::binary_map("mul", a, b, false, [](auto x, auto y) { return x * y; });
}
Tensor div_kernel(const Tensor& a, const Tensor& b) {
  return kernels::binary_map("div", a, b, true, [](auto x, auto y) { return x / y; });
}
// Integer (or bool) operands give int64, as torch's: a negative power truncates toward 0.
std::int64_t integer_pow(std::int64_t base, std::int64_t e) {
  if (e < 0) return base == 1 ? 1 : base == -1 ? ((e & 1) ? -1 : 1) : 0;
  std::uint64_t result = 1, b = static_cast<std::uint64_t>(base);  // unsigned: overflow wraps, defined
  for (; e > 0; e >>= 1, b *= b)
    if (e & 1) result *= b;
  return static_cast<std::int64_t>(result);
}
Tensor pow_kernel(const Tensor& a, const Tensor& b) {
  const bool integral = !a.is_floating_point() && !b.is_floating_point();
  if (a.dtype() == kBool && b.dtype() == kBool)
    throw Error(fmt::format("pow: a bool tensor to a bool power (shapes {} and {}) is not supported, as in torch",
                            shape_str(a.shape()), shape_str(b.shape())));
  return kernels::binary_map("pow", a, b, !integral, [](auto x, auto y) {
    if constexpr (std::is_integral_v<decltype(x)>)
      return static_cast<decltype(x)>(integer_pow(static_cast<std::int64_t>(x), static_cast<std::int64_t>(y)));
    else
      return std::pow(x, y);
  });
}
// NaN wins (x != x), as torch's
Tensor maximum_kernel(const Tensor& a, const Tensor& b) {
  return kernels::binary_map("maximum", a, b, false, [](auto x, auto y) { return (x != x || x > y) ? x : y; });
}
Tensor minimum_kernel(const Tensor& a, const Tensor& b) {
  return kernels::binary_map("minimum", a, b, false, [](auto x, auto y) { return (x != x || x < y) ? x : y; });
}

// maximum/minimum: the gradient goes to the winner, split evenly on ties (as torch). An operand is cut
// only where it strictly loses, so with a NaN (no order) both operands get the gradient, as torch's.
Tensor winner_grad(G g, const Tensor& loses, const Tensor& self, const Tensor& other) {
  return where(loses, 0.0, where(eq(self, other), g * 0.5, g));
}

// clang-format off
constexpr BinaryRule kBinaryRules[] = {
  // node              forward          d/da reads  dL/da                                  d/db reads  dL/db
  {"AddBackward0",     add_kernel,      kNothing, [](G g, S) { return g; },                kNothing, [](G g, S) { return g; }},
  {"SubBackward0",     sub_kernel,      kNothing, [](G g, S) { return g; },                kNothing, [](G g, S) { return -g; }},
  {"MulBackward0",     mul_kernel,      kB,       [](G g, S s) { return g * s.b(); },      kA,       [](G g, S s) { return g * s.a(); }},
  // −g·(a/b)/b, not −g·a/b²: b² overflows (and 0·inf appears) where torch's order does not
  {"DivBackward0",     div_kernel,      kB,       [](G g, S s) { return g / s.b(); },      kA | kB,  [](G g, S s) { return -g * ((s.a() / s.b()) / s.b()); }},
  // x^0 is constant: 0 where e == 0 (else 0·x^-1 is NaN at x = 0); d/de x^e = x^e·log x, 0 where x == 0 and e >= 0 (torch's limits)
  // (the inner products first, as torch: g·e alone can overflow where e·x^(e−1) is 0)
  {"PowBackward1",     pow_kernel,      kA | kB,  [](G g, S s) { return where(eq(s.b(), 0.0), 0.0, g * (s.b() * pow(s.a(), s.b() - 1.0))); },
                                        kA | kB,  [](G g, S s) { return where(logical_and(eq(s.a(), 0.0), ge(s.b(), 0.0)), 0.0, g * (pow(s.a(), s.b()) * log(s.a()))); }},
  {"MaximumBackward0", maximum_kernel,  kA | kB,  [](G g, S s) { return winner_grad(g, lt(s.a(), s.b()), s.a(), s.b()); },
                                        kA | kB,  [](G g, S s) { return winner_grad(g, gt(s.a(), s.b()), s.b(), s.a()); }},
  {"MinimumBackward0", minimum_kernel,  kA | kB,  [](G g, S s) { return winner_grad(g, gt(s.a(), s.b()), s.a(), s.b()); },
                                        kA | kB,  [](G g, S s) { return winner_grad(g, lt(s.a(), s.b()), s.b(), s.a()); }},
  {"WhereBackward0",   nullptr,         kNothing, [](G g, S s) { return where(s.mask(), g, 0.0); },
                                        kNothing, [](G g, S s) { return where(s.mask(), 0.0, g); }},
};
// clang-format on
static_assert(node_names_unique(kBinaryRules));

// The operands the gradients that will be computed read.
BinarySaved saved_operands(const BinaryRule& row, const Tensor& a, const Tensor& b) {
  const unsigned reads = (a.requires_grad() ? row.reads_a : 0) | (b.requires_grad() ? row.reads_b : 0);
  return BinarySaved{reads & kA ? SavedTensor(a) : SavedTensor(), reads & kB ? SavedTensor(b) : SavedTensor()};
}

// Inlined into each op, so the row is a constant there and its kernel a direct call.
[[gnu::always_inline]] inline Tensor apply(const BinaryRule& row, const Tensor& a, const Tensor& b) {
  Tensor out = row.forward(a, b);
  if (should_record({&a, &b})) record(row, out, {&a, &b}, saved_operands(row, a, b));
  return out;
}

Tensor scalar(double v, const Tensor& like) { return full({}, v, kernels::floating_dtype(like.dtype())); }

}  // namespace

void append_binary_rule_names(std::vector<std::string>& names) { append_rule_names(kBinaryRules, names); }

Tensor add(const Tensor& a, const Tensor& b) { return apply(rule_for(kBinaryRules, "AddBackward0"), a, b); }

namespace {
// As torch: subtraction with a bool operand has no arithmetic meaning.
void refuse_bool_sub(const Tensor& a, const Shape& b_shape, bool b_is_bool) {
  if (a.dtype() == kBool || b_is_bool)
    throw Error(fmt::format("sub: subtraction with a bool tensor (shapes {} and {}) is not supported, as in torch; "
                            "use logical_xor or logical_not for masks",
                            shape_str(a.shape()), shape_str(b_shape)));
}
}  // namespace

Tensor sub(const Tensor& a, const Tensor& b) {
  refuse_bool_sub(a, b.shape(), b.dtype() == kBool);
  return apply(rule_for(kBinaryRules, "SubBackward0"), a, b);
}
Tensor sub(const Tensor& a, double b) {
  refuse_bool_sub(a, {}, false);
  return add(a, -b);
}
Tensor sub(const Tensor& a, std::int64_t b) {
  refuse_bool_sub(a, {}, false);
  return add(a, -b);
}

Tensor mul(const Tensor& a, const Tensor& b) { return apply(rule_for(kBinaryRules, "MulBackward0"), a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return apply(rule_for(kBinaryRules, "DivBackward0"), a, b); }
Tensor pow(const Tensor& base, const Tensor& exponent) { return apply(rule_for(kBinaryRules, "PowBackward1"), base, exponent); }
Tensor maximum(const Tensor& a, const Tensor& b) { return apply(rule_for(kBinaryRules, "MaximumBackward0"), a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return apply(rule_for(kBinaryRules, "MinimumBackward0"), a, b); }

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
  if (should_record({&a, &b})) record(rule_for(kBinaryRules, "WhereBackward0"), out, {&a, &b}, BinarySaved{SavedTensor(condition), {}});
  return out;
}
Tensor where(const Tensor& condition, const Tensor& a, double b) { return where(condition, a, scalar(b, a)); }
Tensor where(const Tensor& condition, double a, const Tensor& b) { return where(condition, scalar(a, b), b); }

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
Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
Tensor operator-(double a, const Tensor& b) { return add(neg(b), a); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator/(double a, const Tensor& b) { return mul(reciprocal(b), a); }

}  // namespace xgrad
