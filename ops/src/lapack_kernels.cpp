// xtensor-blas behind lapack_kernels.hpp. The only file of the library that includes xtensor-blas
// (its headers are heavy). LAPACK wants column-major matrices: each row-major block is copied into a
// column-major xt::xtensor (a transposing copy) and results are copied back through row-major adaptors.
#include "lapack_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <xtensor-blas/xblas.hpp>  // first: defines the assertion macros xlapack's bindings use
#include <xtensor-blas/xlapack.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

namespace xgrad::lapack {

namespace {

template <class T>
using ColMajor = xt::xtensor<T, 2, xt::layout_type::column_major>;
template <class T>
using Vector = xt::xtensor<T, 1, xt::layout_type::column_major>;

std::size_t sz(std::int64_t v) { return static_cast<std::size_t>(v); }

// A row-major [rows, cols] block seen as an xtensor expression (no copy).
template <class T>
auto row_major(T* p, std::int64_t rows, std::int64_t cols) {
  return xt::adapt(p, sz(rows * cols), xt::no_ownership(), std::array<std::size_t, 2>{sz(rows), sz(cols)});
}

template <class T>
ColMajor<T> load(const T* p, std::int64_t rows, std::int64_t cols) {
  ColMajor<T> m = row_major(const_cast<T*>(p), rows, cols);
  return m;
}

template <class T, class E>
void store(const E& m, T* p, std::int64_t rows, std::int64_t cols) {
  auto out = row_major(p, rows, cols);
  out = m;
}

}  // namespace

template <class T>
Failure solve(const T* a, T* b, std::int64_t batch, std::int64_t n, std::int64_t k) {
  for (std::int64_t i = 0; i < batch; ++i) {
    if (n == 0 || k == 0) continue;
    ColMajor<T> A = load(a + i * n * n, n, n);
    ColMajor<T> B = load(b + i * n * k, n, k);
    const int info = xt::lapack::gesv(A, B);
    if (info != 0) return {i, info};
    store(B, b + i * n * k, n, k);
  }
  return {};
}

template <class T>
void slogdet(const T* a, T* sign, T* logabsdet, std::int64_t batch, std::int64_t n) {
  for (std::int64_t i = 0; i < batch; ++i) {
    ColMajor<T> A = load(a + i * n * n, n, n);
    xt::uvector<xt::blas_index_t> piv(sz(std::max<std::int64_t>(n, 1)));
    const int info = n == 0 ? 0 : xt::lapack::getrf(A, piv);
    T s = 1, log_abs = 0;
    if (info > 0) {  // an exactly zero pivot: det A = 0
      s = 0;
      log_abs = -std::numeric_limits<T>::infinity();
    } else {
      for (std::int64_t j = 0; j < n; ++j) {
        const T u = A(sz(j), sz(j));
        if (u < 0) s = -s;
        if (piv[sz(j)] != j + 1) s = -s;  // each row interchange flips the sign
        log_abs += std::log(std::abs(u));
      }
    }
    sign[i] = s;
    logabsdet[i] = log_abs;
  }
}

template <class T>
Failure cholesky(T* a, std::int64_t batch, std::int64_t n) {
  for (std::int64_t i = 0; i < batch; ++i) {
    if (n == 0) continue;
    ColMajor<T> A = load(a + i * n * n, n, n);
    const int info = xt::lapack::potr(A, 'L');
    if (info != 0) return {i, info};
    for (std::int64_t r = 0; r < n; ++r)  // potrf leaves the strict upper triangle as it was
      for (std::int64_t c = r + 1; c < n; ++c) A(sz(r), sz(c)) = 0;
    store(A, a + i * n * n, n, n);
  }
  return {};
}

template <class T>
Failure solve_triangular(const T* a, T* b, std::int64_t batch, std::int64_t n, std::int64_t k, bool upper,
                         bool unitriangular) {
  for (std::int64_t i = 0; i < batch; ++i) {
    if (n == 0 || k == 0) continue;
    ColMajor<T> A = load(a + i * n * n, n, n);
    ColMajor<T> B = load(b + i * n * k, n, k);
    // xt::lapack::trtrs takes one right-hand side; its cxxlapack binding underneath takes k.
    const int info = cxxlapack::trtrs<xt::blas_index_t>(
        upper ? 'U' : 'L', 'N', unitriangular ? 'U' : 'N', static_cast<xt::blas_index_t>(n),
        static_cast<xt::blas_index_t>(k), A.data(), static_cast<xt::blas_index_t>(n), B.data(),
        static_cast<xt::blas_index_t>(n));
    if (info != 0) return {i, info};
    store(B, b + i * n * k, n, k);
  }
  return {};
}

template <class T>
Failure eigh(T* a, T* w, std::int64_t batch, std::int64_t n) {
  for (std::int64_t i = 0; i < batch; ++i) {
    if (n == 0) continue;
    ColMajor<T> A = load(a + i * n * n, n, n);
    Vector<T> values = xt::zeros<T>({sz(n)});
    const int info = xt::lapack::syevd(A, 'V', 'L', values);
    if (info != 0) return {i, info};
    store(A, a + i * n * n, n, n);
    std::copy_n(values.data(), n, w + i * n);
  }
  return {};
}

template <class T>
void qr(const T* a, T* q, T* r, std::int64_t batch, std::int64_t m, std::int64_t n) {
  const std::int64_t p = std::min(m, n);
  for (std::int64_t i = 0; i < batch; ++i) {
    T* qi = q + i * m * p;
    T* ri = r + i * p * n;
    if (p == 0) {
      std::fill_n(ri, p * n, T(0));
      continue;
    }
    ColMajor<T> A = load(a + i * m * n, m, n);
    Vector<T> tau = xt::zeros<T>({sz(p)});
    xt::lapack::geqrf(A, tau);
    // R: the upper triangle of the first p rows.
    for (std::int64_t row = 0; row < p; ++row)
      for (std::int64_t col = 0; col < n; ++col) ri[row * n + col] = col >= row ? A(sz(row), sz(col)) : T(0);
    // Q: the first p columns of the reflectors' product.
    ColMajor<T> Q = xt::view(A, xt::all(), xt::range(0, p));
    xt::lapack::orgqr(Q, tau, static_cast<xt::blas_index_t>(p));
    store(Q, qi, m, p);
  }
}

template <class T>
Failure svd(const T* a, T* u, T* s, T* vh, std::int64_t batch, std::int64_t m, std::int64_t n, bool full) {
  const std::int64_t p = std::min(m, n);
  const bool vectors = u != nullptr;
  const std::int64_t ku = full ? m : p, kv = full ? n : p;
  for (std::int64_t i = 0; i < batch; ++i) {
    if (p == 0) {  // no singular values; full U and V are identities
      if (vectors) {
        auto U = row_major(u + i * m * ku, m, ku);
        U = xt::eye<T>({sz(m), sz(ku)});
        auto V = row_major(vh + i * kv * n, kv, n);
        V = xt::eye<T>({sz(kv), sz(n)});
      }
      continue;
    }
    ColMajor<T> A = load(a + i * m * n, m, n);
    auto [info, U, S, Vt] = xt::lapack::gesdd(A, vectors ? (full ? 'A' : 'S') : 'N');
    if (info != 0) return {i, info};
    std::copy_n(S.data(), p, s + i * p);
    if (vectors) {
      store(U, u + i * m * ku, m, ku);
      store(Vt, vh + i * kv * n, kv, n);
    }
  }
  return {};
}

#define XGRAD_LAPACK_INSTANTIATE(T)                                                                           \
  template Failure solve<T>(const T*, T*, std::int64_t, std::int64_t, std::int64_t);                           \
  template void slogdet<T>(const T*, T*, T*, std::int64_t, std::int64_t);                                      \
  template Failure cholesky<T>(T*, std::int64_t, std::int64_t);                                                \
  template Failure solve_triangular<T>(const T*, T*, std::int64_t, std::int64_t, std::int64_t, bool, bool);    \
  template Failure eigh<T>(T*, T*, std::int64_t, std::int64_t);                                                \
  template void qr<T>(const T*, T*, T*, std::int64_t, std::int64_t, std::int64_t);                             \
  template Failure svd<T>(const T*, T*, T*, T*, std::int64_t, std::int64_t, std::int64_t, bool);
XGRAD_LAPACK_INSTANTIATE(float)
XGRAD_LAPACK_INSTANTIATE(double)
#undef XGRAD_LAPACK_INSTANTIATE

}  // namespace xgrad::lapack
