// Comparisons and logical ops: kBool results, never recorded (their gradient is zero or undefined).
#include <cmath>

#include "kernels.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/factories.hpp"

namespace xgrad {

namespace {

template <class F>
Tensor compare(const char* op, const Tensor& a, const Tensor& b, F f) {
  const Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(op, a.shape(), b.shape());
  const Dtype dtype = kernels::result_type(a, b);
  const Tensor x = kernels::cast_strided(a, dtype), y = kernels::cast_strided(b, dtype);
  Tensor out = make_tensor(shape, kBool, op);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    kernels::broadcast_loop<T, bool>(x, y, out, f);
  });
  return out;
}

// A 0-d tensor holding s in a's dtype (or float64 when s is not a whole number and a is integral).
Tensor scalar_like(const Tensor& a, double s) {
  const bool whole = s == std::nearbyint(s);
  return full({}, s, is_floating_point(a.dtype()) || whole ? a.dtype() : kFloat64);
}

}  // namespace

Tensor gt(const Tensor& a, const Tensor& b) { return compare("gt", a, b, [](auto x, auto y) { return x > y; }); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare("lt", a, b, [](auto x, auto y) { return x < y; }); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare("ge", a, b, [](auto x, auto y) { return x >= y; }); }
Tensor le(const Tensor& a, const Tensor& b) { return compare("le", a, b, [](auto x, auto y) { return x <= y; }); }
Tensor eq(const Tensor& a, const Tensor& b) { return compare("eq", a, b, [](auto x, auto y) { return x == y; }); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare("ne", a, b, [](auto x, auto y) { return x != y; }); }
Tensor gt(const Tensor& a, double b) { return gt(a, scalar_like(a, b)); }
Tensor lt(const Tensor& a, double b) { return lt(a, scalar_like(a, b)); }
Tensor ge(const Tensor& a, double b) { return ge(a, scalar_like(a, b)); }
Tensor le(const Tensor& a, double b) { return le(a, scalar_like(a, b)); }
Tensor eq(const Tensor& a, double b) { return eq(a, scalar_like(a, b)); }
Tensor ne(const Tensor& a, double b) { return ne(a, scalar_like(a, b)); }

Tensor logical_not(const Tensor& a) { return eq(a, 0.0); }
Tensor logical_and(const Tensor& a, const Tensor& b) {
  return compare("logical_and", a.to(kBool), b.to(kBool), [](auto x, auto y) { return x && y; });
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  if (a.shape() != b.shape()) return false;
  const std::vector<double> x = a.to_vector(), y = b.to_vector();
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) {
      if (!(equal_nan && std::isnan(x[i]) && std::isnan(y[i]))) return false;
      continue;
    }
    if (x[i] == y[i]) continue;  // equal infinities
    if (std::fabs(x[i] - y[i]) > atol + rtol * std::fabs(y[i])) return false;
  }
  return true;
}

bool equal(const Tensor& a, const Tensor& b) { return a.shape() == b.shape() && a.to_vector() == b.to_vector(); }

}  // namespace xgrad
