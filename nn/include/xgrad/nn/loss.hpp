// Loss modules (torch.nn.MSELoss, CrossEntropyLoss, ...): hold their options and call the functional
// form. Build one from its options: CrossEntropyLoss loss({.label_smoothing = 0.1}); loss(logits, labels).
// Class weights and pos_weight are registered as buffers, as in torch (they follow to(dtype) and
// appear in state_dict()).
#pragma once
#include "xgrad/nn/functional.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

namespace detail {
// The shared shape of a loss module: options in, forward(input, target) out.
template <class OptionsT, Tensor (*Fn)(const Tensor&, const Tensor&, const OptionsT&)>
class LossImpl : public Module {
 public:
  using Options = OptionsT;
  explicit LossImpl(Options options_ = {}) : options(std::move(options_)) {
    if constexpr (requires { options.weight; })
      if (options.weight.defined()) options.weight = register_buffer("weight", options.weight);
    if constexpr (requires { options.pos_weight; })
      if (options.pos_weight.defined()) options.pos_weight = register_buffer("pos_weight", options.pos_weight);
  }
  Tensor forward(const Tensor& input, const Tensor& target) const { return Fn(input, target, options); }
  std::string extra_repr() const override { return "reduction='" + options.reduction + "'"; }
  Options options;
};
}  // namespace detail

#define XGRAD_LOSS(Name, OptionsT, fn)                                    \
  class Name##Impl : public detail::LossImpl<OptionsT, &functional::fn> { \
   public:                                                                \
    using detail::LossImpl<OptionsT, &functional::fn>::LossImpl;          \
  };                                                                      \
  XGRAD_MODULE(Name)

XGRAD_LOSS(MSELoss, MSELossOptions, mse_loss);
XGRAD_LOSS(L1Loss, L1LossOptions, l1_loss);
XGRAD_LOSS(BCELoss, BCELossOptions, binary_cross_entropy);
XGRAD_LOSS(BCEWithLogitsLoss, BCEWithLogitsLossOptions, binary_cross_entropy_with_logits);
XGRAD_LOSS(CrossEntropyLoss, CrossEntropyLossOptions, cross_entropy);
XGRAD_LOSS(NLLLoss, NLLLossOptions, nll_loss);
XGRAD_LOSS(HuberLoss, HuberLossOptions, huber_loss);
XGRAD_LOSS(SmoothL1Loss, SmoothL1LossOptions, smooth_l1_loss);
XGRAD_LOSS(KLDivLoss, KLDivLossOptions, kl_div);

#undef XGRAD_LOSS

}  // namespace xgrad::nn
