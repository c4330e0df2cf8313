// Sequential: modules applied in order, named "0", "1", ... as torch names them (so a torch
// state_dict of an nn.Sequential loads as is). Holds any module whose forward takes one tensor.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

namespace detail {
template <class T>
struct IsSharedModule : std::false_type {};
template <class M>
struct IsSharedModule<std::shared_ptr<M>> : std::is_base_of<Module, M> {};
template <class T>
concept HolderLike = requires(const T& h) {
  typename T::ContainedType;
  h.ptr();
};
// What Sequential can hold: a module handle (Linear), a shared_ptr to a Module, or a Module by value.
template <class T>
concept SequentialElement = IsSharedModule<std::decay_t<T>>::value || HolderLike<std::decay_t<T>> ||
                            std::is_base_of_v<Module, std::decay_t<T>>;
}  // namespace detail

class SequentialImpl : public Module {
 public:
  SequentialImpl() = default;
  // clang-format off
  template <detail::SequentialElement First, detail::SequentialElement... Rest>
    requires(sizeof...(Rest) > 0 || !std::is_same_v<std::decay_t<First>, SequentialImpl>)  // not a copy
  explicit SequentialImpl(First&& first, Rest&&... rest) {
    push_back(std::forward<First>(first));
    (push_back(std::forward<Rest>(rest)), ...);
  }
  // clang-format on

  // Appends a module (a handle such as Linear, a shared_ptr to a Module, or a Module by value),
  // named by its position unless a name is given.
  template <class M>
  void push_back(M&& module) {
    push_back(std::to_string(entries_.size()), std::forward<M>(module));
  }
  template <class M>
  void push_back(const std::string& name, M&& module) {
    append(name, as_shared(std::forward<M>(module)));
  }

  Tensor forward(const Tensor& x) const;

  std::size_t size() const { return entries_.size(); }
  bool is_empty() const { return entries_.empty(); }
  // The module at `index` (negative counts from the end); throws when out of range.
  std::shared_ptr<Module> operator[](std::ptrdiff_t index) const { return entry(index).module; }
  std::shared_ptr<Module> ptr(std::ptrdiff_t index) const { return entry(index).module; }
  // The module at `index` as its concrete type; throws naming both types when it is another.
  template <class T>
  std::shared_ptr<T> ptr(std::ptrdiff_t index) const {
    auto typed = std::dynamic_pointer_cast<T>(entry(index).module);
    if (!typed) throw_wrong_type(index, typeid(T).name());
    return typed;
  }
  template <class T>
  T& at(std::ptrdiff_t index) const {
    return *ptr<T>(index);
  }

 private:
  struct Entry {
    std::shared_ptr<Module> module;
    std::function<Tensor(const Tensor&)> forward;
  };

  template <class M>
  static std::shared_ptr<M> as_shared(std::shared_ptr<M> module) {
    return module;
  }
  template <class M>
  static std::shared_ptr<M> as_shared(const ModuleHolder<M>& holder) {
    return holder.ptr();
  }
  template <class M>
    requires std::is_base_of_v<Module, std::decay_t<M>>
  static std::shared_ptr<std::decay_t<M>> as_shared(M&& module) {
    return std::make_shared<std::decay_t<M>>(std::forward<M>(module));
  }

  template <class M>
  void append(const std::string& name, std::shared_ptr<M> module) {
    static_assert(std::is_base_of_v<Module, M>, "Sequential holds xgrad::nn::Module subclasses");
    static_assert(requires(M& m, const Tensor& x) { Tensor(m.forward(x)); },
                  "a module in a Sequential needs forward(const Tensor&) returning a Tensor");
    register_module(name, module);
    M* raw = module.get();  // kept alive by the entry's shared_ptr
    entries_.push_back({module, [raw](const Tensor& x) -> Tensor { return raw->forward(x); }});
  }

  const Entry& entry(std::ptrdiff_t index) const;
  [[noreturn]] void throw_wrong_type(std::ptrdiff_t index, const char* wanted) const;

  std::vector<Entry> entries_;
};
XGRAD_MODULE(Sequential);

}  // namespace xgrad::nn
