#include "math_kernels.hpp"

#include <array>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>

#include "kernels.hpp"

namespace xgrad::kernels {

namespace {

template <class T>
void apply(MathFn fn, const T* src, T* dst, std::size_t n) {
  const std::array<std::size_t, 1> shape{n};
  auto x = xt::adapt(src, n, xt::no_ownership(), shape);
  auto y = xt::adapt(dst, n, xt::no_ownership(), shape);
  switch (fn) {
    case MathFn::Exp: y = xt::exp(x); break;
    case MathFn::Log: y = xt::log(x); break;
    case MathFn::Log1p: y = xt::log1p(x); break;
    case MathFn::Sqrt: y = xt::sqrt(x); break;
    case MathFn::Rsqrt: y = T(1) / xt::sqrt(x); break;
    case MathFn::Abs: y = xt::abs(x); break;
    case MathFn::Sin: y = xt::sin(x); break;
    case MathFn::Cos: y = xt::cos(x); break;
    case MathFn::Tanh: y = xt::tanh(x); break;
    case MathFn::Sigmoid: y = T(1) / (T(1) + xt::exp(-x)); break;
    case MathFn::Erf: y = xt::erf(x); break;
  }
}

}  // namespace

Tensor math(MathFn fn, const Tensor& x_in) {
  const Dtype dtype = floating_dtype(x_in.dtype());
  const Tensor x = cast_raw(x_in, dtype);
  Tensor out = make_tensor(x.shape(), dtype);
  const auto n = static_cast<std::size_t>(x.numel());
  if (dtype == kFloat64)
    apply(fn, x.data_ptr<double>(), out.data_ptr<double>(), n);
  else
    apply(fn, x.data_ptr<float>(), out.data_ptr<float>(), n);
  return out;
}

}  // namespace xgrad::kernels
