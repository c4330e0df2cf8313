// Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight decay), with amsgrad and
// maximize, as torch.optim.Adam / AdamW.
#pragma once
#include <type_traits>
#include <utility>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
  bool maximize = false;
};

struct AdamWOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
  bool maximize = false;
};

extern template class OptimizerBase<AdamOptions>;
extern template class OptimizerBase<AdamWOptions>;

class Adam : public OptimizerBase<AdamOptions> {
 public:
  using Options = AdamOptions;
  explicit Adam(std::vector<Tensor> params, const AdamOptions& defaults = {});
  explicit Adam(std::vector<ParamGroup<AdamOptions>> groups, const AdamOptions& defaults = {});
  // libtorch's Adam(params, lr): the other options at their defaults. A template, so that a braced
  // list ({} or {.lr = ...}) still goes to the options form.
  template <class Lr>
    requires std::is_arithmetic_v<Lr>
  Adam(std::vector<Tensor> params, Lr lr) : Adam(std::move(params), AdamOptions{.lr = static_cast<double>(lr)}) {}

 protected:
  void update() override;
};

class AdamW : public OptimizerBase<AdamWOptions> {
 public:
  using Options = AdamWOptions;
  explicit AdamW(std::vector<Tensor> params, const AdamWOptions& defaults = {});
  explicit AdamW(std::vector<ParamGroup<AdamWOptions>> groups, const AdamWOptions& defaults = {});
  // libtorch's AdamW(params, lr): the other options at their defaults. A template, so that a braced
  // list ({} or {.lr = ...}) still goes to the options form.
  template <class Lr>
    requires std::is_arithmetic_v<Lr>
  AdamW(std::vector<Tensor> params, Lr lr) : AdamW(std::move(params), AdamWOptions{.lr = static_cast<double>(lr)}) {}

 protected:
  void update() override;
};

}  // namespace xgrad::optim
