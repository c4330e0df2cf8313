// Module: the base of every layer and of users' networks. It owns named parameters, buffers and
// submodules, and gives torch's dotted names ("fc1.weight") to everything below it.
#pragma once
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/device.hpp"
#include "xgrad/dtype.hpp"
#include "xgrad/nn/module_holder.hpp"
#include "xgrad/state_dict.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad::nn {

// One (name, tensor) item: a std::pair (structured bindings, .first/.second) that also reads as
// libtorch's OrderedDict item, .key() and .value().
struct NamedTensor : std::pair<std::string, Tensor> {
  using std::pair<std::string, Tensor>::pair;
  const std::string& key() const { return first; }
  Tensor& value() { return second; }
  const Tensor& value() const { return second; }
};
// A vector of items that still converts to the plain vector of pairs other layers take.
class NamedTensors : public std::vector<NamedTensor> {
 public:
  using std::vector<NamedTensor>::vector;
  operator std::vector<std::pair<std::string, Tensor>>() const { return {begin(), end()}; }
};

// What load_state_dict(strict = false) found but tolerated (torch's IncompatibleKeys).
struct LoadResult {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
};

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  // Copies share parameters and submodules (handles), as libtorch's modules do.
  Module(const Module&) = default;
  Module& operator=(const Module&) = default;
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;

  // Registers `tensor` as a parameter (a leaf: a tensor with history is detached) and returns the
  // stored handle. Names are unique within the module and contain no '.'.
  Tensor register_parameter(const std::string& name, Tensor tensor, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, Tensor tensor);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  template <class M>
  ModuleHolder<M> register_module(const std::string& name, const ModuleHolder<M>& holder) {
    add_child(name, holder.ptr());
    return holder;
  }
  // A named handle (Linear, or a user's TORCH_MODULE) comes back as itself, so that
  // `fc1 = register_module("fc1", nn::Linear(3, 4));` assigns, as in libtorch.
  template <class H>
    requires(std::is_base_of_v<ModuleHolder<typename H::ContainedType>, H> &&
             !std::is_same_v<H, ModuleHolder<typename H::ContainedType>>)
  H register_module(const std::string& name, const H& holder) {
    add_child(name, holder.ptr());
    return holder;
  }

  // Everything below this module, depth first, parameters deduplicated as in torch.
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const { return children_; }
  // Every submodule below this one (not this one itself: it may not be owned by a shared_ptr).
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules() const;
  // Calls fn on this module and every module below it.
  void apply(const std::function<void(Module&)>& fn);

  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // set_to_none (torch's default) drops the gradients; otherwise they are zeroed in place.
  void zero_grad(bool set_to_none = true);
  // Converts floating-point parameters and buffers in place: every handle to them sees the change.
  void to(Dtype dtype);
  // libtorch's device forms: the CPU changes nothing, CUDA throws (xgrad computes on the CPU only).
  void to(Device device);
  void to(Device device, Dtype dtype);

  // Parameters and buffers by dotted name, sharing storage with the module (torch's state_dict).
  StateDict state_dict() const;
  // Copies values in (converting dtype). Shape mismatches always throw, missing and unexpected keys
  // throw when strict; every problem is named in one message and nothing is copied when it throws.
  LoadResult load_state_dict(const StateDict& state, bool strict = true);

  // The name printed for this module ("Linear"); extra_repr() is what goes inside its parentheses.
  virtual std::string name() const;
  virtual std::string extra_repr() const { return ""; }
  // torch's module repr: the name, extra_repr() and the children, indented.
  void pretty_print(std::ostream& os, int indent = 0) const;

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> child);
  void check_new_name(const char* what, const std::string& name) const;
  template <class F>
  void walk(const std::string& prefix, bool recurse, F&& visit) const;

  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

std::ostream& operator<<(std::ostream& os, const Module& module);
template <class Impl>
std::ostream& operator<<(std::ostream& os, const ModuleHolder<Impl>& holder) {
  return os << *holder;
}

}  // namespace xgrad::nn
