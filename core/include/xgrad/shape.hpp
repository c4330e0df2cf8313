// Shapes and torch's broadcasting rules.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace xgrad {

using Shape = std::vector<std::int64_t>;

std::int64_t shape_numel(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[3, 4]"

// The broadcast result of two shapes; throws naming `op` and both shapes when they do not broadcast.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

// Wraps a possibly negative dimension into [0, ndim); throws naming `op` when out of range.
std::int64_t wrap_dim(const char* op, std::int64_t dim, std::int64_t ndim);

}  // namespace xgrad
