// libtorch's builder forms of the optimizer options: SGDOptions(0.01).momentum(0.9),
// AdamOptions(1e-3).betas({0.5, 0.999}). xgrad's own options (SGDOptions in sgd.hpp, ...) are
// aggregates for designated initializers, and a type cannot both be an aggregate with a field
// `momentum` and have a method `momentum(m)`; so the builders are separate types in
// xgrad::optim::builder, each converting to its aggregate, and <xgrad/torch.hpp> gives them the
// libtorch names (torch::optim::SGDOptions).
#pragma once
#include <tuple>

#include "xgrad/optim/adam.hpp"
#include "xgrad/optim/sgd.hpp"

namespace xgrad::optim::builder {

// Defines a setter `name(v)` returning the builder (for chains) and a getter `name()`, over the
// aggregate's field of the same name.
#define XGRAD_OPTION_(Builder, type, name) \
  Builder& name(type v) {                  \
    options_.name = v;                     \
    return *this;                          \
  }                                        \
  type name() const { return options_.name; }

class SGDOptions {
 public:
  SGDOptions(double lr) { options_.lr = lr; }  // implicit, as libtorch's: SGD(params, 0.01)
  XGRAD_OPTION_(SGDOptions, double, lr)
  XGRAD_OPTION_(SGDOptions, double, momentum)
  XGRAD_OPTION_(SGDOptions, double, dampening)
  XGRAD_OPTION_(SGDOptions, double, weight_decay)
  XGRAD_OPTION_(SGDOptions, bool, nesterov)
  XGRAD_OPTION_(SGDOptions, bool, maximize)
  operator const optim::SGDOptions&() const { return options_; }

 private:
  optim::SGDOptions options_;
};

// Adam and AdamW share libtorch's builder shape; betas are a tuple there and a pair here.
template <class Aggregate>
class AdamLikeOptions {
 public:
  AdamLikeOptions(double lr = 1e-3) { options_.lr = lr; }
  XGRAD_OPTION_(AdamLikeOptions, double, lr)
  XGRAD_OPTION_(AdamLikeOptions, double, eps)
  XGRAD_OPTION_(AdamLikeOptions, double, weight_decay)
  XGRAD_OPTION_(AdamLikeOptions, bool, amsgrad)
  XGRAD_OPTION_(AdamLikeOptions, bool, maximize)
  AdamLikeOptions& betas(const std::tuple<double, double>& b) {
    options_.betas = {std::get<0>(b), std::get<1>(b)};
    return *this;
  }
  std::tuple<double, double> betas() const { return {options_.betas.first, options_.betas.second}; }
  operator const Aggregate&() const { return options_; }

 private:
  Aggregate options_;
};
using AdamOptions = AdamLikeOptions<optim::AdamOptions>;
using AdamWOptions = AdamLikeOptions<optim::AdamWOptions>;

#undef XGRAD_OPTION_

}  // namespace xgrad::optim::builder
