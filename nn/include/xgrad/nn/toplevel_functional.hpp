// The losses and dropout at the top level too, as libtorch has them (torch::nll_loss, torch::dropout,
// torch::mse_loss): the same functions as xgrad::nn::functional's, not copies.
#pragma once
#include "xgrad/nn/dropout.hpp"
#include "xgrad/nn/functional.hpp"

namespace xgrad {

using nn::functional::binary_cross_entropy;
using nn::functional::binary_cross_entropy_with_logits;
using nn::functional::dropout;
using nn::functional::huber_loss;
using nn::functional::kl_div;
using nn::functional::l1_loss;
using nn::functional::mse_loss;
using nn::functional::nll_loss;
using nn::functional::smooth_l1_loss;
// libtorch's top-level name for the fused log_softmax + nll_loss.
inline Tensor cross_entropy_loss(const Tensor& input, const Tensor& target,
                                 const nn::CrossEntropyLossOptions& options = {}) {
  return nn::functional::cross_entropy(input, target, options);
}

}  // namespace xgrad
