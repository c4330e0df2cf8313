// The fused loss ops under nn::functional's losses: one recorded node each, computed in one pass.
// nn checks the arguments and applies weights and reductions; these take checked, same-dtype inputs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad::fused {

// Per-row negative log-likelihood of log-probabilities [M, C] against class indices [M] (int64), with
// an optional class weight [C] (a constant), rows whose target is `ignore_index` giving 0, and label
// smoothing (ε/C of each row's weight spread over the classes). `total_weight` receives Σ over kept
// rows of the target's weight (the mean's denominator).
Tensor nll_rows(const Tensor& log_probabilities, const Tensor& target, const Tensor& weight, std::int64_t ignore_index,
                double label_smoothing, double& total_weight);

// nll_rows over log_softmax(logits, 1): cross-entropy as torch composes it.
Tensor cross_entropy_rows(const Tensor& logits, const Tensor& target, const Tensor& weight, std::int64_t ignore_index,
                          double label_smoothing, double& total_weight);

// −(t·max(log x, −100) + (1−t)·max(log(1−x), −100)) elementwise, x in [0, 1].
Tensor binary_cross_entropy(const Tensor& x, const Tensor& t);

// (1−t)·x + (1 + (p−1)·t)·softplus(−x) elementwise; an undefined pos_weight p means 1.
Tensor binary_cross_entropy_with_logits(const Tensor& x, const Tensor& t, const Tensor& pos_weight);

// The node names these ops record (nn::registered_backward_names() returns them).
const std::vector<std::string>& backward_names();

}  // namespace xgrad::fused
