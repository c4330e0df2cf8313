// Tensor methods under libtorch's names that are xgrad ops (eq, mm, norm, expand_as, all, any, +=,
// max(dim)): each forwards to an op, so none needs a backward of its own. Those that only touch the
// tensor's record (detach_, data, set_data, device, options) are in core/src/tensor_torch_forms.cpp.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "xgrad/arithmetic.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/linalg.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

Tensor Tensor::eq(const Tensor& other) const { return xgrad::eq(*this, other); }
Tensor Tensor::eq(double other) const { return xgrad::eq(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return xgrad::mm(*this, other); }
Tensor Tensor::expand_as(const Tensor& other) const { return xgrad::expand(*this, other.shape()); }

namespace {
// The p-norm over `dims` (all of them when empty), from differentiable ops: p = 2 as a square root
// of a sum of squares, p = inf as the largest magnitude, otherwise (sum |x|^p)^(1/p).
Tensor p_norm(const Tensor& t, double p, const std::vector<std::int64_t>& dims, bool keepdim) {
  if (!t.is_floating_point())
    throw Error(fmt::format("norm: expected a floating-point tensor, got dtype {}", dtype_name(t.dtype())));
  if (std::isnan(p) || p < 0) throw Error(fmt::format("norm: the order p must be >= 0, got {}", p));
  const bool all = dims.empty();
  auto total = [&](const Tensor& x) { return all ? xgrad::sum(x) : xgrad::sum(x, dims, keepdim); };
  if (p == 2.0) return xgrad::sqrt(total(t * t));
  if (p == 1.0) return total(xgrad::abs(t));
  if (std::isinf(p)) {
    if (all) return xgrad::max(xgrad::abs(t));
    if (dims.size() != 1) throw Error("norm: the infinity norm takes one dim");
    return xgrad::amax(xgrad::abs(t), dims[0], keepdim);
  }
  if (p == 0.0) return total(xgrad::ne(t, 0.0).to(t.dtype()));
  return xgrad::pow(total(xgrad::pow(xgrad::abs(t), p)), 1.0 / p);
}

bool any_nonzero(const Tensor& t, bool want_all) {
  for (double v : t.to_vector())
    if ((v != 0.0) != want_all) return !want_all;
  return want_all;
}
}  // namespace

Tensor Tensor::norm(double p) const { return p_norm(*this, p, {}, false); }
Tensor Tensor::norm(double p, const std::vector<std::int64_t>& dims, bool keepdim) const {
  if (dims.empty()) throw Error("norm: dims is empty; call norm(p) for the norm of all elements");
  return p_norm(*this, p, dims, keepdim);
}

Tensor Tensor::all() const { return xgrad::scalar_tensor(any_nonzero(*this, true) ? 1.0 : 0.0, kBool); }
Tensor Tensor::any() const { return xgrad::scalar_tensor(any_nonzero(*this, false) ? 1.0 : 0.0, kBool); }


std::tuple<Tensor, Tensor> Tensor::max(std::int64_t dim, bool keepdim) const { return xgrad::max(*this, dim, keepdim); }
std::tuple<Tensor, Tensor> Tensor::min(std::int64_t dim, bool keepdim) const { return xgrad::min(*this, dim, keepdim); }

}  // namespace xgrad
