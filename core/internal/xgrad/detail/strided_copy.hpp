// Moving elements between two layouts of the same shape: what contiguous() and every write
// through a strided view do.
#pragma once
#include <cstddef>

#include "xgrad/shape.hpp"

namespace xgrad::detail {

// Copies each element of `shape` from src (laid out by src_strides) to dst (laid out by dst_strides);
// strides in elements of `element_size` bytes. The two layouts must not overlap in memory.
void copy_strided(std::size_t element_size, const Shape& shape, const void* src, const Strides& src_strides, void* dst,
                  const Strides& dst_strides);

}  // namespace xgrad::detail
