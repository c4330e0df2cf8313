// Reductions. `dims` may be negative; an empty `dims` reduces over every dimension.
#pragma once
#include <tuple>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {

using Dims = std::vector<std::int64_t>;

Tensor sum(const Tensor& t);
Tensor sum(const Tensor& t, const Dims& dims, bool keepdim = false);
Tensor mean(const Tensor& t);
Tensor mean(const Tensor& t, const Dims& dims, bool keepdim = false);
Tensor max(const Tensor& t);  // 0-d; the gradient is shared evenly among ties, as torch
Tensor min(const Tensor& t);
std::tuple<Tensor, Tensor> max(const Tensor& t, std::int64_t dim, bool keepdim = false);  // (values, indices)
std::tuple<Tensor, Tensor> min(const Tensor& t, std::int64_t dim, bool keepdim = false);
Tensor amax(const Tensor& t, std::int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& t);  // index into the flattened tensor
Tensor argmax(const Tensor& t, std::int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& t, std::int64_t dim, bool keepdim = false);
Tensor var(const Tensor& t);  // unbiased, as torch
Tensor var(const Tensor& t, const Dims& dims, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& t);
Tensor std(const Tensor& t, const Dims& dims, bool unbiased = true, bool keepdim = false);
Tensor logsumexp(const Tensor& t, std::int64_t dim, bool keepdim = false);
Tensor logsumexp(const Tensor& t, const Dims& dims, bool keepdim = false);

}  // namespace xgrad
