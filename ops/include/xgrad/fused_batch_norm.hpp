// Training-mode batch normalization as one fused op (nn::functional::batch_norm runs it; it checks the
// arguments and updates the running statistics).
#pragma once
#include "xgrad/tensor.hpp"

namespace xgrad::fused {

struct BatchNormTrainResult {
  Tensor output;  // (x − mean) / sqrt(var + eps) · weight + bias, per channel
  Tensor mean;    // [C], the batch mean (no history)
  Tensor var;     // [C], the biased batch variance (no history)
};

// x [N, C, *] floating; weight and bias [C] of x's dtype, or undefined. Differentiable in x, weight and
// bias, to any order.
BatchNormTrainResult batch_norm_train(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps);

}  // namespace xgrad::fused
