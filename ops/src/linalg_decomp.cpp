// Spectral and orthogonal decompositions of xgrad::linalg: eigh, qr, svd (and eigvalsh, svdvals).
// Each output of a decomposition records its own backward node, which takes only that output's
// gradient: the rules are linear in the incoming gradients, so the engine's sum over the nodes is
// the full gradient.
//
// Gradient table (ᵀ: transpose of the last two dims, ∘: elementwise, sym(X) = (X + Xᵀ)/2,
// F_ij = 1/(λ_j − λ_i) off the diagonal and 0 on it; for svd λ = s²):
//   (w, V) = eigh(A)        from gw:  gA = V·diag(gw)·Vᵀ
//                           from gV:  gA = V·sym(F ∘ (Vᵀ·gV))·Vᵀ
//   (Q, R) = qr(A), m >= n  K = gR·Rᵀ − Qᵀ·gQ,  gA = (gQ + Q·copyu(K))·R⁻ᵀ,  copyu(K) = triu(K) + triu(K, 1)ᵀ
//                    m < n  A = [X | Y], R = [R1 | R2]:  gY = Q·gR2, and gX is the square rule
//                           applied to (gQ + Y·gR2ᵀ, gR1)
//   (U, S, Vh) = svd(A)     gA = U·(diag(gS) + (F ∘ (Uᵀ·gU − gUᵀ·U))·S + S·(F ∘ (Vᵀ·gV − gVᵀ·V)))·Vh
//                                + (gU − U·Uᵀ·gU)·S⁻¹·Vh + U·S⁻¹·(gVh − gVh·V·Vh)      (V = Vhᵀ)
// As in linalg_solve.cpp, a rule reads the saved raw factors, or recomputes them from the saved input
// when its own graph is being recorded (create_graph). All rules need distinct eigen/singular values
// (F is infinite otherwise), as torch's.
#include <fmt/format.h>

#include "kernels.hpp"
#include "linalg_rules.hpp"
#include "linalg_matrix.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/linalg.hpp"
#include "xgrad/linalg_ops.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

using namespace linalg_detail;

namespace {

// F_ij = 1 / (λ_j − λ_i) off the diagonal, 0 on it (the diagonal is shifted by 1 before dividing).
Tensor inverse_gaps(const Tensor& lambda) {
  const Tensor identity = eye(lambda.size(-1), lambda.dtype());
  const Tensor gaps = unsqueeze(lambda, -2) - unsqueeze(lambda, -1);
  return (1.0 - identity) / (gaps + identity);
}

// ---- eigh ---------------------------------------------------------------------------------------

std::tuple<Tensor, Tensor> eigh_primitive(const Tensor& A) {
  const std::int64_t n = A.size(-1), batch = batch_count(A);
  Tensor vectors = raw_copy(A);
  Shape value_shape = batch_shape(A);
  value_shape.push_back(n);
  Tensor values = make_tensor(value_shape, A.dtype());
  on_float(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (auto failure = lapack::eigh(contiguous_data<T>(vectors), contiguous_data<T>(values), batch, n))
      throw_failure("linalg.eigh", A, failure, fmt::format("did not converge (LAPACK syevd info {})", failure.info));
  });
  if (should_record({&A})) {
    const LinalgSaved saved{.input = SavedTensor(A), .factors = {SavedTensor(values.detach()), SavedTensor(vectors.detach())}};
    record(rule_for(kLinalgRules, "LinalgEighEigenvaluesBackward0"), values, {&A}, saved);
    record(rule_for(kLinalgRules, "LinalgEighEigenvectorsBackward0"), vectors, {&A}, saved);
  }
  return {values, vectors};
}

// ---- qr -----------------------------------------------------------------------------------------

std::tuple<Tensor, Tensor> qr_primitive(const Tensor& A);

Tensor copy_upper(const Tensor& k) { return triu(k) + mT(triu(k, 1)); }

