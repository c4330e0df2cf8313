// Vector and matrix norms of xgrad::linalg, composed from differentiable ops (no backward of their
// own). Two details follow torch's gradients: the 2-norm (and p-norms) of a zero vector has gradient
// 0 rather than 0/0, and max/min-type norms share the gradient evenly among tied elements.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "linalg_matrix.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/error.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/linalg_ops.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

using namespace linalg_detail;

namespace {

using Dims = std::vector<std::int64_t>;

Dims normalize_dims(const char* op, const Tensor& t, const Dims& dims) {
  Dims out;
  for (const auto d : dims) {
    const std::int64_t nd = t.dim();
    if (d < -std::max<std::int64_t>(nd, 1) || d >= std::max<std::int64_t>(nd, 1))
      throw Error(fmt::format("{}: dimension {} is out of range for a tensor of shape {}", op, d, shape_str(t.shape())));
    const std::int64_t w = d < 0 ? d + nd : d;
    if (std::find(out.begin(), out.end(), w) != out.end())
      throw Error(fmt::format("{}: dimension {} appears twice in dim", op, d));
    out.push_back(w);
  }
  return out;
}

// The largest (or smallest) element over `dims`, kept as size-1 dims. The value is exact; its gradient
// goes to the elements equal to it, shared evenly.
Tensor extreme(const Tensor& t, const Dims& dims, bool largest) {
  Tensor m;
  {
    NoGradGuard no_grad;
    m = t.detach();
    for (const auto d : dims) m = largest ? amax(m, d, true) : -amax(-m, d, true);
  }
  const Tensor ties = eq(t.detach(), m).to(t.dtype());
  return m + sum((t - m) * ties, dims, true) / sum(ties, dims, true);
}

// s^(1/p) with the gradient at s = 0 taken as 0 (s is a sum of |x|^p, zero only for a zero vector).
Tensor safe_root(const Tensor& s, double p) {
  const Tensor positive = gt(s, 0.0);
  const Tensor safe = where(positive, s, 1.0);
  return where(positive, p == 2.0 ? sqrt(safe) : pow(safe, 1.0 / p), 0.0);
}

Tensor drop_dims(const Tensor& t, Dims dims) {  // t has size 1 at every dim in dims
  std::sort(dims.rbegin(), dims.rend());
  Tensor out = t;
  for (const auto d : dims) out = squeeze(out, d);
  return out;
}

// vector_norm with dims normalized, keepdim handled by the caller.
Tensor vector_norm_kept(const Tensor& x, double ord, const Dims& dims) {
  const Tensor a = abs(x);
  if (std::isinf(ord)) return extreme(a, dims, ord > 0);
  if (ord == 0) {
    NoGradGuard no_grad;  // a count: no gradient, as torch
    return sum(ne(x.detach(), 0.0).to(x.dtype()), dims, true);
  }
  if (ord == 1) return sum(a, dims, true);
  if (ord == 2) return safe_root(sum(x * x, dims, true), 2.0);
  return safe_root(sum(pow(a, ord), dims, true), ord);
}

Tensor cast_for_norm(const char* op, const Tensor& x, std::optional<Dtype> dtype) {
  if (!x.defined()) throw Error(fmt::format("{}: the input is undefined", op));
  const Dtype target = dtype.value_or(x.dtype());
  if (target != kFloat32 && target != kFloat64)
    throw Error(fmt::format("{}: a norm needs float32 or float64, got {} for shape {}", op, dtype_name(target),
                            shape_str(x.shape())));
  return x.dtype() == target ? x : x.to(target);
}

// Moves dims d0, d1 to the end (in that order), for the SVD-based norms.
Tensor to_last_two(const Tensor& a, std::int64_t d0, std::int64_t d1) {
  Dims order;
  for (std::int64_t d = 0; d < a.dim(); ++d)
    if (d != d0 && d != d1) order.push_back(d);
  order.push_back(d0);
  order.push_back(d1);
  return permute(a, order);
}

Dims matrix_dims(const char* op, const Tensor& a, const Dims& dim) {
  if (dim.size() != 2) throw Error(fmt::format("{}: dim must name 2 dimensions, got {}", op, dim.size()));
  if (a.dim() < 2)
    throw Error(fmt::format("{}: A must have at least 2 dimensions, got shape {}", op, shape_str(a.shape())));
  return normalize_dims(op, a, dim);
}

// An SVD-based norm over (d0, d1), reduced from the singular values by `reduce` ([.., p] -> [..]),
// then given size-1 dims at d0 and d1 when keepdim.
template <class Reduce>
Tensor spectral_norm(const Tensor& a, const Dims& d, bool keepdim, Reduce reduce) {
  Tensor out = reduce(linalg::svdvals(to_last_two(a, d[0], d[1])));
  if (!keepdim) return out;
  for (const auto dd : {std::min(d[0], d[1]), std::max(d[0], d[1])}) out = unsqueeze(out, dd);
  return out;
}

}  // namespace

