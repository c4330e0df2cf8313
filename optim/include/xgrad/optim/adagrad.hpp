// Adagrad with lr decay and an initial accumulator value, as torch.optim.Adagrad.
#pragma once
#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  bool maximize = false;
};

extern template class OptimizerBase<AdagradOptions>;

class Adagrad : public OptimizerBase<AdagradOptions> {
 public:
  using Options = AdagradOptions;
  explicit Adagrad(std::vector<Tensor> params, const AdagradOptions& defaults = {});
  explicit Adagrad(std::vector<ParamGroup<AdagradOptions>> groups, const AdagradOptions& defaults = {});

 protected:
  void update() override;
};

}  // namespace xgrad::optim
