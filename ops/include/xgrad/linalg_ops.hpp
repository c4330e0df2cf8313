// xgrad::linalg, as torch::linalg: factorizations and solvers on LAPACK (through xtensor-blas), in
// float32 and float64, batched over leading dimensions ([..., m, n]). Gradients are written with
// xgrad's own differentiable ops, so they can be differentiated again (create_graph).
// Singular or non-positive-definite input throws xgrad::Error naming the op, the shape and the batch
// index of the failing matrix; det and slogdet of a singular matrix are 0 and (0, -inf), as torch.
#pragma once
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad::linalg {

// A⁻¹ for square A [..., n, n].
Tensor inv(const Tensor& A);
// det A, shape [...]. Its gradient needs A invertible (a singular A throws in backward).
Tensor det(const Tensor& A);
// (sign, log|det A|), each of shape [...]; the gradient flows through log|det A| only.
std::tuple<Tensor, Tensor> slogdet(const Tensor& A);
// X with A·X = B (left) or X·A = B (right). B is [..., n, k], or [..., n] (a batch of vectors) as torch;
// batch dimensions broadcast.
Tensor solve(const Tensor& A, const Tensor& B, bool left = true);
// L with A = L·Lᵀ (or U = Lᵀ with A = Uᵀ·U when upper). Only the lower triangle of A is read; the
// gradient is symmetric, as torch's.
Tensor cholesky(const Tensor& A, bool upper = false);
// X with A·X = B (left) or X·A = B, A triangular (only its upper or lower triangle is read, and not
// its diagonal when unitriangular). B is [..., n, k] (left) or [..., k, n] (right).
Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true, bool unitriangular = false);

// A = Q·R with mode "reduced" (Q [..., m, p], R [..., p, n], p = min(m, n)), "complete" (Q [..., m, m],
// m <= n only here) or "r" (R only; Q is an empty tensor).
std::tuple<Tensor, Tensor> qr(const Tensor& A, const std::string& mode = "reduced");
// (eigenvalues ascending [..., n], eigenvectors as columns [..., n, n]) of symmetric A, read from
// its lower ("L") or upper ("U") triangle. The gradient assumes distinct eigenvalues.
std::tuple<Tensor, Tensor> eigh(const Tensor& A, const std::string& UPLO = "L");
Tensor eigvalsh(const Tensor& A, const std::string& UPLO = "L");
// A = U·diag(S)·Vh with S descending. Gradients need full_matrices = false (or square A) and distinct
// singular values, as torch's. `driver` is accepted for torch's signature (LAPACK gesdd is used).
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices = true,
                                       std::optional<std::string> driver = std::nullopt);
Tensor svdvals(const Tensor& A);

}  // namespace xgrad::linalg

namespace xgrad {

// The n×n identity, as torch::eye.
Tensor eye(std::int64_t n, Dtype dtype = kFloat32);

// X with A·X = B where A = L·Lᵀ (or Uᵀ·U when upper) is given by its Cholesky factor, as torch.
Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper = false);

}  // namespace xgrad
