// The chainable schedulers: each get_lr() reads the groups' current lrs, as torch's get_lr() does,
// so sequences match torch's step by step (closed forms would differ in the last bits).
#include "xgrad/optim/lr_scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "xgrad/error.hpp"

namespace xgrad::optim {

std::vector<double> PerGroup::expand(std::size_t groups, const char* who, const char* what) const {
  if (!per_group_) return std::vector<double>(groups, values_[0]);
  if (values_.size() != groups)
    throw Error(fmt::format("{}: expected {} values for {} (one per param group), got {}", who, groups, what,
                            values_.size()));
  return values_;
}

LRScheduler::LRScheduler(Optimizer& optimizer, const char* kind) : optimizer_(optimizer), kind_(kind) {
  // The first scheduler on an optimizer records where each group started; later ones share it.
  for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
    if (!optimizer_.initial_lr(g)) optimizer_.set_initial_lr(g, optimizer_.lr(g));
    base_lrs_.push_back(*optimizer_.initial_lr(g));
  }
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  apply(get_lr());
}

void LRScheduler::rewind_initial_step(bool step_again) {
  --last_epoch_;
  if (step_again) initial_step();
}

void LRScheduler::restart() {
  ++step_count_;
  last_epoch_ = 0;
  apply(restart_lr());
}

void LRScheduler::apply(const std::vector<double>& lrs) {
  for (std::size_t g = 0; g < lrs.size(); ++g) optimizer_.set_lr(g, lrs[g]);
  last_lr_ = current_lrs();
}

std::vector<double> LRScheduler::current_lrs() const {
  std::vector<double> lrs;
  for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) lrs.push_back(optimizer_.lr(g));
  return lrs;
}

namespace {

std::vector<double> scaled(std::vector<double> lrs, double factor) {
  for (double& lr : lrs) lr *= factor;
  return lrs;
}

template <class Lambda>
std::vector<Lambda> one_per_group(std::vector<Lambda> lambdas, std::size_t groups, const char* who) {
  if (lambdas.size() != groups)
    throw Error(fmt::format("{}: expected {} lr_lambdas (one per param group), got {}", who, groups, lambdas.size()));
  for (const auto& f : lambdas)
    if (!f) throw Error(fmt::format("{}: an lr_lambda is empty", who));
  return lambdas;
}

}  // namespace

// ---- LambdaLR, MultiplicativeLR ----

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.num_param_groups(), lr_lambda)) {}
LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas)
    : LRScheduler(optimizer, "LambdaLR"), lambdas_(one_per_group(std::move(lr_lambdas), optimizer.num_param_groups(), "LambdaLR")) {
  initial_step();
}
std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (std::size_t g = 0; g < base_lrs_.size(); ++g) lrs.push_back(base_lrs_[g] * lambdas_[g](last_epoch_));
  return lrs;
}

MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, Lambda lr_lambda)
    : MultiplicativeLR(optimizer, std::vector<Lambda>(optimizer.num_param_groups(), lr_lambda)) {}
MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas)
    : LRScheduler(optimizer, "MultiplicativeLR"),
      lambdas_(one_per_group(std::move(lr_lambdas), optimizer.num_param_groups(), "MultiplicativeLR")) {
  initial_step();
}
std::vector<double> MultiplicativeLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ > 0)
    for (std::size_t g = 0; g < lrs.size(); ++g) lrs[g] *= lambdas_[g](last_epoch_);
  return lrs;
}

// ---- StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR ----

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler(optimizer, "StepLR"), step_size_(step_size), gamma_(gamma) {
  if (step_size <= 0) throw Error(fmt::format("StepLR: step_size must be positive, got {}", step_size));
  initial_step();
}
std::vector<double> StepLR::get_lr() {
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return current_lrs();
  return scaled(current_lrs(), gamma_);
}
std::vector<double> StepLR::restart_lr() { return base_lrs_; }

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma)
    : LRScheduler(optimizer, "MultiStepLR"), milestones_(std::move(milestones)), gamma_(gamma) {
  initial_step();
}
std::vector<double> MultiStepLR::get_lr() {
  const auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return current_lrs();
  return scaled(current_lrs(), std::pow(gamma_, static_cast<double>(hits)));
}
std::vector<double> MultiStepLR::restart_lr() {
  const auto passed = std::count_if(milestones_.begin(), milestones_.end(), [](std::int64_t m) { return m <= 0; });
  return scaled(base_lrs_, std::pow(gamma_, static_cast<double>(passed)));
}

