// Stochastic gradient descent with momentum, dampening, Nesterov, weight decay and maximize (torch.optim.SGD).
#pragma once
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

 protected:
  void update() override;
};

}  // namespace xgrad::optim
