// Helpers shared by the loss files: argument checks with messages naming the loss, and reductions.
#pragma once
#include <string>

#include <fmt/format.h>

#include "xgrad/error.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad::nn::detail {

inline void check_reduction(const char* loss, const std::string& reduction, bool allow_batchmean = false) {
  if (reduction == "mean" || reduction == "sum" || reduction == "none" || (allow_batchmean && reduction == "batchmean"))
    return;
  throw Error(fmt::format("{}: reduction must be 'mean', 'sum'{} or 'none', got '{}'", loss,
                          allow_batchmean ? ", 'batchmean'" : "", reduction));
}

// Per-element losses reduced as asked ("mean" of no elements is NaN, as torch).
inline Tensor reduce(const Tensor& losses, const std::string& reduction) {
  if (reduction == "none") return losses;
  if (reduction == "sum") return sum(losses);
  return mean(losses);
}

inline void check_defined(const char* loss, const Tensor& input, const Tensor& target) {
  if (!input.defined() || !target.defined()) throw Error(fmt::format("{}: input and target must be defined", loss));
}

// Elementwise losses take a target of exactly the input's shape: a broadcast ([N] against [N, 1])
// is almost always a bug, so it is an error rather than torch's warning.
inline void check_same_shape(const char* loss, const Tensor& input, const Tensor& target) {
  check_defined(loss, input, target);
  if (input.shape() != target.shape())
    throw Error(fmt::format("{}: target of shape {} does not match input of shape {}", loss, shape_str(target.shape()),
                            shape_str(input.shape())));
}

inline void check_floating(const char* loss, const char* what, const Tensor& t) {
  if (!t.is_floating_point())
    throw Error(fmt::format("{}: {} must be floating point, got {} of shape {}", loss, what, dtype_name(t.dtype()),
                            shape_str(t.shape())));
}

}  // namespace xgrad::nn::detail
