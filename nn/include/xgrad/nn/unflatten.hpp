// Unflatten: splits dimension `dim` into `sizes`, as torch.nn.Unflatten (e.g. [B, 784] -> [B, 1, 28, 28]
// in front of a convolution).
#pragma once
#include <cstdint>

#include <fmt/format.h>

#include "xgrad/nn/module.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad::nn {

class UnflattenImpl : public Module {
 public:
  UnflattenImpl(std::int64_t dim_, Shape sizes_) : dim(dim_), sizes(std::move(sizes_)) {}
  Tensor forward(const Tensor& x) const {
    const std::int64_t d = dim < 0 ? dim + x.dim() : dim;
    if (d < 0 || d >= x.dim())
      throw Error(fmt::format("Unflatten: dim {} is out of range for input of shape {}", dim, shape_str(x.shape())));
    Shape shape(x.shape().begin(), x.shape().begin() + d);
    shape.insert(shape.end(), sizes.begin(), sizes.end());
    shape.insert(shape.end(), x.shape().begin() + d + 1, x.shape().end());
    return reshape(x, shape);  // reshape names both shapes when the sizes do not multiply out
  }
  std::string extra_repr() const override { return fmt::format("dim={}, unflattened_size={}", dim, shape_str(sizes)); }
  std::int64_t dim;
  Shape sizes;
};
XGRAD_MODULE(Unflatten);

}  // namespace xgrad::nn
