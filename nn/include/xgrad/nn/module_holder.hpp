// ModuleHolder<Impl>: the cheap shared handle users hold (xg::nn::Linear wraps shared_ptr<LinearImpl>),
// as libtorch's ModuleHolder. `->` reaches the module, `()` calls its forward, copies share the module.
#pragma once
#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "xgrad/error.hpp"

namespace xgrad::nn {

namespace detail {
// A module type with a nested `Options` aggregate (the losses) can be built from a braced options
// list: CrossEntropyLoss({.label_smoothing = 0.1}). Others get a placeholder that never matches.
struct NoOptions {
  NoOptions() = delete;
};
template <class Impl>
struct OptionsOf {
  using type = NoOptions;
};
template <class Impl>
  requires requires { typename Impl::Options; }
struct OptionsOf<Impl> {
  using type = typename Impl::Options;
};
[[noreturn]] void throw_empty_holder(const char* type);
std::string demangle(const char* mangled);  // a readable type name from typeid(...).name()
}  // namespace detail

template <class Impl>
class ModuleHolder {
 public:
  using ContainedType = Impl;
  using Options = typename detail::OptionsOf<Impl>::type;

  // (clang-format 14 folds requires-clauses into unreadable lines)
  // clang-format off
  // A default-constructed module (Linear has none: its sizes are required).
  ModuleHolder()
    requires std::is_default_constructible_v<Impl>
      : impl_(std::make_shared<Impl>()) {}
  // An empty handle, to be assigned later (libtorch's `Linear fc{nullptr}`).
  ModuleHolder(std::nullptr_t) {}
  // Constructs the module from its constructor's arguments: Linear{784, 256}, Dropout{0.2}.
  template <class First, class... Rest>
    requires(std::is_constructible_v<Impl, First, Rest...> &&
             (sizeof...(Rest) > 0 || !std::is_base_of_v<ModuleHolder, std::decay_t<First>>))
  explicit ModuleHolder(First&& first, Rest&&... rest)
      : impl_(std::make_shared<Impl>(std::forward<First>(first), std::forward<Rest>(rest)...)) {}
  // From a braced options list, for modules that have one: CrossEntropyLoss({.label_smoothing = 0.1}).
  ModuleHolder(const Options& options)
    requires(!std::is_same_v<Options, detail::NoOptions>)
      : impl_(std::make_shared<Impl>(options)) {}
  // clang-format on
  ModuleHolder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

  Impl* operator->() const { return get(); }
  Impl& operator*() const { return *get(); }
  Impl* get() const {
    if (!impl_) detail::throw_empty_holder(typeid(Impl).name());
    return impl_.get();
  }
  const std::shared_ptr<Impl>& ptr() const { return impl_; }
  bool is_empty() const { return impl_ == nullptr; }

  template <class... Args>
  decltype(auto) operator()(Args&&... args) const {
    return get()->forward(std::forward<Args>(args)...);
  }
  template <class Arg>
  decltype(auto) operator[](Arg&& arg) const {
    return (*get())[std::forward<Arg>(arg)];
  }

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace xgrad::nn

// Declares the handle `Name` for the module class `NameImpl`, as libtorch's TORCH_MODULE.
#define XGRAD_MODULE(Name)                                     \
  class Name : public ::xgrad::nn::ModuleHolder<Name##Impl> {  \
   public:                                                     \
    using ::xgrad::nn::ModuleHolder<Name##Impl>::ModuleHolder; \
  }
