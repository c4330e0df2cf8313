// Regression losses, each a composition of differentiable ops (no backward of its own).
#include <cmath>

#include "loss_common.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/nn/functional.hpp"

namespace xgrad::nn::functional {

using detail::check_floating;
using detail::check_reduction;
using detail::check_same_shape;
using detail::reduce;

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options) {
  check_reduction("mse_loss", options.reduction);
  check_same_shape("mse_loss", input, target);
  check_floating("mse_loss", "input", input);
  const Tensor d = input - target;
  return reduce(d * d, options.reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& options) {
  check_reduction("l1_loss", options.reduction);
  check_same_shape("l1_loss", input, target);
  check_floating("l1_loss", "input", input);
  return reduce(abs(input - target), options.reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossOptions& options) {
  check_reduction("huber_loss", options.reduction);
  check_same_shape("huber_loss", input, target);
  check_floating("huber_loss", "input", input);
  const double delta = options.delta;
  if (!(delta > 0)) throw Error(fmt::format("huber_loss: delta must be positive, got {}", delta));
  const Tensor d = input - target;
  const Tensor ad = abs(d);
  // The quadratic branch is written with d, not |d|: its gradient d is then right at d = 0 too. Where
  // it is not taken it reads a constant 0, so its gradient there is 0, not 0·inf; NaN takes it, as
  // torch's (a NaN gradient).
  const Tensor linear = ge(ad, delta);
  const Tensor q = where(linear, 0.0, d);
  return reduce(where(linear, delta * (ad - 0.5 * delta), 0.5 * q * q), options.reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& options) {
  check_reduction("smooth_l1_loss", options.reduction);
  check_same_shape("smooth_l1_loss", input, target);
  check_floating("smooth_l1_loss", "input", input);
  const double beta = options.beta;
  if (!(beta >= 0)) throw Error(fmt::format("smooth_l1_loss: beta must be non-negative, got {}", beta));
  const Tensor d = input - target;
  const Tensor ad = abs(d);
  if (beta == 0) return reduce(ad, options.reduction);
  const Tensor linear = ge(ad, beta);  // as huber_loss: the branch not taken has gradient 0
  const Tensor q = where(linear, 0.0, d);
  return reduce(where(linear, ad - 0.5 * beta, (0.5 / beta) * q * q), options.reduction);
}

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivLossOptions& options) {
  check_reduction("kl_div", options.reduction, /*allow_batchmean=*/true);
  check_same_shape("kl_div", input, target);
  check_floating("kl_div", "input", input);
  check_floating("kl_div", "target", target);
  Tensor losses;
  if (options.log_target) {
    losses = exp(target) * (target - input);
  } else {
    // t·log t is 0 at t = 0 (xlogy) and NaN for t < 0, as torch. The inner where keeps log away from
    // 0, so no NaN reaches the gradient through the branch that is not taken.
    const Tensor zero = eq(target, 0.0);
    const Tensor safe = where(zero, 1.0, target);
    losses = where(zero, 0.0, target * log(safe)) - target * input;
  }
  if (options.reduction == "batchmean") {
    const double batch = input.dim() == 0 ? 1.0 : static_cast<double>(input.size(0));
    return sum(losses) / batch;
  }
  return reduce(losses, options.reduction);
}

}  // namespace xgrad::nn::functional
