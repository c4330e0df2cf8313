// The linalg family's rule table: the products (linalg.cpp) and xgrad::linalg's factorizations and
// solves (linalg_solve.cpp, linalg_det.cpp, linalg_decomp.cpp, linalg_lstsq.cpp). The gradients are
// several lines each, so a row names the function that computes it, beside the formula.
// A result the rule reads is its own output (attached under create_graph); a factorization's other
// factors are recomputed from A when a graph is being built, so second derivatives see them.
#pragma once
#include <vector>

#include "xgrad/detail/rule.hpp"

namespace xgrad {

struct LinalgSaved {
  SavedTensor input, other;          // A and B; products: each operand only when the other needs a gradient
  SavedTensor output;                // the op's own result
  std::vector<SavedTensor> factors;  // eigh, qr, svd: every factor
  SavedTensor sign;                  // det: the sign of the determinant (0: singular)
  Tensor a_bf16, b_bf16;             // products under autocast: the operands' bfloat16 copies
  bool ta = false, tb = false, batched = false, autocast = false;  // products: transposes, batch, autocast
  bool has_bias = false;             // linear
  const char* op = nullptr;          // solve: the op errors name
  bool upper = false, unit = false;  // solve_triangular
  Tensor a() const { return input.get(); }
  Tensor b() const { return other.get(); }
  Tensor y() const { return output.get(); }
};

namespace linalg_rules {
using G = const Tensor&;
using S = const LinalgSaved&;
Grads product(G g, S s);               // linalg.cpp
Grads linear(G g, S s);                // linalg.cpp
Grads solve(G g, S s);                 // linalg_solve.cpp
Grads solve_triangular(G g, S s);
Grads cholesky(G g, S s);
Grads slogdet(G g, S s);
Grads det(G g, S s);                   // linalg_det.cpp
Grads eigh_values(G g, S s);           // linalg_decomp.cpp
Grads eigh_vectors(G g, S s);
Grads qr_q(G g, S s);
Grads qr_r(G g, S s);
Grads svd_u(G g, S s);
Grads svd_s(G g, S s);
Grads svd_vh(G g, S s);
Grads pinv(G g, S s);                  // linalg_lstsq.cpp
}  // namespace linalg_rules

// clang-format off
inline constexpr Rule<LinalgSaved> kLinalgRules[] = {
  // node                                gradient                        (ᵀ: transpose of the last two dims)
  {"MmBackward0",                        linalg_rules::product},         // ga = g·bᵀ, gb = aᵀ·g
  {"BmmBackward0",                       linalg_rules::product},         // per batch
  {"LinearBackward0",                    linalg_rules::linear},          // x·wᵀ + b: gx = g·w, gw = gᵀ·x, gb = Σ_rows g
  {"LinalgSolveBackward0",               linalg_rules::solve},           // X = A⁻¹B: gB = A⁻ᵀ·g, gA = −gB·Xᵀ
  {"LinalgSolveTriangularBackward0",     linalg_rules::solve_triangular},// the same, kept to A's triangle
  {"LinalgCholeskyBackward0",            linalg_rules::cholesky},        // gA = sym(L⁻ᵀ·Φ(Lᵀ·g)·L⁻¹)
  {"LinalgSlogdetBackward0",             linalg_rules::slogdet},         // g·A⁻ᵀ
  {"LinalgDetBackward0",                 linalg_rules::det},             // g·det·A⁻ᵀ; cofactors when singular
  {"LinalgEighEigenvaluesBackward0",     linalg_rules::eigh_values},     // V·diag(g)·Vᵀ
  {"LinalgEighEigenvectorsBackward0",    linalg_rules::eigh_vectors},    // V·sym(F∘(Vᵀ·g))·Vᵀ
  {"LinalgQrQBackward0",                 linalg_rules::qr_q},            // (gQ + Q·copyu(−Qᵀ·gQ))·R⁻ᵀ
  {"LinalgQrRBackward0",                 linalg_rules::qr_r},            // Q·copyu(gR·Rᵀ)·R⁻ᵀ
  {"LinalgSvdUBackward0",                linalg_rules::svd_u},           // linalg_decomp.cpp's table
  {"LinalgSvdSBackward0",                linalg_rules::svd_s},           // U·diag(gS)·Vh
  {"LinalgSvdVhBackward0",               linalg_rules::svd_vh},
  {"LinalgPinvBackward0",                linalg_rules::pinv},            // −Xᵀ·g·Xᵀ + (I − AX)·gᵀ·XXᵀ + XᵀX·gᵀ·(I − XA)
};
// clang-format on
static_assert(node_names_unique(kLinalgRules));

}  // namespace xgrad
