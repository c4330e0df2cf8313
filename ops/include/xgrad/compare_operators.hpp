// Comparison operators giving kBool tensors, as libtorch's (x > 0, x <= 1.0). Ordering only: == and
// != stay unoverloaded, so comparing two handles never silently builds a tensor.
#pragma once
#include "xgrad/compare.hpp"

namespace xgrad {

inline Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
inline Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
inline Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
inline Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
inline Tensor operator>(const Tensor& a, double b) { return gt(a, b); }
inline Tensor operator<(const Tensor& a, double b) { return lt(a, b); }
inline Tensor operator>=(const Tensor& a, double b) { return ge(a, b); }
inline Tensor operator<=(const Tensor& a, double b) { return le(a, b); }
// A scalar on the left is the mirrored comparison: 0 < x is x > 0.
inline Tensor operator>(double a, const Tensor& b) { return lt(b, a); }
inline Tensor operator<(double a, const Tensor& b) { return gt(b, a); }
inline Tensor operator>=(double a, const Tensor& b) { return le(b, a); }
inline Tensor operator<=(double a, const Tensor& b) { return ge(b, a); }

}  // namespace xgrad
