// xgrad::linalg, as torch::linalg: factorizations and solvers on LAPACK (through xtensor-blas), in
// float32 and float64, batched over leading dimensions ([..., m, n]). Gradients are written with
// xgrad's own differentiable ops, so they can be differentiated again (create_graph).
// Singular or non-positive-definite input throws xgrad::Error naming the op, the shape and the batch
// index of the failing matrix; det and slogdet of a singular matrix are 0 and (0, -inf), as torch.
#pragma once
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad::linalg {

// A⁻¹ for square A [..., n, n].
Tensor inv(const Tensor& A);
// det A, shape [...]. Its gradient is the cofactor matrix, at singular A too (where torch 1.13 gives
// zeros); second derivatives at an exactly singular A throw.
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
// R [..., m, n]; not differentiable when m > n: with a graph to record it throws) or "r" (R only, still
// differentiable; Q is an empty tensor).
std::tuple<Tensor, Tensor> qr(const Tensor& A, const std::string& mode = "reduced");
// (eigenvalues ascending [..., n], eigenvectors as columns [..., n, n]) of symmetric A, read from
// its lower ("L") or upper ("U") triangle. The gradient assumes distinct eigenvalues.
std::tuple<Tensor, Tensor> eigh(const Tensor& A, const std::string& UPLO = "L");
Tensor eigvalsh(const Tensor& A, const std::string& UPLO = "L");
// A = U·diag(S)·Vh with S descending. Gradients need distinct singular values, as torch's; with
// full_matrices and m != n, the extra columns of U (rows of Vh) carry no gradient (they are not
// unique), as in torch. `driver` is accepted for torch's signature (LAPACK gesdd is used).
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices = true,
                                       std::optional<std::string> driver = std::nullopt);
Tensor svdvals(const Tensor& A);

// The Moore-Penrose pseudo-inverse [..., n, m]; singular values at or below rcond·max(S) count as zero
// (eigenvalues by magnitude when hermitian). The gradient holds where the rank does not change.
Tensor pinv(const Tensor& A, double rcond = 1e-15, bool hermitian = false);
// Least squares min ||A·X − B|| (the minimum-norm X when A is rank deficient), as torch's
// (solution, residuals, rank, singular_values). driver "gelsy" (default), "gels", "gelsd" or
// "gelss" decides, as in torch, which of the last three are computed (the others are empty):
// residuals (squared, per column of B) for m > n with every matrix of full rank and a driver other
// than gelsy; rank for drivers other than gels; singular values for gelsd and gelss. rcond defaults
// to machine epsilon · max(m, n). B is [..., m, k] or [..., m].
std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& A, const Tensor& B,
                                                 std::optional<double> rcond = std::nullopt,
                                                 std::optional<std::string> driver = std::nullopt);

// Norms as torch.linalg. vector_norm: ord any real (inf, -inf, 0 included) over `dim` (all dims when
// absent); computed in `dtype` when given. The gradient of the 2-norm at 0 is 0, and max/min-type norms
// share their gradient evenly among ties, as torch.
Tensor vector_norm(const Tensor& x, double ord = 2, std::optional<std::vector<std::int64_t>> dim = std::nullopt,
                   bool keepdim = false, std::optional<Dtype> dtype = std::nullopt);
// matrix_norm over the two dims `dim`: ord "fro" or "nuc", or 1, -1, 2, -2, inf, -inf.
Tensor matrix_norm(const Tensor& A, const std::string& ord = "fro", std::vector<std::int64_t> dim = {-2, -1},
                   bool keepdim = false, std::optional<Dtype> dtype = std::nullopt);
Tensor matrix_norm(const Tensor& A, double ord, std::vector<std::int64_t> dim = {-2, -1}, bool keepdim = false,
                   std::optional<Dtype> dtype = std::nullopt);
// torch.linalg.norm: a matrix norm when ord is a string, or when ord is given and (dim has two
// entries, or dim is absent and x is 2-D); otherwise a vector norm (the 2-norm of everything when
// both are absent).
Tensor norm(const Tensor& x, std::optional<double> ord = std::nullopt,
            std::optional<std::vector<std::int64_t>> dim = std::nullopt, bool keepdim = false,
            std::optional<Dtype> dtype = std::nullopt);
Tensor norm(const Tensor& x, const std::string& ord, std::optional<std::vector<std::int64_t>> dim = std::nullopt,
            bool keepdim = false, std::optional<Dtype> dtype = std::nullopt);

}  // namespace xgrad::linalg

namespace xgrad {

// The n×n identity, as torch::eye.
Tensor eye(std::int64_t n, Dtype dtype = kFloat32);

// X with A·X = B where A = L·Lᵀ (or Uᵀ·U when upper) is given by its Cholesky factor, as torch.
Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper = false);

}  // namespace xgrad
