// The LU and Cholesky family of xgrad::linalg: solve, inv, slogdet, cholesky, solve_triangular,
// cholesky_solve (det, whose gradient also covers singular matrices, is in linalg_det.cpp). Four
// primitives record a backward; everything else is composed from them.
//
// Gradient table (G: incoming gradient, X: the primitive's output, ᵀ: transpose of the last two dims):
//   X = solve(A, B)             gB = solve(Aᵀ, G)                     gA = −gB·Xᵀ
//   X = solve_triangular(A, B)  gB = solve_triangular(Aᵀ, G)          gA = −gB·Xᵀ on A's triangle
//   L = cholesky(A)             S = L⁻ᵀ·Φ(Lᵀ·G)·L⁻¹                   gA = (S + Sᵀ)/2
//                               (Φ: lower triangle with the diagonal halved)
//   (s, l) = slogdet(A)         gA = gl·A⁻ᵀ                           (sign: no gradient)
// Each is written with these same differentiable ops, so gradients of gradients follow. Where a
// rule reads the output X, it uses the saved raw value, or recomputes X from the saved inputs when
// the backward itself is being recorded (create_graph), so that X's own dependence on A counts.
#include <fmt/format.h>

#include "kernels.hpp"
#include "linalg_rules.hpp"
#include "lapack_kernels.hpp"
#include "linalg_matrix.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/linalg.hpp"
#include "xgrad/linalg_ops.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

using namespace linalg_detail;

namespace {

// Broadcasts the batch dims of A [..., n, n] and B [..., n, k] against each other.
std::pair<Tensor, Tensor> broadcast_batch(const char* op, const Tensor& A, const Tensor& B) {
  const Shape batch = broadcast_shapes(op, batch_shape(A), batch_shape(B));
  const Shape sa = with_matrix(batch, A.size(-2), A.size(-1)), sb = with_matrix(batch, B.size(-2), B.size(-1));
  return {A.shape() == sa ? A : expand(A, sa), B.shape() == sb ? B : expand(B, sb)};
}

void check_rows(const char* op, const Tensor& A, const Tensor& B) {
  if (B.size(-2) != A.size(-1))
    throw Error(fmt::format("{}: A of shape {} and B of shape {} do not match ({} rows in B, {} expected)", op,
                            shape_str(A.shape()), shape_str(B.shape()), B.size(-2), A.size(-1)));
}

// ---- primitives: A [batch..., n, n], B [batch..., n, k] with equal batch dims and dtypes ----------

Tensor solve_primitive(const char* op, const Tensor& A, const Tensor& B) {
  const std::int64_t n = A.size(-1), k = B.size(-1), batch = batch_count(A);
  const Tensor a = A.detach().contiguous();
  Tensor x = raw_copy(B);
  on_float(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (auto failure = lapack::solve(contiguous_data<T>(a), contiguous_data<T>(x), batch, n, k))
      throw_failure(op, A, failure, fmt::format("is singular (U[{0}, {0}] of its LU factorization is zero)", failure.info));
  });
  if (should_record({&A, &B}))
    record(rule_for(kLinalgRules, "LinalgSolveBackward0"), x, {&A, &B},
           LinalgSaved{.input = SavedTensor(A), .output = SavedTensor::output(x), .op = op});
  return x;
}

Tensor solve_triangular_primitive(const Tensor& A, const Tensor& B, bool upper, bool unit) {
  const char* op = "linalg.solve_triangular";
  const std::int64_t n = A.size(-1), k = B.size(-1), batch = batch_count(A);
  const Tensor a = A.detach().contiguous();
  Tensor x = raw_copy(B);
  on_float(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (auto failure = lapack::solve_triangular(contiguous_data<T>(a), contiguous_data<T>(x), batch, n, k, upper, unit))
      throw_failure(op, A, failure, fmt::format("is singular (diagonal element {} is zero)", failure.info));
  });
  if (should_record({&A, &B}))
    record(rule_for(kLinalgRules, "LinalgSolveTriangularBackward0"), x, {&A, &B},
           LinalgSaved{.input = SavedTensor(A), .output = SavedTensor::output(x), .upper = upper, .unit = unit});
  return x;
}

// Lower triangle with the diagonal halved: the map from L⁻¹·dA·L⁻ᵀ to L⁻¹·dL, and its own adjoint.
Tensor phi(const Tensor& m) { return tril(m, -1) + m * eye(m.size(-1), m.dtype()) * 0.5; }

Tensor cholesky_primitive(const Tensor& A) {
  const std::int64_t n = A.size(-1), batch = batch_count(A);
  Tensor l = raw_copy(A);
  on_float(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (auto failure = lapack::cholesky(contiguous_data<T>(l), batch, n))
      throw_failure("linalg.cholesky", A, failure,
                    fmt::format("is not positive-definite (its leading minor of order {} is not positive)", failure.info));
  });
  if (should_record({&A}))
    record(rule_for(kLinalgRules, "LinalgCholeskyBackward0"), l, {&A}, LinalgSaved{.output = SavedTensor::output(l)});
  return l;
}

