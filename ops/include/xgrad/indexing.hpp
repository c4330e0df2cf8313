// Gathering by integer (int64) indices, and the scatters that are their gradients.
#pragma once
#include "xgrad/tensor.hpp"

namespace xgrad {

Tensor index_select(const Tensor& t, std::int64_t dim, const Tensor& index);
Tensor gather(const Tensor& t, std::int64_t dim, const Tensor& index);
// A copy of `self` with `source` rows added at `index` along `dim` (torch.index_add).
Tensor index_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source);
// A copy of `self` with src[i][j] added at [index[i][j]][j] for dim 0, and so on (torch.scatter_add).
Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src);
// One-hot rows: labels [N] (int64) -> [N, num_classes] of `dtype`.
Tensor one_hot(const Tensor& labels, std::int64_t num_classes = -1, Dtype dtype = kInt64);  // -1: max label + 1

}  // namespace xgrad
