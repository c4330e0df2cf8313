// Vectorized elementwise math (xtensor expressions evaluated with xsimd). Kept behind this header
// so that only math_kernels.cpp pays xtensor's compile time.
#pragma once
#include "xgrad/tensor.hpp"

namespace xgrad::kernels {

enum class MathFn { Exp, Log, Log1p, Sqrt, Rsqrt, Abs, Sin, Cos, Tanh, Sigmoid, Erf };

// f(x) elementwise; integer inputs are computed in float32.
Tensor math(MathFn fn, const Tensor& x);

// Softmax (or log-softmax) of each contiguous row of length n: dst may not alias src.
void softmax_rows(const float* src, float* dst, std::int64_t rows, std::int64_t n, bool log_space);
void softmax_rows(const double* src, double* dst, std::int64_t rows, std::int64_t n, bool log_space);

}  // namespace xgrad::kernels
