// xgrad::nn::functional (torch.nn.functional): layers and losses as plain functions.
#pragma once
#include <string>
#include <vector>

#include "xgrad/elementwise.hpp"
#include "xgrad/linalg.hpp"
#include "xgrad/nn/activation.hpp"
#include "xgrad/nn/dropout.hpp"
#include "xgrad/nn/loss_options.hpp"
#include "xgrad/softmax.hpp"

namespace xgrad::nn::functional {

// The ops that are already free functions in xgrad, under their torch.nn.functional names.
using xgrad::elu;
using xgrad::leaky_relu;
using xgrad::linear;
using xgrad::log_softmax;
using xgrad::relu;
using xgrad::sigmoid;
using xgrad::softmax;
using xgrad::softplus;
using xgrad::tanh;

// Regression losses: input and target of the same shape.
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options = {});
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& options = {});
// 0.5·d² where |d| < delta, else delta·(|d| − 0.5·delta), with d = input − target.
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossOptions& options = {});
// 0.5·d²/beta where |d| < beta, else |d| − 0.5·beta (l1 when beta = 0).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& options = {});
// target·(log target − input) with input log-probabilities (target log-probabilities when log_target).
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivLossOptions& options = {});

// −w·(t·log x + (1−t)·log(1−x)) for probabilities x in [0, 1]; each log is clamped at −100, as torch.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& options = {});
// The same on logits, computed stably (finite for logits of ±1000), with an optional pos_weight.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options = {});

// Input logits [N, C], [C] or [N, C, d1, ...]. Target class indices (int64, the input's shape without
// C) or class probabilities (floating, the input's shape). log_softmax and nll fused in one op.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options = {});
// Input log-probabilities with the shapes of cross_entropy, target class indices.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options = {});

}  // namespace xgrad::nn::functional

namespace xgrad::nn {
// The backward node names nn records itself (its fused ops), for gradcheck coverage checks.
const std::vector<std::string>& registered_backward_names();
}  // namespace xgrad::nn
