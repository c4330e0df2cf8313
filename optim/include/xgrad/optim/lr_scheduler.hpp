// Learning-rate schedulers, as torch.optim.lr_scheduler. Each works in torch's chainable form: a step
// scales the lr the group has now, so several schedulers on one optimizer compose as in torch.
// A scheduler keeps a reference to its optimizer, which must outlive it.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

// One value for every param group, or one per group (torch's "float or list" arguments).
class PerGroup {
 public:
  PerGroup(double value) : values_{value} {}  // NOLINT: implicit, so a plain number reads naturally
  PerGroup(std::vector<double> values) : values_(std::move(values)), per_group_(true) {}  // NOLINT
  PerGroup(std::initializer_list<double> values) : values_(values), per_group_(true) {}  // NOLINT
  // The values for `groups` param groups; throws naming `who` and `what` when a list has another length.
  std::vector<double> expand(std::size_t groups, const char* who, const char* what) const;

 private:
  std::vector<double> values_;
  bool per_group_ = false;
};

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Advances one epoch (or batch) and writes the new lr into every group.
  virtual void step();
  std::vector<double> get_last_lr() const { return last_lr_; }  // one per param group
  std::int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return optimizer_; }
  const char* kind() const { return kind_; }  // "StepLR", ...

  // Where the schedule is, to resume training (torch's state_dict): "last_epoch", "step_count",
  // "base_lrs", "last_lr" and what a kind adds (CosineAnnealingWarmRestarts: "T_i", "T_cur").
  // Constructor arguments and lambdas are not saved: make the scheduler the same way, then load. The
  // groups' lrs are the optimizer's state: load it too (Optimizer::load_state_dict), in any order.
  StateDict state_dict() const;
  // Throws xgrad::Error naming the scheduler and the key when a key is missing, of the wrong dtype,
  // or holds another number of groups than the optimizer has; changes nothing then.
  void load_state_dict(const StateDict& state);

  // What SequentialLR does to the schedulers it runs, as torch's SequentialLR does:
  // rewind_initial_step takes back the step the constructor took (last_epoch − 1, lrs untouched) and,
  // with `step_again`, takes that step again from the groups' current lrs (torch's _initial_step);
  // restart starts the schedule again at epoch 0 (torch's step(0)), at the scheduler's milestone.
  void rewind_initial_step(bool step_again);
  void restart();

 protected:
  LRScheduler(Optimizer& optimizer, const char* kind);
  // torch's _initial_step: every derived constructor ends with it, once its own fields are set.
  void initial_step();
  // The new lr of every group at last_epoch(), from the groups' current lrs (chainable form).
  virtual std::vector<double> get_lr() = 0;
  // The lrs at epoch 0 when SequentialLR restarts this scheduler at a milestone: torch's step(0),
  // which uses the closed form where a scheduler has one (the base lrs scaled by the epoch-0 factor).
  virtual std::vector<double> restart_lr() { return get_lr(); }
  // Extra state of a kind, beside what every scheduler saves.
  virtual void save_extra(StateDict&) const {}
  virtual void load_extra(const StateDict&) {}
  std::vector<double> current_lrs() const;
  void apply(const std::vector<double>& lrs);  // writes the lrs into the groups and records last_lr

  Optimizer& optimizer_;
  const char* kind_;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
  std::int64_t last_epoch_ = -1;
  std::int64_t step_count_ = 0;
};

// lr = base · λ(epoch), λ per group or shared.
class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(std::int64_t)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas);

 protected:
  std::vector<double> get_lr() override;
  std::vector<Lambda> lambdas_;
};

// lr *= λ(epoch) at every step after the first.
class MultiplicativeLR : public LRScheduler {
 public:
  using Lambda = std::function<double(std::int64_t)>;
  MultiplicativeLR(Optimizer& optimizer, Lambda lr_lambda);
  MultiplicativeLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas);

 protected:
  std::vector<double> get_lr() override;
  std::vector<Lambda> lambdas_;
};

// lr *= gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> restart_lr() override;
  std::int64_t step_size_;
  double gamma_;
};

// lr *= gamma at each milestone (a milestone listed twice multiplies by gamma²).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> restart_lr() override;
  std::vector<std::int64_t> milestones_;
  double gamma_;
};

// lr · factor for the first total_iters epochs, then lr.
class ConstantLR : public LRScheduler {
 public:
  ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3, std::int64_t total_iters = 5);

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> restart_lr() override;
  double factor_;
  std::int64_t total_iters_;
};

// Linear warm-up (or decay) of the lr factor from start_factor to end_factor over total_iters epochs.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           std::int64_t total_iters = 5);

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> restart_lr() override;
  double start_factor_, end_factor_;
  std::int64_t total_iters_;
};

