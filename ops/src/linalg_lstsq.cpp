// Pseudo-inverse and least squares of xgrad::linalg.
//
// pinv records one backward node. For X = A⁺ and a perturbation that keeps the rank (Golub & Pereyra):
//   dX = −X·dA·X + X·Xᵀ·dAᵀ·(I − A·X) + (I − X·A)·dAᵀ·Xᵀ·X
// whose adjoint is the rule
//   gA = −Xᵀ·G·Xᵀ + (I − A·X)·Gᵀ·X·Xᵀ + Xᵀ·X·Gᵀ·(I − X·A)
// for hermitian input too (as torch; its symmetric part is what symmetric perturbations see). Unlike
// a rule through the SVD, it needs no distinct singular values. lstsq is composed from pinv, so its solution and
// residuals are differentiable through that rule.
#include <cfloat>

#include <fmt/format.h>

#include "kernels.hpp"
#include "linalg_rules.hpp"
#include "linalg_matrix.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/linalg.hpp"
#include "xgrad/linalg_ops.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

using namespace linalg_detail;

namespace {

// 1/v where keep, else 0 (the inner where keeps 1/0 out of the gradient).
Tensor inverse_where(const Tensor& keep, const Tensor& v) { return where(keep, 1.0 / where(keep, v, 1.0), 0.0); }

// A⁺ from the SVD (or eigh when hermitian) with values at or below rcond·max cut; no graph.
Tensor pinv_value(const Tensor& A, double rcond, bool hermitian) {
  NoGradGuard no_grad;
  const Tensor a = A.detach();
  if (std::min(a.size(-2), a.size(-1)) == 0) return zeros(with_matrix(batch_shape(a), a.size(-1), a.size(-2)), a.dtype());
  if (hermitian) {
    auto [w, v] = linalg::eigh(a);
    const Tensor magnitude = abs(w);
    const Tensor keep = gt(magnitude, amax(magnitude, -1, true) * rcond);
    return matmul(v * unsqueeze(inverse_where(keep, w), -2), mT(v));
  }
  auto [u, s, vh] = linalg::svd(a, /*full_matrices=*/false);
  const Tensor keep = gt(s, amax(s, -1, true) * rcond);
  return matmul(mT(vh) * unsqueeze(inverse_where(keep, s), -2), mT(u));
}

Tensor pinv_primitive(const Tensor& A, double rcond, bool hermitian) {
  Tensor x = pinv_value(A, rcond, hermitian);
  if (should_record({&A}))
    record(rule_for(kLinalgRules, "LinalgPinvBackward0"), x, {&A},
           LinalgSaved{.input = SavedTensor(A), .output = SavedTensor::output(x)});
  return x;
}

}  // namespace

Grads linalg_rules::pinv(G g, S s) {
  const Tensor a = s.a(), X = s.y();
  const Tensor Xt = mT(X), gt = mT(g);
  const Tensor out_of_range = eye(a.size(-2), a.dtype()) - matmul(a, X);   // I − A·X
  const Tensor out_of_domain = eye(a.size(-1), a.dtype()) - matmul(X, a);  // I − X·A
  return Grads{-matmul(matmul(Xt, g), Xt) + matmul(matmul(out_of_range, gt), matmul(X, Xt)) +
               matmul(matmul(matmul(Xt, X), gt), out_of_domain)};
}

namespace linalg {

Tensor pinv(const Tensor& A, double rcond, bool hermitian) {
  hermitian ? check_square("linalg.pinv", A) : check_matrix("linalg.pinv", A);
  return pinv_primitive(A, rcond, hermitian);
}

std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& A, const Tensor& B, std::optional<double> rcond,
                                                 std::optional<std::string> driver) {
  const char* op = "linalg.lstsq";
  check_matrix(op, A);
  if (!B.defined() || B.dim() < 1) throw Error(fmt::format("{}: B must have at least 1 dimension", op));
  check_same_dtype(op, {&A, &B});
  const std::string drv = driver.value_or("gelsy");
  if (drv != "gelsy" && drv != "gels" && drv != "gelsd" && drv != "gelss")
    throw Error(fmt::format("{}: driver must be \"gelsy\", \"gels\", \"gelsd\" or \"gelss\", got \"{}\"", op, drv));
  const bool vector = B.dim() == A.dim() - 1;  // torch's rule for a (batch of) right-hand side vector(s)
  const Tensor b_in = vector ? unsqueeze(B, -1) : B;
  check_matrix(op, b_in, "B");
  const std::int64_t m = A.size(-2), n = A.size(-1);
  if (b_in.size(-2) != m)
    throw Error(fmt::format("{}: A of shape {} and B of shape {} have different numbers of rows ({} and {})", op,
                            shape_str(A.shape()), shape_str(B.shape()), m, b_in.size(-2)));
  const Shape batch = broadcast_shapes(op, batch_shape(A), batch_shape(b_in));
  const Tensor a = expand(A, with_matrix(batch, m, n)), b = expand(b_in, with_matrix(batch, m, b_in.size(-1)));
  const double cut = rcond.value_or((A.dtype() == kFloat32 ? FLT_EPSILON : DBL_EPSILON) * double(std::max(m, n)));

  Tensor s, rank;
  {
    NoGradGuard no_grad;
    s = svdvals(a.detach());
    rank = s.numel() == 0 ? zeros(batch, kInt64) : sum(gt(s, amax(s, -1, true) * cut).to(kInt64), {-1});
  }
  const Tensor solution = matmul(pinv_primitive(a, cut, false), b);
  const bool full_rank = shape_numel(batch) == 0 || xgrad::min(rank).item<std::int64_t>() == n;
  const bool with_residuals = m > n && drv != "gelsy" && (drv == "gels" || full_rank);
  const Tensor residuals = with_residuals ? sum(pow(matmul(a, solution) - b, 2.0), {-2}) : zeros({0}, A.dtype());
  return {vector ? squeeze(solution, -1) : solution, residuals, drv == "gels" ? zeros({0}, kInt64) : rank,
          drv == "gelsd" || drv == "gelss" ? s : zeros({0}, A.dtype())};
}

}  // namespace linalg

}  // namespace xgrad