// The square (m >= n) rule; gQ or gR may be undefined (zero).
Tensor qr_backward_tall(const Tensor& Q, const Tensor& R, const Tensor& gQ, const Tensor& gR) {
  Tensor k = gR.defined() ? matmul(gR, mT(R)) : Tensor();
  if (gQ.defined()) k = k.defined() ? k - matmul(mT(Q), gQ) : -matmul(mT(Q), gQ);
  Tensor left = matmul(Q, copy_upper(k));
  if (gQ.defined()) left = left + gQ;
  // left·R⁻ᵀ: solve X·Rᵀ = left with Rᵀ lower triangular.
  return linalg::solve_triangular(mT(R), left, /*upper=*/false, /*left=*/false);
}

Tensor qr_backward(const Tensor& A, const Tensor& Q, const Tensor& R, const Tensor& gQ, const Tensor& gR) {
  const std::int64_t m = A.size(-2), n = A.size(-1);
  if (m >= n) return qr_backward_tall(Q, R, gQ, gR);
  // Wide: Q and R1 are the QR of the square block X, and R2 = Qᵀ·Y.
  const Tensor Y = narrow(A, -1, m, n - m);
  const Tensor gR1 = gR.defined() ? narrow(gR, -1, 0, m) : Tensor();
  const Tensor gR2 = gR.defined() ? narrow(gR, -1, m, n - m) : Tensor();
  Tensor gQ_total = gQ;
  if (gR2.defined()) gQ_total = gQ_total.defined() ? gQ_total + matmul(Y, mT(gR2)) : matmul(Y, mT(gR2));
  const Tensor gX = qr_backward_tall(Q, narrow(R, -1, 0, m), gQ_total, gR1);
  const Tensor gY = gR2.defined() ? matmul(Q, gR2) : zeros_like(Y);
  return cat({gX, gY}, -1);
}

std::tuple<Tensor, Tensor> qr_primitive(const Tensor& A) {
  const std::int64_t m = A.size(-2), n = A.size(-1), p = std::min(m, n), batch = batch_count(A);
  const Tensor a = A.detach().contiguous();
  Tensor Q = make_tensor(with_matrix(batch_shape(A), m, p), A.dtype());
  Tensor R = make_tensor(with_matrix(batch_shape(A), p, n), A.dtype());
  on_float(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    lapack::qr(contiguous_data<T>(a), contiguous_data<T>(Q), contiguous_data<T>(R), batch, m, n);
  });
  if (should_record({&A})) {
    const LinalgSaved saved{.input = SavedTensor(A), .factors = {SavedTensor(Q.detach()), SavedTensor(R.detach())}};
    record(rule_for(kLinalgRules, "LinalgQrQBackward0"), Q, {&A}, saved);
    record(rule_for(kLinalgRules, "LinalgQrRBackward0"), R, {&A}, saved);
  }
  return {Q, R};
}

// ---- svd ----------------------------------------------------------------------------------------

std::tuple<Tensor, Tensor, Tensor> svd_primitive(const Tensor& A);

// The rule above for the reduced factors; any of gU, gS, gVh may be undefined (zero).
Tensor svd_backward(const Tensor& U, const Tensor& S, const Tensor& Vh, const Tensor& gU, const Tensor& gS,
                    const Tensor& gVh) {
  const Tensor V = mT(Vh);
  const Tensor rows_s = unsqueeze(S, -1), cols_s = unsqueeze(S, -2);  // S·X scales rows, X·S columns
  const Tensor F = inverse_gaps(S * S);
  Tensor inner = gS.defined() ? diag_embed(gS) : zeros_like(unsqueeze(S, -1) * unsqueeze(S, -2));
  Tensor outer;  // the parts outside the spans of U and V
  if (gU.defined()) {
    const Tensor UtgU = matmul(mT(U), gU);
    inner = inner + F * (UtgU - mT(UtgU)) * cols_s;
    outer = matmul((gU - matmul(U, UtgU)) / cols_s, Vh);
  }
  if (gVh.defined()) {
    const Tensor gV = mT(gVh), VtgV = matmul(Vh, gV);
    inner = inner + rows_s * (F * (VtgV - mT(VtgV)));
    const Tensor right = matmul(U, (gVh - matmul(matmul(gVh, V), Vh)) / rows_s);
    outer = outer.defined() ? outer + right : right;
  }
  const Tensor gA = matmul(matmul(U, inner), Vh);
  return outer.defined() ? gA + outer : gA;
}

