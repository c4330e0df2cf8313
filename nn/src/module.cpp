// Module's registry: registration, the recursive walks that give dotted names, train/eval,
// dtype conversion and state_dict loading.
#include "xgrad/nn/module.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <ostream>
#include <unordered_set>

#include <fmt/format.h>

#include "xgrad/error.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad::nn {

namespace detail {
std::string demangle(const char* mangled) {
  int status = 0;
  char* readable = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = status == 0 && readable ? readable : mangled;
  std::free(readable);
  return out;
}
}  // namespace detail

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

}  // namespace

namespace detail {
void throw_empty_holder(const char* type) {
  throw Error(fmt::format("ModuleHolder<{}>: the handle is empty (constructed from nullptr)", demangle(type)));
}
}  // namespace detail

void Module::check_new_name(const char* what, const std::string& name) const {
  if (name.empty()) throw Error(fmt::format("{}: the name must not be empty", what));
  if (name.find('.') != std::string::npos)
    throw Error(fmt::format("{}: name '{}' must not contain '.' (dots separate submodule names)", what, name));
  const auto taken = [&](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.first == name; });
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_))
    throw Error(
        fmt::format("{}: {} already has a parameter, buffer or submodule named '{}'", what, this->name(), name));
}

Tensor Module::register_parameter(const std::string& name, Tensor tensor, bool requires_grad) {
  check_new_name("register_parameter", name);
  if (!tensor.defined()) throw Error(fmt::format("register_parameter: parameter '{}' is undefined", name));
  if (!tensor.is_leaf()) tensor = tensor.detach();
  tensor.requires_grad_(requires_grad);
  parameters_.emplace_back(name, tensor);
  return tensor;
}

Tensor Module::register_buffer(const std::string& name, Tensor tensor) {
  check_new_name("register_buffer", name);
  if (!tensor.defined()) throw Error(fmt::format("register_buffer: buffer '{}' is undefined", name));
  buffers_.emplace_back(name, tensor);
  return tensor;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> child) {
  check_new_name("register_module", name);
  if (!child) throw Error(fmt::format("register_module: submodule '{}' is empty", name));
  if (child.get() == this)
    throw Error(fmt::format("register_module: a module cannot be its own submodule ('{}')", name));
  children_.emplace_back(name, std::move(child));
}

// Visits (dotted name, module) for this module and, when `recurse`, every module below it, pre-order.
// An explicit stack keeps deep nesting off the call stack.
template <class F>
void Module::walk(const std::string& prefix, bool recurse, F&& visit) const {
  std::vector<std::pair<std::string, const Module*>> stack{{prefix, this}};
  while (!stack.empty()) {
    auto [path, module] = stack.back();
    stack.pop_back();
    visit(path, *module);
    if (!recurse) continue;
    const auto& kids = module->children_;
    for (auto it = kids.rbegin(); it != kids.rend(); ++it)
      stack.emplace_back(path.empty() ? it->first : path + "." + it->first, it->second.get());
  }
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  std::unordered_set<const TensorImpl*> seen;  // a shared parameter is listed once, as in torch
  walk("", recurse, [&](const std::string& path, const Module& m) {
    for (const auto& [name, t] : m.parameters_)
      if (seen.insert(t.impl()).second) out.emplace_back(path.empty() ? name : path + "." + name, t);
  });
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& entry : named_parameters(recurse)) out.push_back(entry.second);
  return out;
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  walk("", recurse, [&](const std::string& path, const Module& m) {
    for (const auto& [name, t] : m.buffers_) out.emplace_back(path.empty() ? name : path + "." + name, t);
  });
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& entry : named_buffers(recurse)) out.push_back(entry.second);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& entry : children_) out.push_back(entry.second);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() const {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> stack(children_.rbegin(), children_.rend());
  while (!stack.empty()) {
    auto entry = stack.back();
    stack.pop_back();
    out.push_back(entry);
    const auto& kids = entry.second->children_;
    for (auto it = kids.rbegin(); it != kids.rend(); ++it)
      stack.emplace_back(entry.first + "." + it->first, it->second);
  }
  return out;
}

void Module::apply(const std::function<void(Module&)>& fn) {
  fn(*this);
  for (auto& entry : named_modules()) fn(*entry.second);
}

