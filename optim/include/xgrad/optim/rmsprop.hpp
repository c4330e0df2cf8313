// RMSprop with momentum and the centered variant, as torch.optim.RMSprop.
#pragma once
#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  bool maximize = false;
};

extern template class OptimizerBase<RMSpropOptions>;

class RMSprop : public OptimizerBase<RMSpropOptions> {
 public:
  using Options = RMSpropOptions;
  explicit RMSprop(std::vector<Tensor> params, const RMSpropOptions& defaults = {});
  explicit RMSprop(std::vector<ParamGroup<RMSpropOptions>> groups, const RMSpropOptions& defaults = {});

 protected:
  void update() override;
};

}  // namespace xgrad::optim
