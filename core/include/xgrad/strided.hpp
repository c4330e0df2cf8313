// The most general view: any sizes and strides inside a tensor's storage.
#pragma once
#include <optional>

#include "xgrad/tensor.hpp"

namespace xgrad {

// A view of t's storage with this geometry (strides in elements, never negative); the offset
// defaults to t's own, as torch's as_strided. Its gradient needs a contiguous t; elements the view
// visits more than once get the sum of their gradients.
Tensor as_strided(const Tensor& t, const Shape& size, const Strides& stride,
                  std::optional<std::int64_t> storage_offset = std::nullopt);

}  // namespace xgrad