void Module::train(bool on) {
  training_ = on;
  for (auto& entry : children_) entry.second->train(on);
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (Tensor& p : parameters()) {
    if (!p.grad().defined()) continue;
    if (set_to_none)
      p.set_grad(Tensor());
    else
      p.mutable_grad().zero_();
  }
}

void Module::to(Dtype dtype) {
  if (!is_floating_point(dtype))
    throw Error(fmt::format("Module::to: modules convert to floating dtypes only, got {}", dtype_name(dtype)));
  NoGradGuard no_grad;
  std::unordered_set<const TensorImpl*> seen;
  auto convert = [&](const Tensor& t) {
    if (!t.is_floating_point() || t.dtype() == dtype || !seen.insert(t.impl()).second) return;
    // set_data changes the tensor every handle shares (the module's members, the registry, users'
    // copies), so they all see the converted values at once.
    Tensor shared = t;
    const Tensor grad = shared.grad();
    shared.set_data(shared.detach().to(dtype));
    if (grad.defined()) shared.set_grad(grad.to(dtype));
  };
  walk("", true, [&](const std::string&, const Module& m) {
    for (const auto& entry : m.parameters_) convert(entry.second);
    for (const auto& entry : m.buffers_) convert(entry.second);
  });
}

StateDict Module::state_dict() const {
  StateDict out;
  // torch's order: each module's parameters, then its buffers, then its children.
  walk("", true, [&](const std::string& path, const Module& m) {
    for (const auto& [name, t] : m.parameters_) out.insert(path.empty() ? name : path + "." + name, t.detach());
    for (const auto& [name, t] : m.buffers_) out.insert(path.empty() ? name : path + "." + name, t.detach());
  });
  return out;
}

LoadResult Module::load_state_dict(const StateDict& state, bool strict) {
  NamedTensors own;
  walk("", true, [&](const std::string& path, const Module& m) {
    for (const auto& [name, t] : m.parameters_) own.emplace_back(path.empty() ? name : path + "." + name, t);
    for (const auto& [name, t] : m.buffers_) own.emplace_back(path.empty() ? name : path + "." + name, t);
  });
  LoadResult result;
  std::vector<std::string> mismatches;
  for (const auto& [name, t] : own) {
    if (!state.contains(name)) {
      result.missing_keys.push_back(name);
      continue;
    }
    const Tensor& src = state.at(name);
    if (!src.defined())
      mismatches.push_back(fmt::format("'{}' is undefined in the state dict", name));
    else if (src.shape() != t.shape())
      mismatches.push_back(fmt::format("size mismatch for '{}': the state dict has shape {}, the module has shape {}",
                                       name, shape_str(src.shape()), shape_str(t.shape())));
  }
  for (const auto& entry : state) {
    const std::string& name = entry.first;  // not a structured binding: the lambda captures it
    const bool known = std::any_of(own.begin(), own.end(), [&](const auto& e) { return e.first == name; });
    if (!known) result.unexpected_keys.push_back(name);
  }
  std::vector<std::string> problems = mismatches;
  if (strict && !result.missing_keys.empty()) problems.push_back("missing keys: " + join(result.missing_keys));
  if (strict && !result.unexpected_keys.empty()) problems.push_back("unexpected keys: " + join(result.unexpected_keys));
  if (!problems.empty()) {
    std::string message = fmt::format("load_state_dict: cannot load into {}", name());
    for (const auto& p : problems) message += "; " + p;
    throw Error(message);
  }
  NoGradGuard no_grad;
  for (auto& [name, t] : own)
    if (state.contains(name)) t.copy_(state.at(name));
  return result;
}

std::string Module::name() const {
  std::string full = detail::demangle(typeid(*this).name());
  if (const auto colon = full.rfind("::"); colon != std::string::npos) full = full.substr(colon + 2);
  if (full.size() > 4 && full.ends_with("Impl")) full.resize(full.size() - 4);
  return full;
}

void Module::pretty_print(std::ostream& os, int indent) const {
  os << name() << "(" << extra_repr();
  if (!children_.empty()) {
    os << "\n";
    for (const auto& [child_name, child] : children_) {
      os << std::string(indent + 2, ' ') << "(" << child_name << "): ";
      child->pretty_print(os, indent + 2);
      os << "\n";
    }
    os << std::string(indent, ' ');
  }
  os << ")";
}

std::ostream& operator<<(std::ostream& os, const Module& module) {
  module.pretty_print(os);
  return os;
}

}  // namespace xgrad::nn
