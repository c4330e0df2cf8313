// Numerically stable softmax and log-softmax (no inf or NaN for logits of ±1000).
#pragma once
#include "xgrad/tensor.hpp"

namespace xgrad {

Tensor softmax(const Tensor& t, std::int64_t dim);
Tensor log_softmax(const Tensor& t, std::int64_t dim);

}  // namespace xgrad
