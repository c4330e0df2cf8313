// The L2 (ridge) penalty β·Σ‖W‖² over chosen parameters, added to a loss by hand — the explicit
// form of what optimizers' weight_decay does inside the update.
#pragma once
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad::nn {

// β·Σ_p Σ_i p_i² as a 0-d tensor (differentiable: its gradient is 2β·p). Pick the weights only
// (e.g. every "*.weight" of named_parameters()) to leave biases unpenalized, as ridge regression does.
Tensor l2_penalty(const std::vector<Tensor>& parameters, double beta);

}  // namespace xgrad::nn
