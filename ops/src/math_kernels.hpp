// Vectorized elementwise math (xtensor expressions evaluated with xsimd). Kept behind this header
// so that only math_kernels.cpp pays xtensor's compile time.
#pragma once
#include <cmath>
#include "xgrad/tensor.hpp"

namespace xgrad::kernels {

enum class MathFn { Exp, Log, Log1p, Sqrt, Rsqrt, Abs, Sin, Cos, Tanh, Sigmoid, Erf };

// log(1 + e^v) without overflow or lost digits at either end: the one softplus (the softplus op,
// the binary cross-entropy with logits).
inline double log1p_exp(double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }

// f(x) elementwise; integer inputs are computed in float32.
Tensor math(MathFn fn, const Tensor& x);

// The one softmax kernel: softmax (or log-softmax) of every line of n values `inner` apart in a
// dense [outer, n, inner] block, max-shifted so no exp overflows. dst may not alias src.
void softmax_lines(const float* src, float* dst, std::int64_t outer, std::int64_t n, std::int64_t inner, bool log_space);
void softmax_lines(const double* src, double* dst, std::int64_t outer, std::int64_t n, std::int64_t inner,
                   bool log_space);

}  // namespace xgrad::kernels
