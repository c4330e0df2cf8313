// OneCycleLR: two (or three) phases, each annealing lr and momentum between named levels.
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "cycled_momentum.hpp"
#include "xgrad/error.hpp"
#include "xgrad/optim/lr_scheduler.hpp"

namespace xgrad::optim {

namespace {

std::int64_t resolve_total_steps(std::optional<std::int64_t> total_steps, std::optional<std::int64_t> epochs,
                                 std::optional<std::int64_t> steps_per_epoch) {
  if (total_steps) {
    if (*total_steps <= 0)
      throw Error(fmt::format("OneCycleLR: total_steps must be a positive integer, got {}", *total_steps));
    return *total_steps;
  }
  if (!epochs || !steps_per_epoch)
    throw Error("OneCycleLR: give either total_steps or both epochs and steps_per_epoch");
  if (*epochs <= 0) throw Error(fmt::format("OneCycleLR: epochs must be a positive integer, got {}", *epochs));
  if (*steps_per_epoch <= 0)
    throw Error(fmt::format("OneCycleLR: steps_per_epoch must be a positive integer, got {}", *steps_per_epoch));
  return *epochs * *steps_per_epoch;
}

// The optimizer's lr before the base constructor runs (OneCycleLR sets initial_lr itself).
Optimizer& prepared(Optimizer& optimizer, const std::vector<double>& initial_lrs) {
  for (std::size_t g = 0; g < initial_lrs.size(); ++g) optimizer.set_initial_lr(g, initial_lrs[g]);
  return optimizer;
}

std::vector<double> divided(std::vector<double> values, double by) {
  for (double& v : values) v /= by;
  return values;
}

}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, PerGroup max_lr, std::optional<std::int64_t> total_steps,
                       std::optional<std::int64_t> epochs, std::optional<std::int64_t> steps_per_epoch,
                       double pct_start, const std::string& anneal_strategy, bool cycle_momentum,
                       PerGroup base_momentum, PerGroup max_momentum, double div_factor, double final_div_factor,
                       bool three_phase)
    : LRScheduler(prepared(optimizer,
                           divided(max_lr.expand(optimizer.num_param_groups(), "OneCycleLR", "max_lr"), div_factor)),
                  "OneCycleLR"),
      total_steps_(resolve_total_steps(total_steps, epochs, steps_per_epoch)),
      cosine_(anneal_strategy == "cos"),
      cycle_momentum_(cycle_momentum) {
  if (pct_start < 0 || pct_start > 1)
    throw Error(fmt::format("OneCycleLR: pct_start must be between 0 and 1, got {}", pct_start));
  if (anneal_strategy != "cos" && anneal_strategy != "linear")
    throw Error(fmt::format("OneCycleLR: anneal_strategy must be \"cos\" or \"linear\", got \"{}\"", anneal_strategy));
  const double total = static_cast<double>(total_steps_);
  if (three_phase) {
    phases_ = {{pct_start * total - 1, Level::Initial, Level::Max, true, false},
               {2 * pct_start * total - 2, Level::Max, Level::Initial, false, true},
               {total - 1, Level::Initial, Level::Min, true, true}};
  } else {
    phases_ = {{pct_start * total - 1, Level::Initial, Level::Max, true, false},
               {total - 1, Level::Max, Level::Min, false, true}};
  }
  const std::size_t groups = optimizer.num_param_groups();
  max_lrs_ = max_lr.expand(groups, "OneCycleLR", "max_lr");
  initial_lrs_ = divided(max_lrs_, div_factor);
  min_lrs_ = divided(initial_lrs_, final_div_factor);
  if (cycle_momentum_) {
    momentum_option_ = cycled_momentum_option(optimizer, "OneCycleLR");
    max_momenta_ = max_momentum.expand(groups, "OneCycleLR", "max_momentum");
    base_momenta_ = base_momentum.expand(groups, "OneCycleLR", "base_momentum");
  }
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (cosine_) return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1);
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
  const std::int64_t step_num = last_epoch_;
  if (step_num > total_steps_)
    throw Error(fmt::format("OneCycleLR: tried to step {} times, but total_steps is {}", step_num + 1, total_steps_));
  std::vector<double> lrs;
  for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
    const auto level = [&](Level l) {
      return l == Level::Initial ? initial_lrs_[g] : l == Level::Max ? max_lrs_[g] : min_lrs_[g];
    };
    const auto momentum = [&](bool high) { return high ? max_momenta_[g] : base_momenta_[g]; };
    double start_step = 0, lr = 0, m = 0;
    for (std::size_t i = 0; i < phases_.size(); ++i) {
      const Phase& phase = phases_[i];
      if (static_cast<double>(step_num) <= phase.end_step || i + 1 == phases_.size()) {
        const double pct = (static_cast<double>(step_num) - start_step) / (phase.end_step - start_step);
        lr = anneal(level(phase.start_lr), level(phase.end_lr), pct);
        if (cycle_momentum_) m = anneal(momentum(phase.momentum_starts_high), momentum(phase.momentum_ends_high), pct);
        break;
      }
      start_step = phase.end_step;
    }
    lrs.push_back(lr);
    if (cycle_momentum_) set_cycled_momentum(optimizer_, g, momentum_option_, m);
  }
  return lrs;
}

}  // namespace xgrad::optim
