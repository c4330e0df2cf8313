// The graph side of custom autograd functions (custom_function.hpp): the node that calls a user's
// backward, the checks on what it returns, and the context's saved-tensor bookkeeping.
#include "xgrad/custom_function.hpp"

#include <cxxabi.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "xgrad/detail/node.hpp"
#include "xgrad/detail/tensor_impl.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"

namespace xgrad::autograd {

// ---- IValue ----

namespace {
[[noreturn]] void wrong_kind(const char* wanted) {
  throw Error(fmt::format("IValue: expected a {} value, but it holds another kind", wanted));
}
}  // namespace

bool IValue::toBool() const {
  if (!isBool()) wrong_kind("bool");
  return std::get<bool>(value_);
}
std::int64_t IValue::toInt() const {
  if (!isInt()) wrong_kind("int");
  return std::get<std::int64_t>(value_);
}
double IValue::toDouble() const {
  if (isInt()) return static_cast<double>(std::get<std::int64_t>(value_));
  if (!isDouble()) wrong_kind("double");
  return std::get<double>(value_);
}
const std::string& IValue::toStringRef() const {
  if (!isString()) wrong_kind("string");
  return std::get<std::string>(value_);
}
Tensor IValue::toTensor() const {
  if (!isTensor()) wrong_kind("tensor");
  return std::get<Tensor>(value_);
}

// ---- AutogradContext ----

void AutogradContext::save_for_backward(variable_list to_save) {
  saved_ = std::move(to_save);
  saved_versions_.clear();
  for (const Tensor& t : saved_) saved_versions_.push_back(t.defined() ? t.version() : 0);
}

variable_list AutogradContext::get_saved_variables() const {
  if (released_)
    throw Error(fmt::format("{}: trying to backward through the graph a second time, but the saved data was "
                            "already freed; pass retain_graph=true to the first backward if you need to backward twice",
                            name_));
  for (std::size_t i = 0; i < saved_.size(); ++i)
    if (saved_[i].defined() && saved_[i].version() != saved_versions_[i])
      throw Error(fmt::format("{}: saved tensor {} (shape {}) was modified by an in-place operation after "
                              "save_for_backward (saved at version {}, now at version {})",
                              name_, i, shape_str(saved_[i].shape()), saved_versions_[i], saved_[i].version()));
  return saved_;
}

void AutogradContext::mark_dirty(const variable_list& inputs) {
  for (const Tensor& t : inputs)
    if (t.defined()) dirty_.push_back(t.impl());
}

void AutogradContext::mark_non_differentiable(const variable_list& outputs) {
  for (const Tensor& t : outputs)
    if (t.defined()) non_differentiable_.push_back(t.impl());
}

bool AutogradContext::needs_input_grad(std::size_t index) const {
  if (index >= needs_input_grad_.size())
    throw Error(fmt::format("{}: needs_input_grad({}) out of range: forward has {} tensor arguments", name_, index,
                            needs_input_grad_.size()));
  return needs_input_grad_[index];
}

namespace detail {

std::string demangle_type(const char* mangled) {
  int status = 0;
  char* readable = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = status == 0 && readable ? readable : mangled;
  std::free(readable);
  return out;
}

void throw_multiple_outputs(const std::string& name, std::size_t count) {
  throw Error(fmt::format("{}: forward returned {} tensors; custom functions in xgrad have exactly one output",
                          name, count));
}

namespace {

// The graph node of one application: holds the context (and through it the saved tensors) until the
// engine releases it, and checks the user's backward result against the inputs.
struct CustomFunctionNode final : Node {
  CustomFunctionNode(std::shared_ptr<AutogradContext> ctx_, CustomCall::Backward backward_, std::vector<bool> is_tensor_,
                     Shape out_shape_, Dtype out_dtype_)
      : ctx(std::move(ctx_)),
        backward(std::move(backward_)),
        is_tensor_arg(std::move(is_tensor_)),
        out_shape(std::move(out_shape_)),
        out_dtype(out_dtype_) {}

  const char* name() const override { return CustomCall::name(*ctx).c_str(); }
  void release_saved() override { CustomCall::release(*ctx); }

