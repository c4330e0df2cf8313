// Raw batched LAPACK kernels for xgrad::linalg: no autograd, no shapes beyond (batch, rows, cols).
// Every matrix is a contiguous row-major block; the implementation (lapack_kernels.cpp, the only file
// that includes xtensor-blas) copies each one into a column-major xtensor and calls xtensor-blas.
// Functions that can fail for one matrix of the batch return the index of the first failing matrix
// (and LAPACK's info for it) instead of throwing, so the caller can name its op in the message.
#pragma once
#include <cstdint>

namespace xgrad::lapack {

struct Failure {
  std::int64_t batch = -1;  // -1: every matrix succeeded
  std::int64_t info = 0;    // LAPACK's info for the failing matrix (1-based position)
  explicit operator bool() const { return batch >= 0; }
};

// X = A⁻¹·B by LU with partial pivoting. a: [batch, n, n] (read), b: [batch, n, k] overwritten by X.
// Fails where A is exactly singular (info: the zero pivot).
template <class T>
Failure solve(const T* a, T* b, std::int64_t batch, std::int64_t n, std::int64_t k);

// sign(det A) and log|det A| by LU; an exactly singular A gives sign 0 and log|det| = -inf.
template <class T>
void slogdet(const T* a, T* sign, T* logabsdet, std::int64_t batch, std::int64_t n);

// Lower Cholesky factor in place (the strict upper triangle is zeroed; only the lower triangle of
// a is read). Fails where A is not positive-definite (info: the order of the failing minor).
template <class T>
Failure cholesky(T* a, std::int64_t batch, std::int64_t n);

// X = op(A)⁻¹·B for triangular A. b: [batch, n, k] overwritten by X. Fails on a zero diagonal.
template <class T>
Failure solve_triangular(const T* a, T* b, std::int64_t batch, std::int64_t n, std::int64_t k, bool upper,
                         bool unitriangular);

// Symmetric eigendecomposition from the lower triangle: a [batch, n, n] overwritten by the
// eigenvectors (columns), w [batch, n] ascending. Fails when the algorithm does not converge.
template <class T>
Failure eigh(T* a, T* w, std::int64_t batch, std::int64_t n);

// Reduced QR of a [batch, m, n]: q [batch, m, p], r [batch, p, n] with p = min(m, n).
template <class T>
void qr(const T* a, T* q, T* r, std::int64_t batch, std::int64_t m, std::int64_t n);

// SVD of a [batch, m, n] by divide and conquer: u [batch, m, ku], s [batch, p], vh [batch, kv, n]
// with p = min(m, n); ku = kv = p (reduced) or ku = m, kv = n (full). u and vh may be null when
// only the singular values are wanted. Fails when the algorithm does not converge.
template <class T>
Failure svd(const T* a, T* u, T* s, T* vh, std::int64_t batch, std::int64_t m, std::int64_t n, bool full);

}  // namespace xgrad::lapack
