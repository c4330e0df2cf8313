// The differentiable pair behind broadcasting: expand a tensor to a shape, and sum a gradient back.
// They live in core because the engine reduces broadcast gradients itself (in one place).
#pragma once
#include "xgrad/tensor.hpp"

namespace xgrad {

// Sums `t` over the dimensions along which `shape` was broadcast to t's shape (torch's sum_to_size).
Tensor sum_to(const Tensor& t, const Shape& shape);
// Repeats `t` along its size-1 (or missing leading) dimensions to `shape` (materialized).
Tensor expand(const Tensor& t, const Shape& shape);
// True when `from` is a broadcast of `to`, i.e. sum_to(t of shape from, to) is defined.
bool is_expandable_to(const Shape& to, const Shape& from);

}  // namespace xgrad