// (sign, log|det|) of A [batch..., n, n]; the backward of log|det| is A⁻ᵀ, through the solve primitive.
std::tuple<Tensor, Tensor> slogdet_primitive(const Tensor& A) {
  const std::int64_t n = A.size(-1), batch = batch_count(A);
  const Shape out_shape = batch_shape(A);
  const Tensor a = A.detach().contiguous();
  Tensor sign = make_tensor(out_shape, A.dtype()), logabs = make_tensor(out_shape, A.dtype());
  on_float(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    lapack::slogdet(contiguous_data<T>(a), contiguous_data<T>(sign), contiguous_data<T>(logabs), batch, n);
  });
  if (should_record({&A})) record(rule_for(kLinalgRules, "LinalgSlogdetBackward0"), logabs, {&A}, LinalgSaved{.input = SavedTensor(A)});
  return {sign, logabs};
}

}  // namespace

Grads linalg_rules::solve(G g, S s) {
  const Tensor gb = solve_primitive(s.op, mT(s.a()), g);
  return Grads{-matmul(gb, mT(s.y())), gb};
}

Grads linalg_rules::solve_triangular(G g, S s) {
  const Tensor gb = solve_triangular_primitive(mT(s.a()), g, !s.upper, s.unit);
  // Only A's triangle is read (not its diagonal when unitriangular), so only it gets a gradient.
  const Tensor ga = -matmul(gb, mT(s.y()));
  return Grads{s.upper ? triu(ga, s.unit ? 1 : 0) : tril(ga, s.unit ? -1 : 0), gb};
}

Grads linalg_rules::cholesky(G g, S s) {
  const Tensor L = s.y();
  const Tensor p = phi(matmul(mT(L), g));
  const Tensor left = solve_triangular_primitive(mT(L), p, /*upper=*/true, false);            // L⁻ᵀ·P
  const Tensor right = mT(solve_triangular_primitive(mT(L), mT(left), /*upper=*/true, false));  // ·L⁻¹
  return Grads{sym(right)};
}

Grads linalg_rules::slogdet(G g, S s) {
  const Tensor a = s.a();
  const Tensor inv_t = solve_primitive("linalg.slogdet (backward)", mT(a), expand(eye(a.size(-1), a.dtype()), a.shape()));
  return Grads{unsqueeze(unsqueeze(g, -1), -1) * inv_t};
}

// ---- public ops: argument checks, shapes, and the compositions -------------------------------------

namespace linalg {

Tensor solve(const Tensor& A, const Tensor& B, bool left) {
  const char* op = "linalg.solve";
  check_square(op, A);
  if (!B.defined() || B.dim() < 1) throw Error(fmt::format("{}: B must have at least 1 dimension", op));
  check_same_dtype(op, {&A, &B});
  // torch's rule: B is a (batch of) vector(s) when it is 1-D or has exactly A's shape without its last dim.
  const bool vector = B.dim() == 1 || (B.dim() == A.dim() - 1 && B.shape() == Shape(A.shape().begin(), A.shape().end() - 1));
  if (vector) return squeeze(solve(left ? A : mT(A), unsqueeze(B, -1), true), -1);
  check_matrix(op, B, "B");
  if (!left) return mT(solve(mT(A), mT(B), true));  // X·A = B  <=>  Aᵀ·Xᵀ = Bᵀ
  check_rows(op, A, B);
  auto [a, b] = broadcast_batch(op, A, B);
  return solve_primitive(op, a, b);
}

Tensor inv(const Tensor& A) {
  check_square("linalg.inv", A);
  return solve_primitive("linalg.inv", A, expand(eye(A.size(-1), A.dtype()), A.shape()));
}

std::tuple<Tensor, Tensor> slogdet(const Tensor& A) {
  check_square("linalg.slogdet", A);
  return slogdet_primitive(A);
}

Tensor cholesky(const Tensor& A, bool upper) {
  check_square("linalg.cholesky", A);
  const Tensor L = cholesky_primitive(A);
  return upper ? mT(L) : L;
}

Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left, bool unitriangular) {
  const char* op = "linalg.solve_triangular";
  check_square(op, A);
  check_matrix(op, B, "B");
  check_same_dtype(op, {&A, &B});
  if (!left) return mT(solve_triangular(mT(A), mT(B), !upper, true, unitriangular));
  check_rows(op, A, B);
  auto [a, b] = broadcast_batch(op, A, B);
  return solve_triangular_primitive(a, b, upper, unitriangular);
}

}  // namespace linalg

Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper) {
  const char* op = "cholesky_solve";
  check_square(op, L, "L");
  check_matrix(op, B, "B");
  check_same_dtype(op, {&B, &L});
  check_rows(op, L, B);
  // A = L·Lᵀ: X = L⁻ᵀ·(L⁻¹·B); with U = Lᵀ given (upper), the same two solves in the other order.
  const Tensor lower = upper ? mT(L) : L;
  const Tensor y = linalg::solve_triangular(lower, B, /*upper=*/false);
  return linalg::solve_triangular(mT(lower), y, /*upper=*/true);
}

}  // namespace xgrad
