// EarlyStopping: a patience counter over a metric, plus a cloned snapshot of the best state.
#include "xgrad/optim/early_stopping.hpp"

#include <limits>

#include <fmt/format.h>

#include "xgrad/error.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad::optim {

EarlyStopping::EarlyStopping(std::int64_t patience, double min_delta, const std::string& mode)
    : patience_(patience), min_delta_(min_delta), maximize_(mode == "max") {
  if (mode != "min" && mode != "max")
    throw Error(fmt::format("EarlyStopping: mode must be \"min\" or \"max\", got \"{}\"", mode));
  if (patience < 0) throw Error(fmt::format("EarlyStopping: patience must be >= 0, got {}", patience));
  if (!(min_delta >= 0)) throw Error(fmt::format("EarlyStopping: min_delta must be >= 0, got {}", min_delta));
  reset();
}

void EarlyStopping::reset() {
  best_ = maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  best_epoch_ = -1;
  epochs_ = num_bad_epochs_ = 0;
  stop_ = has_state_ = false;
  best_state_ = StateDict();
}

bool EarlyStopping::step(double metric) {
  // NaN compares false, so a NaN metric counts as no improvement.
  const bool improved = maximize_ ? metric > best_ + min_delta_ : metric < best_ - min_delta_;
  if (improved) {
    best_ = metric;
    best_epoch_ = epochs_;
    num_bad_epochs_ = 0;
  } else if (++num_bad_epochs_ >= patience_) {
    stop_ = true;
  }
  ++epochs_;
  return stop_;
}

bool EarlyStopping::step(double metric, const StateDict& state) {
  const std::int64_t before = best_epoch_;
  step(metric);
  if (best_epoch_ != before) {
    NoGradGuard no_grad;
    StateDict copy;
    for (const auto& [name, t] : state) copy.insert(name, t.defined() ? t.detach().clone() : t);
    best_state_ = std::move(copy);
    has_state_ = true;
  }
  return stop_;
}

const StateDict& EarlyStopping::best_state() const {
  if (!has_state_)
    throw Error("EarlyStopping: best_state: no state was saved; pass the model's state_dict() to step(metric, state)");
  return best_state_;
}

void EarlyStopping::restore_best(const StateDict& target) const {
  const StateDict& best = best_state();
  for (const auto& [name, t] : target) {
    if (!best.contains(name))
      throw Error(fmt::format("EarlyStopping: restore_best: '{}' is not in the saved best state", name));
  }
  for (const auto& [name, saved] : best) {
    if (!target.contains(name))
      throw Error(fmt::format("EarlyStopping: restore_best: the target has no entry '{}'", name));
    if (target.at(name).shape() != saved.shape())
      throw Error(fmt::format("EarlyStopping: restore_best: '{}' has shape {} in the target and {} in the best state",
                              name, shape_str(target.at(name).shape()), shape_str(saved.shape())));
  }
  NoGradGuard no_grad;
  for (const auto& [name, saved] : best) {
    Tensor live = target.at(name);
    live.copy_(saved);
  }
}

}  // namespace xgrad::optim
