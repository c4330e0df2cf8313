// Shapes and torch's broadcasting rules.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace xgrad {

using Shape = std::vector<std::int64_t>;
using Strides = std::vector<std::int64_t>;  // in elements, one per dimension, as torch's strides()

std::int64_t shape_numel(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[3, 4]"

// The broadcast result of two shapes; throws naming `op` and both shapes when they do not broadcast.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

// The strides of a dense row-major tensor of this shape.
Strides contiguous_strides(const Shape& shape);
// True when (shape, strides) walks memory densely in row-major order (size-1 dimensions' strides
// do not matter, and an empty tensor is contiguous), as torch's is_contiguous().
bool is_contiguous_layout(const Shape& shape, const Strides& strides);

// Wraps a possibly negative dimension into [0, ndim); throws naming `op` when out of range.
std::int64_t wrap_dim(const char* op, std::int64_t dim, std::int64_t ndim);

}  // namespace xgrad
