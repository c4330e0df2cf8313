// Adadelta, as torch.optim.Adadelta.
#pragma once
#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

struct AdadeltaOptions {
  double lr = 1.0;
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0.0;
  bool maximize = false;
};

extern template class OptimizerBase<AdadeltaOptions>;

class Adadelta : public OptimizerBase<AdadeltaOptions> {
 public:
  using Options = AdadeltaOptions;
  explicit Adadelta(std::vector<Tensor> params, const AdadeltaOptions& defaults = {});
  explicit Adadelta(std::vector<ParamGroup<AdadeltaOptions>> groups, const AdadeltaOptions& defaults = {});

 protected:
  void update() override;
};

}  // namespace xgrad::optim