ConstantLR::ConstantLR(Optimizer& optimizer, double factor, std::int64_t total_iters)
    : LRScheduler(optimizer, "ConstantLR"), factor_(factor), total_iters_(total_iters) {
  if (factor > 1.0 || factor < 0.0)
    throw Error(fmt::format("ConstantLR: factor must be between 0 and 1, got {}", factor));
  initial_step();
}
std::vector<double> ConstantLR::get_lr() {
  if (last_epoch_ == 0) return scaled(current_lrs(), factor_);
  if (last_epoch_ != total_iters_) return current_lrs();
  return scaled(current_lrs(), 1.0 / factor_);
}
std::vector<double> ConstantLR::restart_lr() {
  return total_iters_ > 0 ? scaled(base_lrs_, factor_) : base_lrs_;
}

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, std::int64_t total_iters)
    : LRScheduler(optimizer, "LinearLR"), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  if (start_factor > 1.0 || start_factor <= 0.0)
    throw Error(fmt::format("LinearLR: start_factor must be in (0, 1], got {}", start_factor));
  if (end_factor > 1.0 || end_factor < 0.0)
    throw Error(fmt::format("LinearLR: end_factor must be in [0, 1], got {}", end_factor));
  if (total_iters <= 0) throw Error(fmt::format("LinearLR: total_iters must be positive, got {}", total_iters));
  initial_step();
}
std::vector<double> LinearLR::get_lr() {
  if (last_epoch_ == 0) return scaled(current_lrs(), start_factor_);
  if (last_epoch_ > total_iters_) return current_lrs();
  const double span = end_factor_ - start_factor_;
  return scaled(current_lrs(),
                1.0 + span / (static_cast<double>(total_iters_) * start_factor_ +
                              static_cast<double>(last_epoch_ - 1) * span));
}
std::vector<double> LinearLR::restart_lr() { return scaled(base_lrs_, start_factor_); }

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer, "ExponentialLR"), gamma_(gamma) {
  initial_step();
}
std::vector<double> ExponentialLR::get_lr() {
  if (last_epoch_ == 0) return current_lrs();
  return scaled(current_lrs(), gamma_);
}
std::vector<double> ExponentialLR::restart_lr() { return base_lrs_; }

PolynomialLR::PolynomialLR(Optimizer& optimizer, std::int64_t total_iters, double power)
    : LRScheduler(optimizer, "PolynomialLR"), total_iters_(total_iters), power_(power) {
  if (total_iters <= 0) throw Error(fmt::format("PolynomialLR: total_iters must be positive, got {}", total_iters));
  initial_step();
}
std::vector<double> PolynomialLR::get_lr() {
  if (last_epoch_ == 0 || last_epoch_ > total_iters_) return current_lrs();
  const double n = static_cast<double>(total_iters_), t = static_cast<double>(last_epoch_);
  return scaled(current_lrs(), std::pow((1.0 - t / n) / (1.0 - (t - 1) / n), power_));
}
std::vector<double> PolynomialLR::restart_lr() { return base_lrs_; }

// ---- cosine annealing ----

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min)
    : LRScheduler(optimizer, "CosineAnnealingLR"), T_max_(T_max), eta_min_(eta_min) {
  if (T_max <= 0) throw Error(fmt::format("CosineAnnealingLR: T_max must be positive, got {}", T_max));
  initial_step();
}
std::vector<double> CosineAnnealingLR::get_lr() {
  constexpr double pi = std::numbers::pi;
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0) return lrs;
  const double T = static_cast<double>(T_max_), t = static_cast<double>(last_epoch_);
  // Python's % is a floor modulo: the restart test holds for last_epoch = T_max + 1 + k·2·T_max.
  const std::int64_t period = 2 * T_max_;
  if ((((last_epoch_ - 1 - T_max_) % period) + period) % period == 0) {
    for (std::size_t g = 0; g < lrs.size(); ++g) lrs[g] += (base_lrs_[g] - eta_min_) * (1 - std::cos(pi / T)) / 2;
    return lrs;
  }
  for (double& lr : lrs)
    lr = (1 + std::cos(pi * t / T)) / (1 + std::cos(pi * (t - 1) / T)) * (lr - eta_min_) + eta_min_;
  return lrs;
}
std::vector<double> CosineAnnealingLR::restart_lr() { return base_lrs_; }

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t T_0, std::int64_t T_mult,
                                                         double eta_min)
    : LRScheduler(optimizer, "CosineAnnealingWarmRestarts"), T_0_(T_0), T_i_(T_0), T_mult_(T_mult), T_cur_(-1), eta_min_(eta_min) {
  if (T_0 <= 0) throw Error(fmt::format("CosineAnnealingWarmRestarts: T_0 must be positive, got {}", T_0));
  if (T_mult < 1) throw Error(fmt::format("CosineAnnealingWarmRestarts: T_mult must be >= 1, got {}", T_mult));
  initial_step();
}
void CosineAnnealingWarmRestarts::step() {
  if (last_epoch_ < 0) {
    T_i_ = T_0_;
    T_cur_ = 0;
  } else if (++T_cur_ >= T_i_) {
    T_cur_ -= T_i_;
    T_i_ *= T_mult_;
  }
  ++last_epoch_;
  ++step_count_;
  apply(get_lr());
}
std::vector<double> CosineAnnealingWarmRestarts::restart_lr() {
  T_i_ = T_0_;
  T_cur_ = 0;
  return get_lr();
}
std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  std::vector<double> lrs;
  const double ratio = static_cast<double>(T_cur_) / static_cast<double>(T_i_);
  for (double base : base_lrs_) lrs.push_back(eta_min_ + (base - eta_min_) * (1 + std::cos(std::numbers::pi * ratio)) / 2);
  return lrs;
}

// ---- ChainedScheduler ----

ChainedScheduler::ChainedScheduler(std::vector<LRScheduler*> schedulers) : schedulers_(std::move(schedulers)) {
  if (schedulers_.empty()) throw Error("ChainedScheduler: got no schedulers");
  for (std::size_t i = 0; i < schedulers_.size(); ++i) {
    if (!schedulers_[i]) throw Error(fmt::format("ChainedScheduler: scheduler {} is null", i));
    if (&schedulers_[i]->optimizer() != &schedulers_[0]->optimizer())
      throw Error(fmt::format("ChainedScheduler: schedulers 0 and {} belong to different optimizers", i));
  }
  last_lr_ = schedulers_.back()->get_last_lr();
}
void ChainedScheduler::step() {
  for (LRScheduler* s : schedulers_) s->step();
  last_lr_ = schedulers_.back()->get_last_lr();
}

}  // namespace xgrad::optim