// U, S, Vh of A, raw: reduced (U [.., m, p], Vh [.., p, n]) or full (U [.., m, m], Vh [.., n, n]).
std::tuple<Tensor, Tensor, Tensor> svd_raw(const Tensor& A, bool full) {
  const std::int64_t m = A.size(-2), n = A.size(-1), p = std::min(m, n), batch = batch_count(A);
  const Tensor a = A.detach().contiguous();
  Tensor U = make_tensor(with_matrix(batch_shape(A), m, full ? m : p), A.dtype());
  Shape s_shape = batch_shape(A);
  s_shape.push_back(p);
  Tensor S = make_tensor(s_shape, A.dtype());
  Tensor Vh = make_tensor(with_matrix(batch_shape(A), full ? n : p, n), A.dtype());
  on_float(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (auto failure = lapack::svd(contiguous_data<T>(a), contiguous_data<T>(U), contiguous_data<T>(S),
                                   contiguous_data<T>(Vh), batch, m, n, full))
      throw_failure("linalg.svd", A, failure, fmt::format("did not converge (LAPACK gesdd info {})", failure.info));
  });
  return {U, S, Vh};
}

// The reduced SVD with a backward per factor; svd() adds full matrices on top (without gradient).
std::tuple<Tensor, Tensor, Tensor> svd_primitive(const Tensor& A) {
  auto [U, S, Vh] = svd_raw(A, false);
  if (should_record({&A})) {
    const LinalgSaved saved{.input = SavedTensor(A),
                            .factors = {SavedTensor(U.detach()), SavedTensor(S.detach()), SavedTensor(Vh.detach())}};
    record(rule_for(kLinalgRules, "LinalgSvdUBackward0"), U, {&A}, saved);
    record(rule_for(kLinalgRules, "LinalgSvdSBackward0"), S, {&A}, saved);
    record(rule_for(kLinalgRules, "LinalgSvdVhBackward0"), Vh, {&A}, saved);
  }
  return {U, S, Vh};
}

// The factors a rule reads: the saved raw ones, or recomputed from A while a graph is being built.
std::vector<Tensor> factors_for(const LinalgSaved& s, std::tuple<Tensor, Tensor> (*recompute)(const Tensor&)) {
  if (!building_graph()) return {s.factors[0].get(), s.factors[1].get()};
  auto [first, second] = recompute(s.a());
  return {first, second};
}


}  // namespace

Grads linalg_rules::eigh_values(G g, S s) {
  const Tensor V = factors_for(s, eigh_primitive)[1];
  return Grads{matmul(V * unsqueeze(g, -2), mT(V))};
}
Grads linalg_rules::eigh_vectors(G g, S s) {
  const auto f = factors_for(s, eigh_primitive);
  const Tensor &w = f[0], &V = f[1];
  return Grads{matmul(matmul(V, sym(inverse_gaps(w) * matmul(mT(V), g))), mT(V))};
}
Grads linalg_rules::qr_q(G g, S s) {
  const auto f = factors_for(s, qr_primitive);
  return Grads{qr_backward(s.a(), f[0], f[1], g, Tensor())};
}
Grads linalg_rules::qr_r(G g, S s) {
  const auto f = factors_for(s, qr_primitive);
  return Grads{qr_backward(s.a(), f[0], f[1], Tensor(), g)};
}

namespace {
std::tuple<Tensor, Tensor, Tensor> svd_factors(const LinalgSaved& s) {
  if (building_graph()) return svd_primitive(s.a());
  return {s.factors[0].get(), s.factors[1].get(), s.factors[2].get()};
}
}  // namespace

