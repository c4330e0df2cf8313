// Stochastic gradient descent with momentum, dampening, Nesterov, weight decay and maximize (torch.optim.SGD).
#pragma once
#include <type_traits>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

// Fields in the order of torch's signature, with its defaults (lr as torch 2.2+, where it has one).
struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
};

extern template class OptimizerBase<SGDOptions>;

class SGD : public OptimizerBase<SGDOptions> {
 public:
  using Options = SGDOptions;
  explicit SGD(std::vector<Tensor> params, const SGDOptions& defaults = {});
  explicit SGD(std::vector<ParamGroup<SGDOptions>> groups, const SGDOptions& defaults = {});
  // libtorch's SGD(params, lr): the other options at their defaults. A template, so that a braced
  // list ({} or {.lr = ...}) still goes to the options form.
  template <class Lr>
    requires std::is_arithmetic_v<Lr>
  SGD(std::vector<Tensor> params, Lr lr) : SGD(std::move(params), SGDOptions{.lr = static_cast<double>(lr)}) {}

 protected:
  void update() override;
};

}  // namespace xgrad::optim
