// The optimizer base: checks on parameters and gradients, zero_grad, step, and the state_dict.
#include "xgrad/optim/optimizer.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad::optim {

Optimizer::Optimizer(std::string name, std::vector<std::string> state_names)
    : name_(std::move(name)), state_names_(std::move(state_names)) {}

void Optimizer::step() {
  NoGradGuard no_grad;
  update();
}

Tensor Optimizer::step(const LossClosure& closure) {
  Tensor loss;
  if (closure) {
    EnableGradGuard enable_grad;
    loss = closure();
  }
  step();
  return loss;
}

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (std::size_t g = 0; g < num_param_groups(); ++g) {
    for (const Tensor& p : group_params(g)) {
      Tensor param = p;
      if (set_to_none) {
        param.set_grad(Tensor());
        continue;
      }
      Tensor grad = param.grad();
      if (!grad.defined()) continue;
      // A gradient made with create_graph carries history; cut it before zeroing, as torch does.
      if (grad.grad_fn()) {
        grad = grad.detach();
        param.set_grad(grad);
      }
      grad.zero_();
    }
  }
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> all;
  for (std::size_t g = 0; g < num_param_groups(); ++g) {
    const auto& params = group_params(g);
    all.insert(all.end(), params.begin(), params.end());
  }
  return all;
}

bool Optimizer::has_option(std::string_view name) const {
  const auto names = option_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

double Optimizer::lr(std::size_t group) const { return std::get<double>(option(group, "lr")); }
void Optimizer::set_lr(std::size_t group, double lr) { set_option(group, "lr", lr); }

void Optimizer::check_group(std::size_t group, const char* what) const {
  if (group >= num_param_groups())
    throw Error(fmt::format("{}: {}: param group {} does not exist; the optimizer has {}", name_, what, group,
                            num_param_groups()));
}

std::optional<double> Optimizer::initial_lr(std::size_t group) const {
  check_group(group, "initial_lr");
  return group < initial_lrs_.size() ? initial_lrs_[group] : std::nullopt;
}

void Optimizer::set_initial_lr(std::size_t group, double lr) {
  check_group(group, "set_initial_lr");
  if (initial_lrs_.size() < num_param_groups()) initial_lrs_.resize(num_param_groups());
  initial_lrs_[group] = lr;
}

void Optimizer::check_new_params(const std::vector<Tensor>& params, std::size_t group) const {
  if (params.empty()) throw Error(fmt::format("{}: param group {} has an empty parameter list", name_, group));
  std::set<const void*> seen;
  for (std::size_t g = 0; g < num_param_groups() && g != group; ++g)
    for (const Tensor& p : group_params(g)) seen.insert(p.impl());
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    if (!p.defined())
      throw Error(fmt::format("{}: parameter {} of param group {} is an undefined tensor", name_, i, group));
    const auto where = fmt::format("parameter {} of param group {} (shape {}, dtype {})", i, group,
                                   shape_str(p.shape()), dtype_name(p.dtype()));
    if (p.dtype() != kFloat32 && p.dtype() != kFloat64)
      throw Error(fmt::format("{}: {} is not floating point; only float32 and float64 tensors can be optimized",
                              name_, where));
    if (!p.requires_grad())
      throw Error(fmt::format("{}: {} does not require grad; call requires_grad_() on it or leave it out", name_,
                              where));
    if (!p.is_leaf())
      throw Error(fmt::format("{}: {} is not a leaf tensor (it was made by {}); optimize the leaf it came from, "
                              "or detach() it and call requires_grad_()",
                              name_, where, p.grad_fn_name()));
    if (!seen.insert(p.impl()).second)
      throw Error(fmt::format("{}: {} appears more than once among the optimizer's parameters", name_, where));
  }
}