  Grads apply(Tensor grad) override {
    const std::string& op = CustomCall::name(*ctx);
    if (CustomCall::released(*ctx)) ctx->get_saved_variables();  // throws the backward-twice error
    if (!grad.defined() && CustomCall::materialize_grads(*ctx)) grad = zeros(out_shape, out_dtype);
    variable_list grads = backward(ctx.get(), variable_list{std::move(grad)});

    const std::size_t n_inputs = edges.size();
    const std::size_t n_args = is_tensor_arg.size();
    Grads out;
    if (grads.size() == n_inputs) {
      out = std::move(grads);
    } else if (grads.size() == n_args) {
      for (std::size_t i = 0; i < n_args; ++i) {
        if (is_tensor_arg[i])
          out.push_back(std::move(grads[i]));
        else if (grads[i].defined())
          throw Error(fmt::format("{}: backward returned a defined gradient for argument {}, which is not a tensor",
                                  op, i));
      }
    } else {
      throw Error(fmt::format("{}: backward returned {} gradients, expected {} (one per forward argument) or {} "
                              "(one per tensor argument)",
                              op, grads.size(), n_args, n_inputs));
    }
    // Inputs that need no gradient get none, whatever backward computed for them.
    for (std::size_t i = 0; i < out.size(); ++i)
      if (!edges[i].fn) out[i] = Tensor();
    return out;
  }

  std::shared_ptr<AutogradContext> ctx;
  CustomCall::Backward backward;
  std::vector<bool> is_tensor_arg;
  Shape out_shape;
  Dtype out_dtype;
};

bool contains(const std::vector<const void*>& set, const Tensor& t) {
  return t.defined() && std::find(set.begin(), set.end(), static_cast<const void*>(t.impl())) != set.end();
}

}  // namespace

void CustomCall::begin(AutogradContext& ctx, const char* name, const variable_list& inputs) {
  ctx.name_ = name;
  const bool recording = GradMode::is_enabled();
  for (const Tensor& t : inputs) ctx.needs_input_grad_.push_back(recording && t.defined() && t.requires_grad());
}

void CustomCall::release(AutogradContext& ctx) {
  ctx.saved_.clear();
  ctx.saved_versions_.clear();
  ctx.saved_data.clear();
  ctx.released_ = true;
}

Tensor CustomCall::finish(const std::shared_ptr<AutogradContext>& ctx, const variable_list& inputs,
                          std::vector<bool> is_tensor_arg, Tensor output, Backward backward) {
  const std::string& op = ctx->name_;
  if (!output.defined()) throw Error(fmt::format("{}: forward returned an undefined tensor", op));

  const auto aliased = std::find_if(inputs.begin(), inputs.end(), [&](const Tensor& t) { return t.is_same(output); });
  const bool is_input = aliased != inputs.end();
  const bool dirty = contains(ctx->dirty_, output);
  for (const void* d : ctx->dirty_)
    if (std::none_of(inputs.begin(), inputs.end(), [&](const Tensor& t) { return t.impl() == d; }))
      throw Error(fmt::format("{}: mark_dirty was given a tensor that is not an input of forward", op));
  if (!ctx->dirty_.empty() && !dirty)
    throw Error(fmt::format("{}: an input marked dirty must be returned as the output", op));
  // An input returned unchanged keeps its own history: the output is a new handle on its storage.
  if (is_input && !dirty) output = output.detach();

  const bool needs_grad = std::any_of(ctx->needs_input_grad_.begin(), ctx->needs_input_grad_.end(), [](bool b) { return b; });
  // Integer and bool outputs (indices, masks) carry no gradient, marked or not, as in torch.
  if (!needs_grad || contains(ctx->non_differentiable_, output) || !output.is_floating_point()) {
    if (dirty) output.detach_();
    return output;
  }
  if (dirty && output.is_leaf() && output.requires_grad())
    throw Error(fmt::format("{}: a leaf tensor that requires grad cannot be changed in place (mark_dirty)", op));

  // Saved tensors that are the output itself are kept without history: the node must not own its own
  // output (a reference cycle).
  for (Tensor& t : ctx->saved_)
    if (t.is_same(output)) t = output.detach();

  auto node = std::make_shared<CustomFunctionNode>(ctx, std::move(backward), std::move(is_tensor_arg), output.shape(),
                                                   output.dtype());
  attach_node(output, std::move(node), inputs);
  return output;
}

}  // namespace detail
}  // namespace xgrad::autograd
