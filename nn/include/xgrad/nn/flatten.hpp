// The two layers that only reshape: Flatten (torch's default start_dim 1 keeps the batch) and Identity.
#pragma once
#include <cstdint>

#include <fmt/format.h>

#include "xgrad/nn/module.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad::nn {

class FlattenImpl : public Module {
 public:
  explicit FlattenImpl(std::int64_t start_dim_ = 1, std::int64_t end_dim_ = -1)
      : start_dim(start_dim_), end_dim(end_dim_) {}
  Tensor forward(const Tensor& x) const { return flatten(x, start_dim, end_dim); }
  std::string extra_repr() const override { return fmt::format("start_dim={}, end_dim={}", start_dim, end_dim); }
  std::int64_t start_dim, end_dim;
};
XGRAD_MODULE(Flatten);

class IdentityImpl : public Module {
 public:
  Tensor forward(const Tensor& x) const { return x; }
};
XGRAD_MODULE(Identity);

}  // namespace xgrad::nn