Tensor Optimizer::grad_for_update(const Tensor& param, std::size_t group, std::size_t index) const {
  Tensor grad = param.grad();
  if (!grad.defined()) return grad;
  if (grad.dtype() != param.dtype() || grad.shape() != param.shape())
    throw Error(fmt::format("{}: the gradient of parameter {} of param group {} has dtype {} and shape {}, but the "
                            "parameter has dtype {} and shape {}",
                            name_, index, group, dtype_name(grad.dtype()), shape_str(grad.shape()),
                            dtype_name(param.dtype()), shape_str(param.shape())));
  return grad;
}

Optimizer::ParamState& Optimizer::state_for(const Tensor& param) {
  auto [it, inserted] = state_.try_emplace(param.impl());
  if (inserted) {
    it->second.param = param;
    it->second.buffers.resize(state_names_.size());
  }
  // module.to(dtype) converts a parameter in place after its state was made: the state follows the
  // parameter's dtype, as torch's load_state_dict casts it. A state of another shape cannot follow.
  for (std::size_t b = 0; b < it->second.buffers.size(); ++b) {
    Tensor& buffer = it->second.buffers[b];
    if (!buffer.defined() || (buffer.dtype() == param.dtype() && buffer.shape() == param.shape())) continue;
    if (buffer.shape() != param.shape())
      throw Error(fmt::format("{}: state '{}' has shape {}, but its parameter now has shape {}; a parameter that "
                              "changes shape needs a new optimizer",
                              name_, state_names_[b], shape_str(buffer.shape()), shape_str(param.shape())));
    buffer = buffer.to(param.dtype());
  }
  return it->second;
}

// ---- state_dict ----

namespace {

// "state.12.exp_avg" -> {12, "exp_avg"}; "param_groups.0.lr" -> {0, "lr"}.
bool split_key(const std::string& key, std::string_view prefix, std::size_t& index, std::string& field) {
  if (key.rfind(prefix, 0) != 0) return false;
  const char* begin = key.data() + prefix.size();
  const char* end = key.data() + key.size();
  auto [next, ec] = std::from_chars(begin, end, index);
  if (ec != std::errc() || next == end || *next != '.') return false;
  field.assign(next + 1, end);
  return true;
}

}  // namespace

StateDict Optimizer::state_dict() const {
  StateDict out;
  std::size_t index = 0;
  for (std::size_t g = 0; g < num_param_groups(); ++g) {
    for (const Tensor& p : group_params(g)) {
      auto it = state_.find(p.impl());
      if (it != state_.end()) {
        const ParamState& s = it->second;
        out.insert(fmt::format("state.{}.step", index), scalar_tensor(static_cast<double>(s.step), kInt64));
        for (std::size_t b = 0; b < state_names_.size(); ++b)
          if (s.buffers[b].defined())
            out.insert(fmt::format("state.{}.{}", index, state_names_[b]), s.buffers[b].clone());
      }
      ++index;
    }
  }
  index = 0;
  for (std::size_t g = 0; g < num_param_groups(); ++g) {
    for (const std::string& name : option_names()) {
      const std::string key = fmt::format("param_groups.{}.{}", g, name);
      std::visit(
          [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, double>) {
              out.insert(key, scalar_tensor(v, kFloat64));
            } else if constexpr (std::is_same_v<V, bool>) {
              out.insert(key, scalar_tensor(v ? 1.0 : 0.0, kBool));
            } else {
              out.insert(key, tensor({v.first, v.second}, {2}, kFloat64));
            }
          },
          option(g, name));
    }
    if (auto initial = initial_lr(g)) out.insert(fmt::format("param_groups.{}.initial_lr", g), scalar_tensor(*initial, kFloat64));
    std::vector<std::int64_t> indices(group_params(g).size());
    for (auto& i : indices) i = static_cast<std::int64_t>(index++);
    out.insert(fmt::format("param_groups.{}.params", g),
               tensor(indices, {static_cast<std::int64_t>(indices.size())}, kInt64));
  }
  return out;
}

