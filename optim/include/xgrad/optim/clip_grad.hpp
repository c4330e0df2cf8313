// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_). They live in optim's library
// but keep torch's namespace, so code reads as it does in PyTorch.
#pragma once
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad::nn::utils {

// Scales the gradients of `parameters` in place so that their total norm (all gradients seen as one
// vector; norm_type a positive number or infinity) is at most max_norm. Parameters without a gradient
// are skipped. Returns the total norm before clipping. With error_if_nonfinite, a NaN or infinite
// total norm throws xgrad::Error instead of scaling the gradients by it.
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient element into [-clip_value, clip_value] in place.
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
void clip_grad_value_(const Tensor& parameter, double clip_value);

}  // namespace xgrad::nn::utils
