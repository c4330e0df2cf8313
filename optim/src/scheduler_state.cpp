// Saving and restoring where a schedule is: LRScheduler, SequentialLR and ReduceLROnPlateau.
// Counters are 0-d int64 tensors, single values 0-d float64, one value per group a float64 vector,
// so a checkpoint holding them is readable from Python like any other.
#include <fmt/format.h>

#include "scheduler_state.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/optim/lr_scheduler.hpp"
#include "xgrad/optim/reduce_lr_on_plateau.hpp"

namespace xgrad::optim {

namespace scheduler_state {

void put_int(StateDict& state, const std::string& key, std::int64_t value) {
  state.insert(key, scalar_tensor(static_cast<double>(value), kInt64));
}
void put_double(StateDict& state, const std::string& key, double value) {
  state.insert(key, scalar_tensor(value, kFloat64));
}
void put_doubles(StateDict& state, const std::string& key, const std::vector<double>& values) {
  state.insert(key, tensor(values, {static_cast<std::int64_t>(values.size())}, kFloat64));
}

namespace {
const Tensor& entry(const StateDict& state, const std::string& key, const char* who, Dtype dtype, bool scalar) {
  if (!state.contains(key)) throw Error(fmt::format("{}.load_state_dict: missing key '{}'", who, key));
  const Tensor& t = state.at(key);
  if (t.dtype() != dtype || (scalar && t.dim() != 0) || (!scalar && t.dim() != 1))
    throw Error(fmt::format("{}.load_state_dict: '{}' must be a {} of {}, got shape {} of {}", who, key,
                            scalar ? "0-d tensor" : "vector", dtype_name(dtype), shape_str(t.shape()),
                            dtype_name(t.dtype())));
  return t;
}
}  // namespace

std::int64_t get_int(const StateDict& state, const std::string& key, const char* who) {
  return entry(state, key, who, kInt64, true).item<std::int64_t>();
}
double get_double(const StateDict& state, const std::string& key, const char* who) {
  return entry(state, key, who, kFloat64, true).item<double>();
}
std::vector<double> get_doubles(const StateDict& state, const std::string& key, const char* who,
                                std::size_t groups) {
  const Tensor& t = entry(state, key, who, kFloat64, false);
  if (static_cast<std::size_t>(t.numel()) != groups)
    throw Error(fmt::format("{}.load_state_dict: '{}' holds {} values, but the optimizer has {} param groups", who,
                            key, t.numel(), groups));
  const double* p = t.data_ptr<double>();
  return std::vector<double>(p, p + t.numel());
}

StateDict with_prefix(const StateDict& state, const std::string& prefix) {
  StateDict out;
  for (const auto& [key, value] : state) out.insert(prefix + key, value);
  return out;
}

StateDict under_prefix(const StateDict& state, const std::string& prefix) {
  StateDict out;
  for (const auto& [key, value] : state)
    if (key.rfind(prefix, 0) == 0) out.insert(key.substr(prefix.size()), value);
  return out;
}

}  // namespace scheduler_state

using namespace scheduler_state;

StateDict LRScheduler::state_dict() const {
  StateDict state;
  put_int(state, "last_epoch", last_epoch_);
  put_int(state, "step_count", step_count_);
  put_doubles(state, "base_lrs", base_lrs_);
  put_doubles(state, "last_lr", last_lr_);
  save_extra(state);
  return state;
}

void LRScheduler::load_state_dict(const StateDict& state) {
  const std::size_t groups = optimizer_.num_param_groups();
  // Read everything before changing anything, so a bad state leaves the scheduler as it was.
  const std::int64_t last_epoch = get_int(state, "last_epoch", kind_);
  const std::int64_t step_count = get_int(state, "step_count", kind_);
  std::vector<double> base_lrs = get_doubles(state, "base_lrs", kind_, groups);
  std::vector<double> last_lr = get_doubles(state, "last_lr", kind_, groups);
  load_extra(state);
  last_epoch_ = last_epoch;
  step_count_ = step_count;
  base_lrs_ = std::move(base_lrs);
  last_lr_ = std::move(last_lr);
}

void CosineAnnealingWarmRestarts::save_extra(StateDict& state) const {
  put_int(state, "T_i", T_i_);
  put_int(state, "T_cur", T_cur_);
}
void CosineAnnealingWarmRestarts::load_extra(const StateDict& state) {
  const std::int64_t T_i = get_int(state, "T_i", kind_), T_cur = get_int(state, "T_cur", kind_);
  if (T_i <= 0) throw Error(fmt::format("{}.load_state_dict: T_i must be positive, got {}", kind_, T_i));
  T_i_ = T_i;
  T_cur_ = T_cur;
}

namespace {

// The schedulers of a SequentialLR or ChainedScheduler, each under "schedulers.<i>.".
void save_schedulers(StateDict& state, const std::vector<LRScheduler*>& schedulers) {
  for (std::size_t i = 0; i < schedulers.size(); ++i)
    for (const auto& [key, value] : with_prefix(schedulers[i]->state_dict(), fmt::format("schedulers.{}.", i)))
      state.insert(key, value);
}

// Checks every scheduler's part before loading any, so a bad state changes nothing.
void load_schedulers(const StateDict& state, const std::vector<LRScheduler*>& schedulers, const char* who) {
  const std::size_t groups = schedulers[0]->optimizer().num_param_groups();
  std::vector<StateDict> parts;
  for (std::size_t i = 0; i < schedulers.size(); ++i) {
    parts.push_back(under_prefix(state, fmt::format("schedulers.{}.", i)));
    if (parts.back().empty())
      throw Error(fmt::format("{}.load_state_dict: missing keys 'schedulers.{}.*' (this {} runs {} schedulers)", who,
                              i, who, schedulers.size()));
    const char* kind = schedulers[i]->kind();
    get_int(parts[i], "last_epoch", kind);
    get_int(parts[i], "step_count", kind);
    get_doubles(parts[i], "base_lrs", kind, groups);
    get_doubles(parts[i], "last_lr", kind, groups);
  }
  for (std::size_t i = 0; i < schedulers.size(); ++i) schedulers[i]->load_state_dict(parts[i]);
}

}  // namespace

StateDict SequentialLR::state_dict() const {
  StateDict state;
  put_int(state, "last_epoch", last_epoch_);
  put_doubles(state, "last_lr", last_lr_);
  save_schedulers(state, schedulers_);
  return state;
}

void SequentialLR::load_state_dict(const StateDict& state) {
  const std::int64_t last_epoch = get_int(state, "last_epoch", "SequentialLR");
  std::vector<double> last_lr =
      get_doubles(state, "last_lr", "SequentialLR", schedulers_[0]->optimizer().num_param_groups());
  load_schedulers(state, schedulers_, "SequentialLR");
  last_epoch_ = last_epoch;
  last_lr_ = std::move(last_lr);
}

StateDict ChainedScheduler::state_dict() const {
  StateDict state;
  save_schedulers(state, schedulers_);
  return state;
}

void ChainedScheduler::load_state_dict(const StateDict& state) {
  load_schedulers(state, schedulers_, "ChainedScheduler");
  last_lr_ = schedulers_.back()->get_last_lr();
}

StateDict ReduceLROnPlateau::state_dict() const {
  StateDict state;
  put_double(state, "best", best_);
  put_int(state, "num_bad_epochs", num_bad_epochs_);
  put_int(state, "cooldown_counter", cooldown_counter_);
  put_int(state, "last_epoch", last_epoch_);
  put_doubles(state, "last_lr", last_lr_);
  return state;
}

void ReduceLROnPlateau::load_state_dict(const StateDict& state) {
  const char* who = "ReduceLROnPlateau";
  const double best = get_double(state, "best", who);
  const std::int64_t bad = get_int(state, "num_bad_epochs", who), cooldown = get_int(state, "cooldown_counter", who);
  const std::int64_t last_epoch = get_int(state, "last_epoch", who);
  std::vector<double> last_lr = get_doubles(state, "last_lr", who, optimizer_.num_param_groups());
  best_ = best;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown;
  last_epoch_ = last_epoch;
  last_lr_ = std::move(last_lr);
}

}  // namespace xgrad::optim
