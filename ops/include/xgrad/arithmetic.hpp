// + - * / and pow with torch's broadcasting and dtype promotion (torch's result_type): a double keeps a
// floating tensor's dtype and makes an integer or bool tensor float32 (x + 2.0, as torch); an integral
// scalar keeps an integer tensor integral (x + 1 is int64, as torch's x + 1).
#pragma once
#include <cstdint>
#include <type_traits>

#include "xgrad/tensor.hpp"

namespace xgrad {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);  // true division: integer operands give float32
Tensor neg(const Tensor& a);
Tensor reciprocal(const Tensor& a);
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor pow(const Tensor& base, double exponent);
Tensor pow(double base, const Tensor& exponent);
Tensor square(const Tensor& a);

Tensor add(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(const Tensor& a, double b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(const Tensor& a, double b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(const Tensor& a, double b);
Tensor operator/(double a, const Tensor& b);

// Integral scalars (C++ has no Python int/float distinction at run time, so the type decides).
Tensor add(const Tensor& a, std::int64_t b);
Tensor sub(const Tensor& a, std::int64_t b);  // a bool tensor is refused, as torch's
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, std::int64_t b);
template <class S>
using if_integral_scalar = std::enable_if_t<std::is_integral_v<S> && !std::is_same_v<S, bool>, int>;
template <class S, if_integral_scalar<S> = 0>
Tensor operator+(const Tensor& a, S b) { return add(a, static_cast<std::int64_t>(b)); }
template <class S, if_integral_scalar<S> = 0>
Tensor operator+(S a, const Tensor& b) { return add(b, static_cast<std::int64_t>(a)); }
template <class S, if_integral_scalar<S> = 0>
Tensor operator-(const Tensor& a, S b) { return sub(a, static_cast<std::int64_t>(b)); }
template <class S, if_integral_scalar<S> = 0>
Tensor operator-(S a, const Tensor& b) { return add(neg(b), static_cast<std::int64_t>(a)); }
template <class S, if_integral_scalar<S> = 0>
Tensor operator*(const Tensor& a, S b) { return mul(a, static_cast<std::int64_t>(b)); }
template <class S, if_integral_scalar<S> = 0>
Tensor operator*(S a, const Tensor& b) { return mul(b, static_cast<std::int64_t>(a)); }
Tensor pow(const Tensor& base, std::int64_t exponent);  // an integer tensor stays int64, as torch's x.pow(2)
template <class S, if_integral_scalar<S> = 0>
Tensor pow(const Tensor& base, S exponent) { return pow(base, static_cast<std::int64_t>(exponent)); }
template <class S, if_integral_scalar<S> = 0>  // true division either way
Tensor operator/(const Tensor& a, S b) { return div(a, static_cast<double>(b)); }
template <class S, if_integral_scalar<S> = 0>
Tensor operator/(S a, const Tensor& b) { return static_cast<double>(a) / b; }

}  // namespace xgrad
