// The autograd graph: a Node is the backward of one recorded op. Every op has one output, so a
// node takes one incoming gradient and returns one gradient per input (undefined where unused).
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "xgrad/detail/tensor_impl.hpp"
#include "xgrad/error.hpp"
#include "xgrad/record_backward.hpp"  // Grads, SavedTensor

namespace xgrad {

// Where the gradient of one input goes, and the shape and dtype it must have when it gets there
// (the engine reduces broadcast gradients to `shape`, in one place).
struct Edge {
  std::shared_ptr<Node> fn;  // null when the input needs no gradient
  Shape shape;
  Dtype dtype;
};

struct Node {
  Node();
  virtual ~Node();  // hands its edges to an iterative drain: no recursion on long chains
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  virtual const char* name() const = 0;
  virtual Grads apply(Tensor grad) = 0;  // takes the gradient by value: a sink may keep it
  virtual void release_saved() {}

  bool needs_input_grad(std::size_t i) const { return i < edges.size() && edges[i].fn != nullptr; }

  // What register_hook and retain_grad() on the output tensor attach. Rare, so behind one pointer:
  // a node's size decides whether the allocator serves it from its fastest bins.
  struct OutputHooks {
    std::vector<TensorHook> pre_hooks;    // hooks of the output tensor (register_hook on a non-leaf)
    std::weak_ptr<TensorImpl> retained;  // set by retain_grad(): the output tensor to store .grad in
  };
  OutputHooks& output_hooks() {
    if (!hooks) hooks = std::make_unique<OutputHooks>();
    return *hooks;
  }

  std::vector<Edge> edges;
  std::uint64_t sequence_nr;
  std::unique_ptr<OutputHooks> hooks;  // null until a hook or retain_grad() needs it
};

// Sink for a leaf's gradient: adds it into the leaf's .grad.
struct AccumulateGrad final : Node {
  explicit AccumulateGrad(const std::shared_ptr<TensorImpl>& leaf_) : leaf(leaf_) {}
  const char* name() const override { return "AccumulateGrad"; }
  Grads apply(Tensor grad) override;
  std::weak_ptr<TensorImpl> leaf;
  std::mutex mutex;  // threads back-propagating graphs that share this leaf
};

// Adds `incoming` into a stored gradient (a leaf's .grad or a retained one): in place when no graph
// is being built, out of place (differentiably) under create_graph.
void accumulate_into(Tensor& stored, Tensor incoming);

// Throws, naming the hook's tensor (`node_name` is the op that made it; null for a leaf), when a
// hook's replacement gradient has another shape or dtype than the gradient it was given.
void check_hook_result(const Tensor& grad, const Tensor& replaced, const char* node_name);

// Drops a node reference; if it was the last, the node is destroyed by an explicit loop.
void release_node(std::shared_ptr<Node>&& node);

// The node a gradient for `t` flows into: its grad_fn, its accumulator for a leaf, or null.
std::shared_ptr<Node> gradient_edge(const Tensor& t);

namespace detail {
// Marks the node whose backward runs on this thread (the engine sets it around apply), so that a
// saved output read there comes back attached to it (SavedTensor::output).
inline thread_local const std::shared_ptr<Node>* applying_node = nullptr;
struct ApplyingNodeScope {
  explicit ApplyingNodeScope(const std::shared_ptr<Node>* node) : previous(applying_node) { applying_node = node; }
  ~ApplyingNodeScope() { applying_node = previous; }
  ApplyingNodeScope(const ApplyingNodeScope&) = delete;
  ApplyingNodeScope& operator=(const ApplyingNodeScope&) = delete;
  const std::shared_ptr<Node>* previous;
};
}  // namespace detail

// Saves `t` only when `needed` (typically: the other operand requires grad), so a backward keeps
// just what the gradients it will compute read.
inline SavedTensor save_if(const Tensor& t, bool needed) { return needed ? SavedTensor(t) : SavedTensor(); }

// A node whose backward is the callable `F`: Grads(const Tensor& grad). The callable holds the
// saved tensors; releasing the node's saved data destroys it.
template <class F>
struct FunctionNode final : Node {
  FunctionNode(const char* name_, F&& vjp_) : op_name(name_), vjp(std::move(vjp_)) {}
  const char* name() const override { return op_name; }
  Grads apply(Tensor grad) override {
    if (!vjp) throw_released();
    return (*vjp)(grad);
  }
  void release_saved() override { vjp.reset(); }
  [[noreturn]] void throw_released() const;

  const char* op_name;
  std::optional<F> vjp;
};

[[noreturn]] void throw_backward_twice(const char* op);
template <class F>
void FunctionNode<F>::throw_released() const {
  throw_backward_twice(op_name);
}

// True when recording is on and some input requires grad.
inline bool should_record(std::initializer_list<const Tensor*> inputs) {
  if (!GradModeFast::enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

// Makes `out` the result of a recorded op with these inputs and backward.
void attach_node(Tensor& out, std::shared_ptr<Node> node, std::initializer_list<const Tensor*> inputs);
void attach_node(Tensor& out, std::shared_ptr<Node> node, const std::vector<Tensor>& inputs);

// A node with a free-form name, for users' recorded functions (record_backward, autograd::Function).
// The library's own ops record table rows instead (rule.hpp), so their names form the registry.
template <class F>
void record_named(const char* name, Tensor& out, std::initializer_list<const Tensor*> inputs, F&& vjp) {
  attach_node(out, std::make_shared<FunctionNode<std::decay_t<F>>>(name, std::forward<F>(vjp)), inputs);
}
template <class F>
void record_named(const char* name, Tensor& out, const std::vector<Tensor>& inputs, F&& vjp) {
  attach_node(out, std::make_shared<FunctionNode<std::decay_t<F>>>(name, std::forward<F>(vjp)), inputs);
}

}  // namespace xgrad
