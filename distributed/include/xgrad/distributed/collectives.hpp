// Collective operations on tensors: every rank calls them in the same order with tensors of the
// same shape and dtype. A rank whose tensors differ gets an xgrad::Error on every rank (naming the
// tensor, and both shapes), not a hang.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad::distributed {

enum class Op {
  Sum,
  Mean,  // the sum divided by world_size(); floating-point tensors only
  Max,
  Min,
};

// Replaces `tensor`'s values, in place, by their reduction over all ranks: afterwards every rank holds
// the same values. float32, float64 and int64 tensors. Like every in-place change it bumps the
// tensor's version, and a tensor that requires grad needs xgrad::NoGradGuard.
void all_reduce(const Tensor& tensor, Op op = Op::Sum);

// Copies rank `root`'s values of `tensor` into `tensor` on every other rank, in place.
void broadcast(const Tensor& tensor, int root = 0);

// Copies rank `root`'s parameter values to every other rank (call it once, after building the model
// and before training, so every rank starts from the same weights). It first checks that every rank
// has the same number of parameters with the same shapes and dtypes; if not, every rank throws the
// same xgrad::Error naming the first differing parameter (its index, and its name when given) and
// both shapes. Works under any grad mode: parameters are written as an optimizer writes them.
void broadcast_parameters(const std::vector<Tensor>& parameters, int root = 0);
// The same with names in the errors, e.g. broadcast_parameters(net->named_parameters()).
void broadcast_parameters(const std::vector<std::pair<std::string, Tensor>>& named_parameters, int root = 0);

}  // namespace xgrad::distributed
