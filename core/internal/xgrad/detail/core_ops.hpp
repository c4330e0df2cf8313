// Gradient accumulation, used by the engine and leaf accumulators.
#pragma once
#include "xgrad/broadcast.hpp"

namespace xgrad::detail {

// a + b for equal shapes and dtypes, differentiable (recorded as AccumulateAddBackward0).
Tensor add_same_shape(const Tensor& a, const Tensor& b);

}  // namespace xgrad::detail
