// The optimizer base: param groups with per-group options, zero_grad, step without a graph,
// a state_dict for the per-parameter state, and by-name option access for schedulers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "xgrad/state_dict.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad::optim {

// The value of one option, seen by name: a number (lr, momentum), a flag (nesterov) or a pair (betas).
using OptionValue = std::variant<double, bool, std::pair<double, double>>;

// One param group. Options left unset take the optimizer's defaults when the group is added, so
// `{.params = {bias}}` inherits them, as a torch group dict without keys does.
template <class Options>
struct ParamGroup {
  std::vector<Tensor> params = {};
  std::optional<Options> options = std::nullopt;
};

// What every optimizer offers, whatever its options; schedulers and training loops hold this type.
class Optimizer {
 public:
  using LossClosure = std::function<Tensor()>;

  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;  // schedulers hold references; state is not meant to be shared
  Optimizer& operator=(const Optimizer&) = delete;

  // Updates every parameter that has a gradient, in place, with grad mode off.
  void step();
  // Re-evaluates the loss with grad mode on (torch's closure), then steps; returns the loss.
  Tensor step(const LossClosure& closure);
  // set_to_none (torch 2's default) drops the gradients; otherwise they are zeroed in place.
  void zero_grad(bool set_to_none = true);

  const std::string& name() const { return name_; }  // "Adam"
  virtual std::size_t num_param_groups() const = 0;
  virtual const std::vector<Tensor>& group_params(std::size_t group) const = 0;
  std::vector<Tensor> parameters() const;  // every group's, in order

  // By-name access to a group's options ("lr", "momentum", "betas", ...). Unknown names and values
  // of the wrong kind throw xgrad::Error naming the optimizer, the group and the option.
  virtual std::vector<std::string> option_names() const = 0;
  bool has_option(std::string_view name) const;
  virtual OptionValue option(std::size_t group, std::string_view name) const = 0;
  virtual void set_option(std::size_t group, std::string_view name, const OptionValue& value) = 0;
  double lr(std::size_t group = 0) const;
  void set_lr(std::size_t group, double lr);

  // The lr a group started from, shared by the schedulers attached to it (torch's group['initial_lr']).
  std::optional<double> initial_lr(std::size_t group) const;
  void set_initial_lr(std::size_t group, double lr);

  // Keys: "state.<i>.step", "state.<i>.<buffer>" per parameter index i (counted over groups in
  // order, as torch), "param_groups.<g>.<option>" (0-d float64, 0-d bool, or [2] float64 for pairs),
  // "param_groups.<g>.params" (int64 indices) and "param_groups.<g>.initial_lr" when set.
  StateDict state_dict() const;
  // Restores options and state saved by state_dict() of an optimizer of the same kind with groups of
  // the same sizes; buffers are copied (converted to each parameter's dtype), never shared.
  void load_state_dict(const StateDict& state);

 protected:
  // Per-parameter state: a step count and the buffers named by state_names(), undefined until used.
  struct ParamState {
    Tensor param;  // keeps the key's tensor alive, so its address is never reused by another
    std::int64_t step = 0;
    std::vector<Tensor> buffers;
  };

  Optimizer(std::string name, std::vector<std::string> state_names);

  virtual void update() = 0;  // one step over every group; runs under NoGradGuard
  // Replaces every group's options with values read from tensors (as state_dict() wrote them); checks
  // each kind and the resulting options first, and changes nothing when one is wrong.
  using GroupTensors = std::unordered_map<std::string, Tensor>;
  virtual void load_options(const std::vector<GroupTensors>& groups) = 0;

  // Calls f(param, grad, state) for every parameter of the group that has a gradient, then records
  // the parameter's in-place change (f writes through data_ptr).
  template <class F>
  void for_each_param_with_grad(std::size_t group, const std::vector<Tensor>& params, F&& f) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Tensor grad = grad_for_update(params[i], group, i);
      if (!grad.defined()) continue;
      f(params[i], grad, state_for(params[i]));
      params[i].bump_version();  // f wrote through data_ptr: saved tensors must notice
    }
  }

  // Checks a new group's tensors: defined, floating point, leaf, requires grad, not already present.
  void check_new_params(const std::vector<Tensor>& params, std::size_t group) const;
  // The gradient to apply to param (undefined: skip it), checked against the parameter's dtype.
  Tensor grad_for_update(const Tensor& param, std::size_t group, std::size_t index) const;
  ParamState& state_for(const Tensor& param);
  void check_group(std::size_t group, const char* what) const;

  std::string name_;
  std::vector<std::string> state_names_;
  std::unordered_map<const void*, ParamState> state_;
  std::vector<std::optional<double>> initial_lrs_;
};

// Typed param groups on top of the base; each optimizer derives from OptimizerBase<ItsOptions>.
template <class Options>
class OptimizerBase : public Optimizer {
 public:
  using OptionsType = Options;
  using Group = ParamGroup<Options>;

  void add_param_group(Group group);
  const std::vector<Group>& param_groups() const { return groups_; }
  const Options& defaults() const { return defaults_; }
  // A group's options, to read or change between steps (checked again at every step).
  Options& options(std::size_t group = 0);
  const Options& options(std::size_t group = 0) const;

  std::size_t num_param_groups() const override { return groups_.size(); }
  const std::vector<Tensor>& group_params(std::size_t group) const override;
  std::vector<std::string> option_names() const override;
  OptionValue option(std::size_t group, std::string_view name) const override;
  void set_option(std::size_t group, std::string_view name, const OptionValue& value) override;

 protected:
  OptimizerBase(std::string name, std::vector<std::string> state_names, std::vector<Group> groups,
                const Options& defaults);
  // The options of a group, validated (they may have been changed through options()).
  const Options& checked_options(std::size_t group) const;
  void load_options(const std::vector<GroupTensors>& groups) override;

  std::vector<Group> groups_;
  Options defaults_;
};

}  // namespace xgrad::optim
