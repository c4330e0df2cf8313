// Lowers the lr when a watched metric stops improving (torch.optim.lr_scheduler.ReduceLROnPlateau).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "xgrad/optim/lr_scheduler.hpp"

namespace xgrad::optim {

class ReduceLROnPlateau {
 public:
  // mode "min" or "max"; threshold_mode "rel" or "abs"; min_lr one value or one per group.
  explicit ReduceLROnPlateau(Optimizer& optimizer, const std::string& mode = "min", double factor = 0.1,
                             std::int64_t patience = 10, double threshold = 1e-4,
                             const std::string& threshold_mode = "rel", std::int64_t cooldown = 0,
                             PerGroup min_lr = 0.0, double eps = 1e-8);

  // Records one epoch's metric and lowers the lr of every group when it has not improved for
  // more than `patience` epochs (outside a cooldown).
  void step(double metric);
  void step(const Tensor& metric);  // a one-element tensor, such as a loss
  std::vector<double> get_last_lr() const { return last_lr_; }
  double best() const { return best_; }
  std::int64_t num_bad_epochs() const { return num_bad_epochs_; }
  std::int64_t last_epoch() const { return last_epoch_; }
  // "best", "num_bad_epochs", "cooldown_counter", "last_epoch", "last_lr", to resume training; the
  // constructor's arguments are not saved (make it the same way, then load).
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

 private:
  bool is_better(double value) const;

  Optimizer& optimizer_;
  bool maximize_, relative_;
  double factor_;
  std::int64_t patience_;
  double threshold_;
  std::int64_t cooldown_;
  std::vector<double> min_lrs_;
  double eps_;
  double best_;
  std::int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace xgrad::optim
