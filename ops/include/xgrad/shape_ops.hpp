// Shape ops. All but cat and stack return views: tensors sharing storage and version counter with
// their input (reshape copies only when no view has the shape, as torch's).
#pragma once
#include <optional>
#include <vector>

#include "xgrad/broadcast.hpp"
#include "xgrad/strided.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad {

Tensor reshape(const Tensor& t, const Shape& shape);  // one dimension may be -1
Tensor view(const Tensor& t, const Shape& shape);
Tensor flatten(const Tensor& t, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
Tensor squeeze(const Tensor& t);
Tensor squeeze(const Tensor& t, std::int64_t dim);
Tensor unsqueeze(const Tensor& t, std::int64_t dim);
Tensor permute(const Tensor& t, const std::vector<std::int64_t>& dims);
Tensor transpose(const Tensor& t, std::int64_t dim0, std::int64_t dim1);
Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
Tensor narrow(const Tensor& t, std::int64_t dim, std::int64_t start, std::int64_t length);
// t[..., index, ...] along dim: that dimension removed (torch's select; t[i] is select(t, 0, i)).
Tensor select(const Tensor& t, std::int64_t dim, std::int64_t index);
// Python's t[start:end:step] along dim: bounds may be negative or out of range (clamped); step > 0.
Tensor slice(const Tensor& t, std::int64_t dim, std::optional<std::int64_t> start = std::nullopt,
             std::optional<std::int64_t> end = std::nullopt, std::int64_t step = 1);
// Windows of `size` elements every `step` along dim, as a new last dimension (torch's unfold).
Tensor unfold(const Tensor& t, std::int64_t dim, std::int64_t size, std::int64_t step);
// as_strided is in xgrad/strided.hpp.

}  // namespace xgrad
