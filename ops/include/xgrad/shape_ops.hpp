// Shape ops. reshape/view/flatten/squeeze/unsqueeze share storage with their input; the others copy.
#pragma once
#include <vector>

#include "xgrad/broadcast.hpp"
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

}  // namespace xgrad
