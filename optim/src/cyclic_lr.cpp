// CyclicLR, as torch.optim.lr_scheduler.CyclicLR: not chainable, each lr is computed from the step
// number, the group's base_lr and max_lr.
#include <cmath>

#include <fmt/format.h>

#include "cycled_momentum.hpp"
#include "xgrad/error.hpp"
#include "xgrad/optim/lr_scheduler.hpp"

namespace xgrad::optim {

namespace {

// torch sets every group's lr to base_lr before the scheduler records its initial lr; this runs in
// the constructor's initializer list, ahead of LRScheduler's constructor.
Optimizer& with_lrs(Optimizer& optimizer, const std::vector<double>& lrs) {
  for (std::size_t g = 0; g < lrs.size(); ++g) optimizer.set_lr(g, lrs[g]);
  return optimizer;
}

CyclicLR::ScaleFn mode_scale(const std::string& mode, double gamma) {
  if (mode == "triangular") return [](double) { return 1.0; };
  if (mode == "triangular2") return [](double cycle) { return 1.0 / std::pow(2.0, cycle - 1); };
  if (mode == "exp_range") return [gamma](double step) { return std::pow(gamma, step); };
  throw Error(fmt::format(
      "CyclicLR: mode must be \"triangular\", \"triangular2\" or \"exp_range\" (or pass a scale_fn), got \"{}\"", mode));
}

}  // namespace

CyclicLR::CyclicLR(Optimizer& optimizer, PerGroup base_lr, PerGroup max_lr, std::int64_t step_size_up,
                   std::optional<std::int64_t> step_size_down, const std::string& mode, double gamma, ScaleFn scale_fn,
                   const std::string& scale_mode, bool cycle_momentum, PerGroup base_momentum, PerGroup max_momentum)
    : LRScheduler(with_lrs(optimizer, base_lr.expand(optimizer.num_param_groups(), "CyclicLR", "base_lr")), "CyclicLR"),
      max_lrs_(max_lr.expand(optimizer.num_param_groups(), "CyclicLR", "max_lr")),
      cycle_momentum_(cycle_momentum) {
  const std::int64_t down = step_size_down.value_or(step_size_up);
  if (step_size_up <= 0 || down < 0)
    throw Error(fmt::format("CyclicLR: step_size_up must be positive and step_size_down not negative, got {} and {}",
                            step_size_up, down));
  total_size_ = static_cast<double>(step_size_up + down);
  step_ratio_ = static_cast<double>(step_size_up) / total_size_;
  if (scale_fn) {
    if (scale_mode != "cycle" && scale_mode != "iterations")
      throw Error(fmt::format("CyclicLR: scale_mode must be \"cycle\" or \"iterations\", got \"{}\"", scale_mode));
    scale_fn_ = std::move(scale_fn);
    scale_by_cycle_ = scale_mode == "cycle";
  } else {
    scale_fn_ = mode_scale(mode, gamma);
    scale_by_cycle_ = mode != "exp_range";
  }
  // The base lrs are base_lr even when another scheduler recorded the group's initial lr first.
  base_lrs_ = base_lr.expand(optimizer.num_param_groups(), "CyclicLR", "base_lr");
  if (cycle_momentum_) {
    momentum_option_ = cycled_momentum_option(optimizer, "CyclicLR");
    base_momenta_ = base_momentum.expand(optimizer.num_param_groups(), "CyclicLR", "base_momentum");
    max_momenta_ = max_momentum.expand(optimizer.num_param_groups(), "CyclicLR", "max_momentum");
  }
  initial_step();
}

std::vector<double> CyclicLR::get_lr() {
  const double t = static_cast<double>(last_epoch_);
  const double cycle = std::floor(1 + t / total_size_);
  const double x = 1.0 + t / total_size_ - cycle;  // position in the cycle, [0, 1)
  const double factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  const double scale = scale_fn_(scale_by_cycle_ ? cycle : t);
  std::vector<double> lrs;
  for (std::size_t g = 0; g < base_lrs_.size(); ++g) {
    lrs.push_back(base_lrs_[g] + (max_lrs_[g] - base_lrs_[g]) * factor * scale);
    if (cycle_momentum_)
      set_cycled_momentum(optimizer_, g, momentum_option_,
                          max_momenta_[g] - (max_momenta_[g] - base_momenta_[g]) * factor * scale);
  }
  return lrs;
}

}  // namespace xgrad::optim