Grads linalg_rules::svd_u(G g, S s) {
  const auto [u, sv, vh] = svd_factors(s);
  return Grads{svd_backward(u, sv, vh, g, Tensor(), Tensor())};
}
Grads linalg_rules::svd_s(G g, S s) {
  const auto [u, sv, vh] = svd_factors(s);
  return Grads{svd_backward(u, sv, vh, Tensor(), g, Tensor())};
}
Grads linalg_rules::svd_vh(G g, S s) {
  const auto [u, sv, vh] = svd_factors(s);
  return Grads{svd_backward(u, sv, vh, Tensor(), Tensor(), g)};
}

namespace linalg {

std::tuple<Tensor, Tensor> eigh(const Tensor& A, const std::string& UPLO) {
  check_square("linalg.eigh", A);
  if (UPLO != "L" && UPLO != "U")
    throw Error(fmt::format("linalg.eigh: UPLO must be \"L\" or \"U\", got \"{}\"", UPLO));
  // The upper triangle of A is the lower triangle of Aᵀ.
  return eigh_primitive(UPLO == "L" ? A : mT(A));
}

Tensor eigvalsh(const Tensor& A, const std::string& UPLO) { return std::get<0>(eigh(A, UPLO)); }

std::tuple<Tensor, Tensor> qr(const Tensor& A, const std::string& mode) {
  const char* op = "linalg.qr";
  check_matrix(op, A);
  if (mode != "reduced" && mode != "complete" && mode != "r")
    throw Error(fmt::format("{}: mode must be \"reduced\", \"complete\" or \"r\", got \"{}\"", op, mode));
  const std::int64_t m = A.size(-2), n = A.size(-1);
  if (mode == "complete" && m > n) {
    // Q [.., m, m]: the reflectors of A, completed by those of zero columns (identities). This mode
    // has no gradient when m > n (the extra columns of Q are not unique; torch's backward refuses it
    // too): refused here when a graph would be recorded, rather than silently dropping the gradient.
    if (should_record({&A}))
      throw Error(fmt::format("{}: mode \"complete\" with more rows than columns (A of shape {}) is not "
                              "differentiable; use mode \"reduced\", or A.detach() under no gradient",
                              op, shape_str(A.shape())));
    const Tensor padded = cat({A.detach(), zeros(with_matrix(batch_shape(A), m, m - n), A.dtype())}, -1);
    auto [q, r] = qr_primitive(padded);
    return {q, narrow(r, -1, 0, n)};
  }
  auto [q, r] = qr_primitive(A);
  if (mode == "r") return {zeros({0}, A.dtype()), r};
  return {q, r};
}

std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices, std::optional<std::string> driver) {
  const char* op = "linalg.svd";
  check_matrix(op, A);
  if (driver && *driver != "gesdd" && *driver != "gesvd" && *driver != "gesvdj" && *driver != "gesvda")
    throw Error(fmt::format("{}: unknown driver \"{}\"", op, *driver));
  const std::int64_t m = A.size(-2), n = A.size(-1);
  if (full_matrices && m != n) {
    // The reduced factors (with their gradients), completed by the full SVD's extra columns of U and
    // rows of Vh. Those span the orthogonal complement, which is not unique: as in torch, they are
    // constants, and gradients reaching them are ignored.
    const std::int64_t p = std::min(m, n);
    auto [u_full, s_full, vh_full] = svd_raw(A, /*full=*/true);
    auto [u, s, vh] = svd_primitive(A);
    return {cat({u, narrow(u_full, -1, p, m - p)}, -1), s, cat({vh, narrow(vh_full, -2, p, n - p)}, -2)};
  }
  return svd_primitive(A);
}

Tensor svdvals(const Tensor& A) {
  check_matrix("linalg.svdvals", A);
  return std::get<1>(svd_primitive(A));
}

}  // namespace linalg

}  // namespace xgrad
