// Custom autograd functions, as libtorch's torch::autograd::Function<T>: a user's struct T with
//   static Tensor forward(AutogradContext* ctx, <args>...);
//   static variable_list backward(AutogradContext* ctx, variable_list grad_outputs);
// is applied with T::apply(args...). forward runs with grad mode off; its result gets one graph node
// that calls T::backward with the gradient of the output. backward returns one gradient per forward
// argument (undefined for non-tensor arguments and unused inputs) or one per tensor argument. When
// backward is written with xgrad's differentiable ops, create_graph gives double backward.
//
// Limits (a node of xgrad's graph has one output): forward returns one Tensor (or a variable_list of
// one). A saved output is kept without its history, so double backward sees it as a constant.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "xgrad/grad_mode.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad::autograd {

using Variable = Tensor;
using variable_list = std::vector<Tensor>;

// A value kept in AutogradContext::saved_data (libtorch's IValue, for what custom functions keep):
// none, bool, integer, double, string or tensor. The to...() accessors throw on the wrong kind.
class IValue {
 public:
  IValue() = default;
  IValue(bool v) : value_(v) {}
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  IValue(I v) : value_(static_cast<std::int64_t>(v)) {}
  IValue(double v) : value_(v) {}
  IValue(std::string v) : value_(std::move(v)) {}
  IValue(const char* v) : value_(std::string(v)) {}
  IValue(Tensor v) : value_(std::move(v)) {}

  bool isNone() const { return value_.index() == 0; }
  bool isBool() const { return std::holds_alternative<bool>(value_); }
  bool isInt() const { return std::holds_alternative<std::int64_t>(value_); }
  bool isDouble() const { return std::holds_alternative<double>(value_); }
  bool isString() const { return std::holds_alternative<std::string>(value_); }
  bool isTensor() const { return std::holds_alternative<Tensor>(value_); }

  bool toBool() const;
  std::int64_t toInt() const;
  double toDouble() const;  // an integer converts, as in libtorch's Scalar
  const std::string& toStringRef() const;
  Tensor toTensor() const;

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Tensor> value_;
};

class AutogradContext;
namespace detail {
struct CustomCall;
}

class AutogradContext {
 public:
  AutogradContext() = default;
  AutogradContext(const AutogradContext&) = delete;
  AutogradContext& operator=(const AutogradContext&) = delete;

  // Tensors for backward, given back by get_saved_variables() after checking that no in-place op
  // changed them in between (which would make the gradient wrong).
  void save_for_backward(variable_list to_save);
  variable_list get_saved_variables() const;
  // Inputs that forward changed in place; the output is then the input itself and takes its history.
  void mark_dirty(const variable_list& inputs);
  // Outputs that get no gradient (indices, masks): they come back without history.
  void mark_non_differentiable(const variable_list& outputs);
  // When true (the default), an undefined incoming gradient reaches backward as zeros.
  void set_materialize_grads(bool value) { materialize_grads_ = value; }
  // Whether the index-th tensor argument of forward needs a gradient.
  bool needs_input_grad(std::size_t index) const;

  std::unordered_map<std::string, IValue> saved_data;

 private:
  friend struct detail::CustomCall;
  std::vector<Tensor> saved_;
  std::vector<std::uint32_t> saved_versions_;
  std::vector<bool> needs_input_grad_;
  std::vector<const void*> dirty_;
  std::vector<const void*> non_differentiable_;
  bool materialize_grads_ = true;
  bool released_ = false;
  std::string name_;
};

namespace detail {

// The non-template half of Function<T>::apply, in core/src/custom_function.cpp.
struct CustomCall {
  using Backward = std::function<variable_list(AutogradContext*, variable_list)>;
  // Before forward: records which inputs need a gradient.
  static void begin(AutogradContext& ctx, const char* name, const variable_list& inputs);
  // After forward: gives `output` a node whose backward calls `backward` and maps its result onto
  // the inputs (`is_tensor_arg` marks which forward arguments were tensors).
  static Tensor finish(const std::shared_ptr<AutogradContext>& ctx, const variable_list& inputs,
                       std::vector<bool> is_tensor_arg, Tensor output, Backward backward);
  // What the graph node reads and clears of the context.
  static void release(AutogradContext& ctx);
  static bool released(const AutogradContext& ctx) { return ctx.released_; }
  static bool materialize_grads(const AutogradContext& ctx) { return ctx.materialize_grads_; }
  static const std::string& name(const AutogradContext& ctx) { return ctx.name_; }
};

template <class A>
void collect_input(variable_list& inputs, std::vector<bool>& is_tensor, const A& arg) {
  using D = std::decay_t<A>;
  if constexpr (std::is_same_v<D, Tensor>) {
    inputs.push_back(arg);
    is_tensor.push_back(true);
  } else if constexpr (std::is_same_v<D, variable_list>) {
    for (const Tensor& t : arg) {
      inputs.push_back(t);
      is_tensor.push_back(true);
    }
  } else {
    is_tensor.push_back(false);
  }
}

std::string demangle_type(const char* mangled);
[[noreturn]] void throw_multiple_outputs(const std::string& name, std::size_t count);

}  // namespace detail

template <class T>
struct Function {
  template <class... Args>
  static auto apply(Args&&... args) {
    static const std::string name = detail::demangle_type(typeid(T).name());
    auto ctx = std::make_shared<AutogradContext>();
    variable_list inputs;
    std::vector<bool> is_tensor;
    (detail::collect_input(inputs, is_tensor, args), ...);
    detail::CustomCall::begin(*ctx, name.c_str(), inputs);
    using Out = decltype(T::forward(ctx.get(), std::forward<Args>(args)...));
    Out out;
    {
      NoGradGuard no_grad;  // forward's own ops are not recorded: the node below stands for them
      out = T::forward(ctx.get(), std::forward<Args>(args)...);
    }
    auto backward = [](AutogradContext* c, variable_list grads) { return T::backward(c, std::move(grads)); };
    if constexpr (std::is_same_v<Out, Tensor>) {
      return detail::CustomCall::finish(ctx, inputs, std::move(is_tensor), std::move(out), backward);
    } else {
      static_assert(std::is_same_v<Out, variable_list>, "forward must return a Tensor or a variable_list");
      if (out.size() != 1) detail::throw_multiple_outputs(name, out.size());
      return variable_list{detail::CustomCall::finish(ctx, inputs, std::move(is_tensor), std::move(out[0]), backward)};
    }
  }
};

}  // namespace xgrad::autograd
