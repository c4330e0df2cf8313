// Elementwise math as plain loops over contiguous buffers. glibc's vector math library (libmvec,
// linked through libm) has SIMD versions of these functions; declaring them `simd` below lets GCC
// vectorize the loops with them (8 or 16 lanes), which is what glibc's own headers do under
// -ffast-math. This TU is compiled with -fno-math-errno (we never read errno), nothing else relaxed.
//
// Why not xtensor expressions here: with XTENSOR_USE_XSIMD, identical math on several threads gave
// lane-dependent 1-2 ulp differences (see ops/CMakeLists.txt); without it, xtensor's loop over the
// same libmvec functions measured 1.4x slower than these loops (1M floats, exp).
#include "math_kernels.hpp"

#include <cmath>
#include <vector>

#include "kernels.hpp"
#include "xgrad/detail/sum_kernels.hpp"

#if defined(__x86_64__) && defined(__GLIBC__) && !defined(__clang__)  // clang lacks the attribute
#define XGRAD_SIMD_DECL __attribute__((simd("notinbranch")))
#else
#define XGRAD_SIMD_DECL
#endif

extern "C" {
XGRAD_SIMD_DECL float expf(float) noexcept;
XGRAD_SIMD_DECL double exp(double) noexcept;
XGRAD_SIMD_DECL float logf(float) noexcept;
XGRAD_SIMD_DECL double log(double) noexcept;
XGRAD_SIMD_DECL float log1pf(float) noexcept;
XGRAD_SIMD_DECL double log1p(double) noexcept;
XGRAD_SIMD_DECL float sinf(float) noexcept;
XGRAD_SIMD_DECL double sin(double) noexcept;
XGRAD_SIMD_DECL float cosf(float) noexcept;
XGRAD_SIMD_DECL double cos(double) noexcept;
XGRAD_SIMD_DECL float tanhf(float) noexcept;
XGRAD_SIMD_DECL double tanh(double) noexcept;
XGRAD_SIMD_DECL float erff(float) noexcept;
XGRAD_SIMD_DECL double erf(double) noexcept;
}

