// ReduceLROnPlateau: counts epochs without improvement (beyond a threshold) and scales the lr
// down by `factor` when they exceed `patience`, then waits `cooldown` epochs before counting again.
#include "xgrad/optim/reduce_lr_on_plateau.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "xgrad/error.hpp"

namespace xgrad::optim {

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const std::string& mode, double factor,
                                     std::int64_t patience, double threshold, const std::string& threshold_mode,
                                     std::int64_t cooldown, PerGroup min_lr, double eps)
    : optimizer_(optimizer),
      maximize_(mode == "max"),
      relative_(threshold_mode == "rel"),
      factor_(factor),
      patience_(patience),
      threshold_(threshold),
      cooldown_(cooldown),
      min_lrs_(min_lr.expand(optimizer.num_param_groups(), "ReduceLROnPlateau", "min_lr")),
      eps_(eps) {
  if (mode != "min" && mode != "max")
    throw Error(fmt::format("ReduceLROnPlateau: mode must be \"min\" or \"max\", got \"{}\"", mode));
  if (threshold_mode != "rel" && threshold_mode != "abs")
    throw Error(fmt::format("ReduceLROnPlateau: threshold_mode must be \"rel\" or \"abs\", got \"{}\"", threshold_mode));
  if (factor >= 1.0) throw Error(fmt::format("ReduceLROnPlateau: factor must be < 1.0, got {}", factor));
  if (patience < 0) throw Error(fmt::format("ReduceLROnPlateau: patience must be >= 0, got {}", patience));
  if (cooldown < 0) throw Error(fmt::format("ReduceLROnPlateau: cooldown must be >= 0, got {}", cooldown));
  best_ = maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) last_lr_.push_back(optimizer_.lr(g));
}

bool ReduceLROnPlateau::is_better(double a) const {
  if (maximize_) return relative_ ? a > best_ * (threshold_ + 1.0) : a > best_ + threshold_;
  return relative_ ? a < best_ * (1.0 - threshold_) : a < best_ - threshold_;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // bad epochs during a cooldown do not count
  }
  if (num_bad_epochs_ > patience_) {
    for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
      const double old_lr = optimizer_.lr(g);
      const double new_lr = std::max(old_lr * factor_, min_lrs_[g]);
      if (old_lr - new_lr > eps_) optimizer_.set_lr(g, new_lr);
    }
    cooldown_counter_ = cooldown_;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) last_lr_.push_back(optimizer_.lr(g));
}

void ReduceLROnPlateau::step(const Tensor& metric) {
  if (!metric.defined() || metric.numel() != 1)
    throw Error(fmt::format("ReduceLROnPlateau: step expects a one-element metric, got a tensor of shape {}",
                            metric.defined() ? shape_str(metric.shape()) : std::string("(undefined)")));
  step(metric.item<double>());
}

}  // namespace xgrad::optim
