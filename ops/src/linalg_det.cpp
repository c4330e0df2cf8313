// linalg.det with a gradient defined everywhere, as torch's. The gradient of det is the cofactor matrix
//   gA = g·cof(A),   cof(A) = det(A)·A⁻ᵀ                        (A invertible)
//                    cof(A) = det(U)·det(Vh)·U·diag(Π_{j≠i} s_j)·Vh  (any A = U·diag(s)·Vh)
// The first form, written with solve and det, is differentiable again; it serves every invertible
// matrix of the batch. Singular ones (det exactly 0 in LU) take the second form from raw SVD factors,
// which first-order gradients need only; second derivatives there are refused with an error instead
// of being silently wrong.
#include <cmath>

#include <fmt/format.h>

#include "kernels.hpp"
#include "linalg_rules.hpp"
#include "lapack_kernels.hpp"
#include "linalg_matrix.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/linalg.hpp"
#include "xgrad/linalg_ops.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

using namespace linalg_detail;

namespace {

// cof(A) of every matrix from its SVD, raw (no graph).
Tensor cofactor_by_svd(const Tensor& A) {
  NoGradGuard no_grad;
  // Plain variables, not a structured binding: the lambda below reads `s` (clang 14 cannot capture bindings).
  const auto factors = linalg::svd(A.detach(), /*full_matrices=*/false);
  const Tensor& u = std::get<0>(factors);
  const Tensor& s = std::get<1>(factors);
  const Tensor& vh = std::get<2>(factors);
  const Tensor sign_u = std::get<0>(linalg::slogdet(u)), sign_vh = std::get<0>(linalg::slogdet(vh));
  const std::int64_t n = s.size(-1), batch = s.numel() / std::max<std::int64_t>(n, 1);
  Tensor others = make_tensor(s.shape(), s.dtype());  // Π_{j≠i} s_j, without dividing by s_i (may be 0)
  on_float(s.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* ps = contiguous_data<T>(s);
    T* po = contiguous_data<T>(others);
    for (std::int64_t b = 0; b < batch; ++b)
      for (std::int64_t i = 0; i < n; ++i) {
        T product = 1;
        for (std::int64_t j = 0; j < n; ++j)
          if (j != i) product *= ps[b * n + j];
        po[b * n + i] = product;
      }
  });
  const Tensor scale = unsqueeze(unsqueeze(sign_u * sign_vh, -1), -1);
  return scale * matmul(u * unsqueeze(others, -2), vh);
}

Tensor det_primitive(const Tensor& A) {
  const std::int64_t n = A.size(-1), batch = batch_count(A);
  const Shape out_shape = batch_shape(A);
  const Tensor a = A.detach().contiguous();
  Tensor sign = make_tensor(out_shape, A.dtype()), logabs = make_tensor(out_shape, A.dtype());
  Tensor d = make_tensor(out_shape, A.dtype());
  on_float(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    lapack::slogdet(contiguous_data<T>(a), contiguous_data<T>(sign), contiguous_data<T>(logabs), batch, n);
    const T* ps = contiguous_data<T>(sign);
    const T* pl = contiguous_data<T>(logabs);
    T* pd = contiguous_data<T>(d);
    for (std::int64_t i = 0; i < batch; ++i) pd[i] = ps[i] == 0 ? T(0) : ps[i] * std::exp(pl[i]);
  });
  if (should_record({&A}))
    record(rule_for(kLinalgRules, "LinalgDetBackward0"), d, {&A},
           LinalgSaved{.input = SavedTensor(A), .output = SavedTensor::output(d), .sign = SavedTensor(sign)});
  return d;
}

}  // namespace

Grads linalg_rules::det(G g, S s) {
  const Tensor a = s.a();
  const std::int64_t n = a.size(-1);
  const Tensor singular = eq(s.sign.get(), 0.0);  // [batch...], bool
  const bool any_singular = sum(singular.to(kInt64)).item<std::int64_t>() > 0;
  const Tensor identity = expand(eye(n, a.dtype()), a.shape());
  const Tensor mask = unsqueeze(unsqueeze(singular, -1), -1);
  // Invertible matrices: det(A)·A⁻ᵀ (singular ones swapped for I here, so the solve cannot fail).
  const Tensor a_safe = any_singular ? where(mask, identity, a) : a;
  const Tensor inv_t = linalg::solve(mT(a_safe), identity);
  const Tensor ga = unsqueeze(unsqueeze(g * s.y(), -1), -1) * inv_t;
  if (!any_singular) return Grads{ga};
  if (building_graph())
    throw Error(fmt::format("linalg.det: second derivatives at a singular matrix are not supported (A of shape {})",
                            shape_str(a.shape())));
  return Grads{where(mask, unsqueeze(unsqueeze(g, -1), -1) * cofactor_by_svd(a), ga)};
}

namespace linalg {

Tensor det(const Tensor& A) {
  check_square("linalg.det", A);
  return det_primitive(A);
}

}  // namespace linalg

}  // namespace xgrad
