// Recording a fused op from outside core: the op computes its output with raw kernels (fast), then
// gives it a graph node whose backward is a callable. Written with xgrad's differentiable ops, that
// backward also serves create_graph (double backward). nn's fused losses are built this way.
//
//   Tensor out = ...;  // computed from x and t without recording
//   if (autograd::should_record({&x, &t}))
//     autograd::record_backward("MyLossBackward", out, {&x, &t},
//                               [sx = SavedTensor(x)](const Tensor& g) { return Grads{g * sx.get(), {}}; });
//
// The callable returns one gradient per input, in order (undefined where an input needs none); the
// engine reduces a broadcast gradient to its input's shape. It is freed when the engine releases the
// graph's saved data, so it may hold tensors of its inputs but never `out` itself (a cycle).
// For users' own functions, xgrad::autograd::Function<T> (custom_function.hpp) is the friendlier form.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/error.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad {

// One gradient per input of a recorded op.
using Grads = std::vector<Tensor>;

// Thrown when a tensor saved for backward was changed in place after it was saved.
class SavedTensorModified : public Error {
 public:
  using Error::Error;
};

// A tensor an op keeps for its backward. It remembers the version at save time and refuses to hand
// the tensor back (SavedTensorModified, naming both versions) if an in-place op changed it since.
//
// An op's own output is saved with SavedTensor::output(y): kept without its history (holding y's
// node from inside that node would be a cycle), and handed back, while its node's backward builds a
// graph (create_graph), attached to that node again, so a second derivative through y reaches the
// op's input, as PyTorch's saved variables do.
class SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(Tensor t);
  static SavedTensor output(const Tensor& y);
  // The saved tensor; a saved output comes back with its node as grad_fn while a graph is being built.
  Tensor get() const;
  bool defined() const { return tensor_.defined(); }

 private:
  Tensor tensor_;
  std::uint32_t version_ = 0;
  bool is_output_ = false;
};

namespace detail {
// The backward behind one pointer, so record_backward's node type is core's own. (xgrad::detail, not
// autograd::detail: core's sources inside namespace autograd name xgrad::detail as plain detail.)
struct RecordedBackward {
  virtual ~RecordedBackward() = default;
  virtual Grads operator()(const Tensor& grad) = 0;
};
void record_erased_backward(const char* name, Tensor& out, std::initializer_list<const Tensor*> inputs,
                            std::unique_ptr<RecordedBackward> backward);
}  // namespace detail

namespace autograd {

// True when grad mode is on and some defined input requires grad: only then is a node worth making.
bool should_record(std::initializer_list<const Tensor*> inputs);

// Makes `out` the result of a recorded op with these inputs (undefined ones get no gradient) and
// this backward: Grads(const Tensor& grad). `name` is kept by pointer (pass a string literal); it is
// what grad_fn_name() and errors show. Throws xgrad::Error when `name` is null or `out` is undefined
// or not floating point.
template <class F>
void record_backward(const char* name, Tensor& out, std::initializer_list<const Tensor*> inputs, F&& backward) {
  struct Callable final : xgrad::detail::RecordedBackward {
    explicit Callable(F&& f) : fn(std::forward<F>(f)) {}
    Grads operator()(const Tensor& grad) override { return fn(grad); }
    std::decay_t<F> fn;
  };
  xgrad::detail::record_erased_backward(name, out, inputs, std::make_unique<Callable>(std::forward<F>(backward)));
}

}  // namespace autograd
}  // namespace xgrad