void Optimizer::load_state_dict(const StateDict& state) {
  const std::vector<Tensor> params = parameters();
  // Check everything before changing anything, so a bad state leaves the optimizer as it was.
  std::size_t groups_in_state = 0;
  while (state.contains(fmt::format("param_groups.{}.params", groups_in_state))) ++groups_in_state;
  if (groups_in_state != num_param_groups())
    throw Error(fmt::format("{}: load_state_dict: the state has {} param groups, the optimizer has {}", name_,
                            groups_in_state, num_param_groups()));
  for (std::size_t g = 0; g < num_param_groups(); ++g) {
    const Tensor& ids = state.at(fmt::format("param_groups.{}.params", g));
    if (ids.numel() != static_cast<std::int64_t>(group_params(g).size()))
      throw Error(fmt::format("{}: load_state_dict: param group {} has {} parameters in the state and {} in the "
                              "optimizer",
                              name_, g, ids.numel(), group_params(g).size()));
  }
  const auto names = option_names();
  std::vector<GroupTensors> options(num_param_groups());
  std::unordered_map<std::size_t, ParamState> loaded;
  // Options first: a state saved by another kind of optimizer is named by its options.
  for (const auto& [key, value] : state) {
    std::size_t index = 0;
    std::string field;
    if (!split_key(key, "param_groups.", index, field)) continue;
    if (index >= num_param_groups())
      throw Error(fmt::format("{}: load_state_dict: '{}' names a param group the optimizer does not have", name_, key));
    if (field == "params") continue;
    if (field != "initial_lr" && std::find(names.begin(), names.end(), field) == names.end())
      throw Error(fmt::format("{}: load_state_dict: '{}' is not an option of {} (its options: {})", name_, key, name_,
                              fmt::join(names, ", ")));
    options[index][field] = value;
  }
  for (const auto& [key, value] : state) {
    std::size_t index = 0;
    std::string field;
    if (split_key(key, "param_groups.", index, field)) continue;  // read above
    if (split_key(key, "state.", index, field)) {
      if (index >= params.size())
        throw Error(fmt::format("{}: load_state_dict: '{}' names parameter {}, but the optimizer has {}", name_, key,
                                index, params.size()));
      const Tensor& p = params[index];
      ParamState& s = loaded[index];
      s.param = p;
      s.buffers.resize(state_names_.size());
      if (field == "step") {
        if (value.numel() != 1)
          throw Error(fmt::format("{}: load_state_dict: '{}' must hold one number, it has shape {}", name_, key,
                                  shape_str(value.shape())));
        s.step = value.item<std::int64_t>();
        continue;
      }
      auto it = std::find(state_names_.begin(), state_names_.end(), field);
      if (it == state_names_.end())
        throw Error(fmt::format("{}: load_state_dict: '{}' is not a state buffer of {}", name_, key, name_));
      if (value.shape() != p.shape())
        throw Error(fmt::format("{}: load_state_dict: '{}' has shape {}, but parameter {} has shape {}", name_, key,
                                shape_str(value.shape()), index, shape_str(p.shape())));
      s.buffers[static_cast<std::size_t>(it - state_names_.begin())] = value.to(p.dtype()).clone();
    } else {
      throw Error(fmt::format("{}: load_state_dict: unexpected key '{}' (keys start with 'state.' or "
                              "'param_groups.')",
                              name_, key));
    }
  }
  for (std::size_t g = 0; g < num_param_groups(); ++g)
    for (const std::string& name : names)
      if (!options[g].count(name))
        throw Error(fmt::format("{}: load_state_dict: option '{}' of param group {} is missing", name_, name, g));

  load_options(options);
  for (std::size_t g = 0; g < num_param_groups(); ++g) {
    auto it = options[g].find("initial_lr");
    if (it != options[g].end()) set_initial_lr(g, it->second.item<double>());
  }
  state_.clear();
  for (auto& [index, s] : loaded) state_[params[index].impl()] = std::move(s);
}

}  // namespace xgrad::optim
