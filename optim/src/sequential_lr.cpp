// SequentialLR, as torch.optim.lr_scheduler.SequentialLR: one scheduler at a time, each restarted
// at its epoch 0 when its milestone comes.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "xgrad/error.hpp"
#include "xgrad/optim/lr_scheduler.hpp"

namespace xgrad::optim {

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<LRScheduler*> schedulers,
                           std::vector<std::int64_t> milestones)
    : schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  if (schedulers_.empty()) throw Error("SequentialLR: got no schedulers");
  for (std::size_t i = 0; i < schedulers_.size(); ++i) {
    if (!schedulers_[i]) throw Error(fmt::format("SequentialLR: scheduler {} is null", i));
    if (&schedulers_[i]->optimizer() != &optimizer)
      throw Error(fmt::format("SequentialLR: scheduler {} ({}) belongs to another optimizer", i, schedulers_[i]->kind()));
  }
  if (milestones_.size() + 1 != schedulers_.size())
    throw Error(fmt::format("SequentialLR: {} schedulers need {} milestones, got {}", schedulers_.size(),
                            schedulers_.size() - 1, milestones_.size()));
  if (!std::is_sorted(milestones_.begin(), milestones_.end()))
    throw Error(fmt::format("SequentialLR: milestones must be in increasing order, got [{}]",
                            fmt::join(milestones_, ", ")));
  // As torch: back to the initial lrs, undo the step each scheduler's constructor took, and start
  // the first scheduler again.
  for (std::size_t g = 0; g < optimizer.num_param_groups(); ++g) optimizer.set_lr(g, *optimizer.initial_lr(g));
  for (std::size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->rewind_initial_step(/*step_again=*/i == 0);
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::step() {
  ++last_epoch_;
  const auto index = static_cast<std::size_t>(
      std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin());
  LRScheduler* scheduler = schedulers_[index];
  if (index > 0 && milestones_[index - 1] == last_epoch_)
    scheduler->restart();
  else
    scheduler->step();
  last_lr_ = scheduler->get_last_lr();
}

}  // namespace xgrad::optim
