// OptimizerBase<Options>'s members. Each optimizer's .cpp defines, for its Options type,
//   template <class F> void for_each_option(Options& o, F&& f);   // f("lr", o.lr); ...
//   void check_options(const Options& o, const std::string& where); // throws xgrad::Error
// then includes this file and instantiates the class explicitly.
#pragma once
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "xgrad/error.hpp"
#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

namespace detail {

template <class V> constexpr const char* kind_name();
template <> constexpr const char* kind_name<double>() { return "a number"; }
template <> constexpr const char* kind_name<bool>() { return "a bool"; }
template <> constexpr const char* kind_name<std::pair<double, double>>() { return "a pair of numbers"; }

inline const char* kind_name(const OptionValue& v) {
  return std::visit([](const auto& x) { return kind_name<std::decay_t<decltype(x)>>(); }, v);
}

// Reads a field's value from a tensor written by state_dict(); false when the tensor is of another kind.
inline bool read_tensor(const Tensor& t, double& out) {
  if (!t.is_floating_point() || t.numel() != 1) return false;
  out = t.item<double>();
  return true;
}
inline bool read_tensor(const Tensor& t, bool& out) {
  if (t.dtype() != kBool || t.numel() != 1) return false;
  out = t.item<bool>();
  return true;
}
inline bool read_tensor(const Tensor& t, std::pair<double, double>& out) {
  if (!t.is_floating_point() || t.dim() != 1 || t.numel() != 2) return false;
  const auto v = t.to_vector();
  out = {v[0], v[1]};
  return true;
}

}  // namespace detail

template <class Options>
OptimizerBase<Options>::OptimizerBase(std::string name, std::vector<std::string> state_names,
                                      std::vector<Group> groups, const Options& defaults)
    : Optimizer(std::move(name), std::move(state_names)), defaults_(defaults) {
  check_options(defaults_, fmt::format("{} (defaults)", name_));
  if (groups.empty()) throw Error(fmt::format("{}: got no parameters to optimize", name_));
  for (Group& g : groups) add_param_group(std::move(g));
}

template <class Options>
void OptimizerBase<Options>::add_param_group(Group group) {
  const std::size_t index = groups_.size();
  check_new_params(group.params, index);
  if (!group.options) group.options = defaults_;
  check_options(*group.options, fmt::format("{} (param group {})", name_, index));
  groups_.push_back(std::move(group));
}

template <class Options>
Options& OptimizerBase<Options>::options(std::size_t group) {
  check_group(group, "options");
  if (!groups_[group].options) groups_[group].options = defaults_;
  return *groups_[group].options;
}

template <class Options>
const Options& OptimizerBase<Options>::options(std::size_t group) const {
  check_group(group, "options");
  return groups_[group].options ? *groups_[group].options : defaults_;
}

template <class Options>
const Options& OptimizerBase<Options>::checked_options(std::size_t group) const {
  const Options& o = options(group);
  check_options(o, fmt::format("{} (param group {})", name_, group));
  return o;
}

template <class Options>
const std::vector<Tensor>& OptimizerBase<Options>::group_params(std::size_t group) const {
  check_group(group, "group_params");
  return groups_[group].params;
}

template <class Options>
std::vector<std::string> OptimizerBase<Options>::option_names() const {
  std::vector<std::string> names;
  Options probe{};
  for_each_option(probe, [&](const char* name, auto&) { names.emplace_back(name); });
  return names;
}

template <class Options>
OptionValue OptimizerBase<Options>::option(std::size_t group, std::string_view name) const {
  check_group(group, "option");
  Options o = options(group);
  std::optional<OptionValue> found;
  for_each_option(o, [&](const char* field, auto& value) {
    if (name == field) found = OptionValue(value);
  });
  if (!found)
    throw Error(fmt::format("{}: param group {} has no option '{}' (its options: {})", name_, group, name,
                            fmt::join(option_names(), ", ")));
  return *found;
}

template <class Options>
void OptimizerBase<Options>::set_option(std::size_t group, std::string_view name, const OptionValue& value) {
  check_group(group, "set_option");
  Options o = options(group);
  bool found = false;
  for_each_option(o, [&](const char* field, auto& slot) {
    using V = std::decay_t<decltype(slot)>;
    if (name != field) return;
    found = true;
    if (const V* v = std::get_if<V>(&value)) {
      slot = *v;
    } else {
      throw Error(fmt::format("{}: option '{}' of param group {} is {}, got {}", name_, field, group,
                              detail::kind_name<V>(), detail::kind_name(value)));
    }
  });
  if (!found)
    throw Error(fmt::format("{}: param group {} has no option '{}' (its options: {})", name_, group, name,
                            fmt::join(option_names(), ", ")));
  check_options(o, fmt::format("{} (param group {})", name_, group));
  options(group) = o;
}

template <class Options>
void OptimizerBase<Options>::load_options(const std::vector<GroupTensors>& groups) {
  std::vector<Options> loaded;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    Options o = options(g);
    for_each_option(o, [&](const char* field, auto& slot) {
      using V = std::decay_t<decltype(slot)>;
      auto it = groups[g].find(field);
      if (it == groups[g].end()) return;
      if (!detail::read_tensor(it->second, slot))
        throw Error(fmt::format("{}: load_state_dict: option '{}' of param group {} must be {} (a {} tensor), got a "
                                "{} tensor of shape {}",
                                name_, field, g, detail::kind_name<V>(),
                                std::is_same_v<V, bool> ? "0-d bool" : (std::is_same_v<V, double> ? "0-d float" : "[2] float"),
                                dtype_name(it->second.dtype()), shape_str(it->second.shape())));
    });
    check_options(o, fmt::format("{} (param group {} of the loaded state)", name_, g));
    loaded.push_back(o);
  }
  for (std::size_t g = 0; g < loaded.size(); ++g) options(g) = loaded[g];
}

}  // namespace xgrad::optim
