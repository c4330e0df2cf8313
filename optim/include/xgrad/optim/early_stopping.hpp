// Early stopping: watches a validation metric, says when it has stopped improving, and keeps a copy
// of the best state. It knows no module: pass model.state_dict() in, restore the best one with
// model.load_state_dict(stopper.best_state()) or stopper.restore_best(model.state_dict()).
#pragma once
#include <cstdint>
#include <string>

#include "xgrad/state_dict.hpp"

namespace xgrad::optim {

class EarlyStopping {
 public:
  // A metric improves when it beats the best so far by more than min_delta (lower for mode "min",
  // higher for "max"); training should stop after `patience` epochs in a row without improvement.
  explicit EarlyStopping(std::int64_t patience = 3, double min_delta = 0.0, const std::string& mode = "min");

  // Records one epoch's metric; returns should_stop().
  bool step(double metric);
  // The same, and on improvement keeps a deep copy of `state` (the tensors are cloned).
  bool step(double metric, const StateDict& state);

  bool should_stop() const { return stop_; }
  double best() const { return best_; }
  std::int64_t best_epoch() const { return best_epoch_; }  // 0-based; -1 before the first step
  std::int64_t epochs() const { return epochs_; }          // steps taken
  std::int64_t num_bad_epochs() const { return num_bad_epochs_; }
  bool has_best_state() const { return has_state_; }
  // The copy saved at the best epoch; throws xgrad::Error when no state was ever passed.
  const StateDict& best_state() const;
  // Copies the best state's values into `target`'s tensors in place (they share storage with the
  // model's parameters when target comes from model.state_dict()); names and shapes must match.
  void restore_best(const StateDict& target) const;
  void reset();

 private:
  std::int64_t patience_;
  double min_delta_;
  bool maximize_;
  double best_;
  std::int64_t best_epoch_ = -1, epochs_ = 0, num_bad_epochs_ = 0;
  bool stop_ = false, has_state_ = false;
  StateDict best_state_;
};

}  // namespace xgrad::optim
