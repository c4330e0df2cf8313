// Dropout: in training, zeroes each element with probability p and scales the rest by 1/(1−p)
// (inverted dropout, so eval needs no rescaling); the identity in eval. Seeded by xg::manual_seed.
#pragma once
#include <fmt/format.h>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

namespace functional {
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);
}  // namespace functional

class DropoutImpl : public Module {
 public:
  explicit DropoutImpl(double p = 0.5);
  Tensor forward(const Tensor& x) const { return functional::dropout(x, p, is_training()); }
  std::string extra_repr() const override { return fmt::format("p={}", p); }
  double p;
};
XGRAD_MODULE(Dropout);

}  // namespace xgrad::nn