// lr *= gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> restart_lr() override;
  double gamma_;
};

// lr decays as (1 − epoch/total_iters)^power, then stays.
class PolynomialLR : public LRScheduler {
 public:
  PolynomialLR(Optimizer& optimizer, std::int64_t total_iters = 5, double power = 1.0);

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> restart_lr() override;
  std::int64_t total_iters_;
  double power_;
};

// Cosine annealing from the base lr to eta_min over T_max epochs (and back, periodically).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min = 0.0);

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> restart_lr() override;
  std::int64_t T_max_;
  double eta_min_;
};

// SGDR: cosine annealing restarted every T_i epochs, T_i growing by T_mult.
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t T_0, std::int64_t T_mult = 1,
                              double eta_min = 0.0);
  void step() override;

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> restart_lr() override;
  void save_extra(StateDict& state) const override;
  void load_extra(const StateDict& state) override;
  std::int64_t T_0_, T_i_, T_mult_, T_cur_;
  double eta_min_;
};

// The 1cycle policy: lr rises from max_lr/div_factor to max_lr, then anneals far below; momentum
// (or Adam's beta1) moves the opposite way when cycle_momentum is set.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, PerGroup max_lr, std::optional<std::int64_t> total_steps = std::nullopt,
             std::optional<std::int64_t> epochs = std::nullopt,
             std::optional<std::int64_t> steps_per_epoch = std::nullopt, double pct_start = 0.3,
             const std::string& anneal_strategy = "cos", bool cycle_momentum = true, PerGroup base_momentum = 0.85,
             PerGroup max_momentum = 0.95, double div_factor = 25.0, double final_div_factor = 1e4,
             bool three_phase = false);
  std::int64_t total_steps() const { return total_steps_; }

 protected:
  std::vector<double> get_lr() override;

 private:
  enum class Level { Initial, Max, Min };  // which lr a phase starts or ends at
  struct Phase {
    double end_step;
    Level start_lr, end_lr;
    bool momentum_starts_high, momentum_ends_high;
  };
  double anneal(double start, double end, double pct) const;

  std::int64_t total_steps_;
  std::vector<Phase> phases_;
  bool cosine_;
  bool cycle_momentum_;
  std::string momentum_option_;  // "momentum" or "betas"
  std::vector<double> initial_lrs_, max_lrs_, min_lrs_, base_momenta_, max_momenta_;
};

// The cyclical lr policy (triangular, triangular2, exp_range, or a custom scale): the lr swings
// between base_lr and max_lr over step_size_up + step_size_down steps, and momentum (or Adam's beta1)
// the opposite way between max_momentum and base_momentum when cycle_momentum is set. Usually
// stepped after every batch. The constructor sets every group's lr to base_lr.
class CyclicLR : public LRScheduler {
 public:
  using ScaleFn = std::function<double(double)>;  // of the cycle number or of the step, per scale_mode
  CyclicLR(Optimizer& optimizer, PerGroup base_lr, PerGroup max_lr, std::int64_t step_size_up = 2000,
           std::optional<std::int64_t> step_size_down = std::nullopt, const std::string& mode = "triangular",
           double gamma = 1.0, ScaleFn scale_fn = nullptr, const std::string& scale_mode = "cycle",
           bool cycle_momentum = true, PerGroup base_momentum = 0.8, PerGroup max_momentum = 0.9);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<double> max_lrs_;
  double total_size_, step_ratio_;
  ScaleFn scale_fn_;
  bool scale_by_cycle_;
  bool cycle_momentum_;
  std::string momentum_option_;  // "momentum" or "betas"
  std::vector<double> base_momenta_, max_momenta_;
};

// Runs one scheduler after another: schedulers[i] takes over at milestones[i - 1], restarted at its
// epoch 0 (torch's SequentialLR). Every scheduler must belong to `optimizer`.
class SequentialLR {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<LRScheduler*> schedulers, std::vector<std::int64_t> milestones);
  void step();
  std::vector<double> get_last_lr() const { return last_lr_; }
  std::int64_t last_epoch() const { return last_epoch_; }
  // "last_epoch" and each scheduler's state under "schedulers.<i>.".
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

 private:
  std::vector<LRScheduler*> schedulers_;
  std::vector<std::int64_t> milestones_;
  std::int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

// Steps several schedulers together; its lr is the optimizer's after all of them.
class ChainedScheduler {
 public:
  explicit ChainedScheduler(std::vector<LRScheduler*> schedulers);
  void step();
  std::vector<double> get_last_lr() const { return last_lr_; }
  // Each scheduler's state under "schedulers.<i>.".
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

 private:
  std::vector<LRScheduler*> schedulers_;
  std::vector<double> last_lr_;
};

}  // namespace xgrad::optim
