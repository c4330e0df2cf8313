// The backward of an op whose derivative is piecewise constant in x (relu, leaky_relu, abs).
#pragma once
#include "xgrad/detail/node.hpp"

namespace xgrad::detail {

// g·factor, with factor = slope(x) computed once from x (no graph). Linear in g, and zero-derivative in
// x almost everywhere; when recorded (create_graph), x is an input with a zero gradient so that a
// second derivative through it gives zeros, as torch's, rather than "input was not used".
Tensor scale_by_piecewise_constant(const char* name, const Tensor& g, const SavedTensor& x, const Tensor& factor);

}  // namespace xgrad::detail