namespace xgrad::kernels {

namespace {

// Overloads that pick the float or double C function, so the loops below are written once.
inline float c_exp(float x) { return ::expf(x); }
inline double c_exp(double x) { return ::exp(x); }
inline float c_log(float x) { return ::logf(x); }
inline double c_log(double x) { return ::log(x); }
inline float c_log1p(float x) { return ::log1pf(x); }
inline double c_log1p(double x) { return ::log1p(x); }
inline float c_sin(float x) { return ::sinf(x); }
inline double c_sin(double x) { return ::sin(x); }
inline float c_cos(float x) { return ::cosf(x); }
inline double c_cos(double x) { return ::cos(x); }
inline float c_tanh(float x) { return ::tanhf(x); }
inline double c_tanh(double x) { return ::tanh(x); }
inline float c_erf(float x) { return ::erff(x); }
inline double c_erf(double x) { return ::erf(x); }

template <class T, class F>
void loop(const T* __restrict src, T* __restrict dst, std::int64_t n, F f) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = f(src[i]);
}

template <class T>
void apply(MathFn fn, const T* src, T* dst, std::int64_t n) {
  switch (fn) {
    case MathFn::Exp: return loop(src, dst, n, [](T x) { return c_exp(x); });
    case MathFn::Log: return loop(src, dst, n, [](T x) { return c_log(x); });
    case MathFn::Log1p: return loop(src, dst, n, [](T x) { return c_log1p(x); });
    case MathFn::Sqrt: return loop(src, dst, n, [](T x) { return std::sqrt(x); });
    case MathFn::Rsqrt: return loop(src, dst, n, [](T x) { return T(1) / std::sqrt(x); });
    case MathFn::Abs: return loop(src, dst, n, [](T x) { return std::fabs(x); });
    case MathFn::Sin: return loop(src, dst, n, [](T x) { return c_sin(x); });
    case MathFn::Cos: return loop(src, dst, n, [](T x) { return c_cos(x); });
    case MathFn::Tanh: return loop(src, dst, n, [](T x) { return c_tanh(x); });
    case MathFn::Sigmoid: return loop(src, dst, n, [](T x) { return T(1) / (T(1) + c_exp(-x)); });
    case MathFn::Erf: return loop(src, dst, n, [](T x) { return c_erf(x); });
  }
}

// Max-shifted, so no exp overflows: exp(x - max) <= 1 (an all -inf row keeps shift 0).
template <class T>
void softmax_row_range(const T* src, T* dst, std::int64_t first, std::int64_t last, std::int64_t n, bool log_space) {
  for (std::int64_t r = first; r < last; ++r) {
    const T* x = src + r * n;
    T* y = dst + r * n;
    T shift = detail::max_contiguous(x, n);
    if (std::isinf(shift) && shift < 0) shift = 0;
    for (std::int64_t k = 0; k < n; ++k) y[k] = c_exp(x[k] - shift);
    const T total = detail::sum_contiguous(y, n);
    if (log_space) {
      // (x - shift) - log Σ, not x - (shift + log Σ): the shifted value is exact, while adding a small
      // log Σ to a large shift first rounds it away (1e300 logits, confident float32 log-probs).
      const T log_total = c_log(total);
      for (std::int64_t k = 0; k < n; ++k) y[k] = (x[k] - shift) - log_total;
    } else {
      const T inverse = T(1) / total;
      for (std::int64_t k = 0; k < n; ++k) y[k] *= inverse;
    }
  }
}

// Lines of length n, `inner` apart: contiguous rows (inner = 1) go straight to the row kernel; other
// lines are gathered into a row first, so both layouts compute the same bits.
template <class T>
void softmax_lines_impl(const T* src, T* dst, std::int64_t outer, std::int64_t n, std::int64_t inner, bool log_space) {
  if (n == 0) return;
  const std::int64_t grain = std::max<std::int64_t>(1, detail::kTranscendentalGrain / n);
  if (inner == 1) {  // rows are independent: threads take whole rows, each computed as on one thread
    parallel_for(0, outer, grain,
                 [&](std::int64_t first, std::int64_t last) { softmax_row_range(src, dst, first, last, n, log_space); });
    return;
  }
  parallel_for(0, outer * inner, grain, [&](std::int64_t first, std::int64_t last) {
    std::vector<T> row(static_cast<std::size_t>(n)), result(static_cast<std::size_t>(n));
    for (std::int64_t line = first; line < last; ++line) {
      const std::int64_t start = (line / inner) * n * inner + line % inner;
      for (std::int64_t k = 0; k < n; ++k) row[k] = src[start + k * inner];
      softmax_row_range(row.data(), result.data(), 0, 1, n, log_space);
      for (std::int64_t k = 0; k < n; ++k) dst[start + k * inner] = result[k];
    }
  });
}

}  // namespace

void softmax_lines(const float* src, float* dst, std::int64_t outer, std::int64_t n, std::int64_t inner, bool log_space) {
  softmax_lines_impl(src, dst, outer, n, inner, log_space);
}
void softmax_lines(const double* src, double* dst, std::int64_t outer, std::int64_t n, std::int64_t inner,
                   bool log_space) {
  softmax_lines_impl(src, dst, outer, n, inner, log_space);
}

Tensor math(MathFn fn, const Tensor& x_in) {
  const Dtype dtype = floating_dtype(x_in.dtype());
  const Tensor x = cast_raw(x_in, dtype);
  Tensor out = make_tensor(x.shape(), dtype);
  // abs and sqrt are a few cycles a value; the others call into libmvec and are worth threads sooner.
  const std::int64_t grain =
      fn == MathFn::Abs || fn == MathFn::Sqrt ? detail::kElementwiseGrain : detail::kTranscendentalGrain;
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* src = contiguous_data<T>(x);
      T* dst = contiguous_data<T>(out);
      parallel_for(0, x.numel(), grain,
                   [&](std::int64_t begin, std::int64_t end) { apply(fn, src + begin, dst + begin, end - begin); });
    }
  });
  return out;
}

}  // namespace xgrad::kernels