namespace linalg {

Tensor vector_norm(const Tensor& x_in, double ord, std::optional<std::vector<std::int64_t>> dim, bool keepdim,
                   std::optional<Dtype> dtype) {
  const char* op = "linalg.vector_norm";
  const Tensor x = cast_for_norm(op, x_in, dtype);
  Dims dims;
  if (dim && !dim->empty()) dims = normalize_dims(op, x, *dim);
  else
    for (std::int64_t d = 0; d < x.dim(); ++d) dims.push_back(d);
  if (x.dim() == 0) return vector_norm_kept(reshape(x, {1}), ord, {0}).reshape({});
  const Tensor kept = vector_norm_kept(x, ord, dims);
  return keepdim ? kept : drop_dims(kept, dims);
}

Tensor matrix_norm(const Tensor& A, const std::string& ord, std::vector<std::int64_t> dim, bool keepdim,
                   std::optional<Dtype> dtype) {
  const char* op = "linalg.matrix_norm";
  const Tensor a = cast_for_norm(op, A, dtype);
  const Dims d = matrix_dims(op, a, dim);
  if (ord == "fro") return vector_norm(a, 2.0, d, keepdim);
  if (ord == "nuc") return spectral_norm(a, d, keepdim, [](const Tensor& s) { return sum(s, {-1}); });
  throw Error(fmt::format("{}: ord must be \"fro\" or \"nuc\" (or a number), got \"{}\"", op, ord));
}

Tensor matrix_norm(const Tensor& A, double ord, std::vector<std::int64_t> dim, bool keepdim,
                   std::optional<Dtype> dtype) {
  const char* op = "linalg.matrix_norm";
  const Tensor a = cast_for_norm(op, A, dtype);
  const Dims d = matrix_dims(op, a, dim);
  const double inf = std::numeric_limits<double>::infinity();
  if (ord == 2 || ord == -2)
    return spectral_norm(a, d, keepdim, [ord](const Tensor& s) { return squeeze(extreme(s, {s.dim() - 1}, ord > 0), -1); });
  if (ord == 1 || ord == -1 || ord == inf || ord == -inf) {
    // 1: the largest column sum of |A| (sum over rows d0, extreme over columns d1); inf: rows.
    const bool columns = std::abs(ord) == 1;
    const Tensor sums = sum(abs(a), {columns ? d[0] : d[1]}, true);
    const Tensor kept = extreme(sums, {columns ? d[1] : d[0]}, ord > 0);
    return keepdim ? kept : drop_dims(kept, d);
  }
  throw Error(fmt::format("{}: ord must be 1, -1, 2, -2, inf or -inf (or \"fro\", \"nuc\"), got {}", op, ord));
}

Tensor norm(const Tensor& x, std::optional<double> ord, std::optional<std::vector<std::int64_t>> dim, bool keepdim,
            std::optional<Dtype> dtype) {
  if (!x.defined()) throw Error("linalg.norm: the input is undefined");
  const bool matrix = ord && ((dim && dim->size() == 2) || (!dim && x.dim() == 2));
  if (matrix) return matrix_norm(x, *ord, dim.value_or(std::vector<std::int64_t>{-2, -1}), keepdim, dtype);
  if (ord && !dim && x.dim() != 1)
    throw Error(fmt::format("linalg.norm: with ord and no dim the input must be 1-D or 2-D, got shape {}",
                            shape_str(x.shape())));
  return vector_norm(x, ord.value_or(2.0), dim, keepdim, dtype);
}

Tensor norm(const Tensor& x, const std::string& ord, std::optional<std::vector<std::int64_t>> dim, bool keepdim,
            std::optional<Dtype> dtype) {
  if (!x.defined()) throw Error("linalg.norm: the input is undefined");
  if (!dim && x.dim() != 2)
    throw Error(fmt::format("linalg.norm: ord \"{}\" needs a 2-D input or two dims in dim, got shape {}", ord,
                            shape_str(x.shape())));
  return matrix_norm(x, ord, dim.value_or(std::vector<std::int64_t>{-2, -1}), keepdim, dtype);
}

}  // namespace linalg

}  // namespace xgrad
