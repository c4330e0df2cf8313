// Vectorized elementwise math (xtensor expressions evaluated with xsimd). Kept behind this header
// so that only math_kernels.cpp pays xtensor's compile time.
#pragma once
#include "xgrad/tensor.hpp"

namespace xgrad::kernels {

enum class MathFn { Exp, Log, Log1p, Sqrt, Rsqrt, Abs, Sin, Cos, Tanh, Sigmoid, Erf };

// f(x) elementwise; integer inputs are computed in float32.
Tensor math(MathFn fn, const Tensor& x);

}  // namespace xgrad::kernels
