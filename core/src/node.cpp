// Graph nodes: iterative release, leaf accumulation, saved tensors and attaching a node to a result.
#include "xgrad/detail/node.hpp"

#include <fmt/format.h>

#include <mutex>

#include "xgrad/detail/core_ops.hpp"
#include "xgrad/detail/inplace.hpp"

namespace xgrad {

namespace {

thread_local std::uint64_t next_sequence_nr = 0;

// Nodes waiting to be destroyed by the loop in release_node, instead of by nested destructors.
struct ReleaseQueue {
  std::vector<std::shared_ptr<Node>> pending;
  bool draining = false;
};
thread_local ReleaseQueue release_queue;

}  // namespace

Node::Node() : sequence_nr(next_sequence_nr++) {}

Node::~Node() {
  for (Edge& edge : edges)
    if (edge.fn) release_node(std::move(edge.fn));
}

void release_node(std::shared_ptr<Node>&& node) {
  if (!node) return;
  if (node.use_count() > 1) {  // not the last owner: dropping it destroys nothing
    node.reset();
    return;
  }
  ReleaseQueue& queue = release_queue;
  queue.pending.push_back(std::move(node));
  if (queue.draining) return;  // an outer release_node is looping; it will get to this one
  queue.draining = true;
  while (!queue.pending.empty()) {
    std::shared_ptr<Node> last = std::move(queue.pending.back());
    queue.pending.pop_back();
    last.reset();  // its destructor only enqueues its children
  }
  queue.draining = false;
}

void accumulate_into(Tensor& stored, Tensor incoming) {
  if (!stored.defined()) {
    // A stored gradient is dense (an expanded or transposed view would make the optimizers' in-place
    // updates fail or go strided) and, outside create_graph, not shared with anything else.
    const bool exclusively_ours = incoming.impl_ptr().use_count() == 1 &&
                                  incoming.impl()->storage.use_count() == 1 && incoming.is_contiguous();
    if (GradModeFast::enabled())
      stored = incoming.contiguous();
    else
      stored = exclusively_ours ? std::move(incoming) : incoming.clone();
  } else if (GradModeFast::enabled()) {
    stored = detail::add_same_shape(stored, incoming);
  } else {
    detail::raw_add_(stored, incoming, 1.0);
  }
}

Grads AccumulateGrad::apply(Tensor grad) {
  std::shared_ptr<TensorImpl> impl = leaf.lock();
  if (!impl || !grad.defined()) return {};
  // Hooks run outside the lock: one may call backward on a graph that reaches this same leaf
  // (reentrant backward, as torch allows), which would otherwise wait on this mutex forever.
  for (const TensorHook& hook : impl->leaf_hooks) {
    Tensor replaced = hook(grad);
    if (replaced.defined()) {
      check_hook_result(grad, replaced, nullptr);
      grad = std::move(replaced);
    }
  }
  std::lock_guard<std::mutex> lock(mutex);
  accumulate_into(impl->grad, std::move(grad));
  return {};
}

void check_hook_result(const Tensor& grad, const Tensor& replaced, const char* node_name) {
  if (replaced.shape() == grad.shape() && replaced.dtype() == grad.dtype()) return;
  const std::string where = node_name ? fmt::format("the output of {}", node_name) : std::string("a leaf tensor");
  throw Error(fmt::format("register_hook: a hook on {} returned a {} gradient of shape {} for a {} gradient of shape "
                          "{}; a hook must keep the gradient's shape and dtype",
                          where, dtype_name(replaced.dtype()), shape_str(replaced.shape()), dtype_name(grad.dtype()),
                          shape_str(grad.shape())));
}

std::shared_ptr<Node> gradient_edge(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (impl->grad_fn) return impl->grad_fn;
  if (!impl->requires_grad) return nullptr;
  // A leaf shared by threads gets its accumulator created lazily by whichever records first; one
  // accumulator per leaf is what makes AccumulateGrad's mutex protect .grad (ThreadSanitizer found
  // two threads creating one each). Only leaves pay for the lock.
  static std::mutex creation;
  std::lock_guard<std::mutex> lock(creation);
  if (!impl->grad_accumulator) impl->grad_accumulator = std::make_shared<AccumulateGrad>(t.impl_ptr());
  return impl->grad_accumulator;
}

SavedTensor::SavedTensor(Tensor t) : tensor_(std::move(t)), version_(tensor_.defined() ? tensor_.version() : 0) {}

SavedTensor SavedTensor::output(const Tensor& y) {
  SavedTensor saved(y.detach());
  saved.is_output_ = true;
  return saved;
}

Tensor SavedTensor::get() const {
  if (tensor_.defined() && tensor_.version() != version_)
    throw SavedTensorModified(fmt::format(
        "a tensor of shape {} saved for backward was modified by an in-place operation (saved at version {}, "
        "now at version {})",
        shape_str(tensor_.shape()), version_, tensor_.version()));
  const std::shared_ptr<Node>* applying = detail::applying_node;
  if (is_output_ && applying && GradModeFast::enabled()) {
    // the same memory, again the result of its node (the one whose backward reads it): a derivative
    // through it reaches the op's input
    Tensor attached = make_strided(tensor_, tensor_.shape(), tensor_.strides(), tensor_.storage_offset());
    attached.impl()->grad_fn = *applying;
    attached.impl()->requires_grad = true;
    return attached;
  }
  return tensor_;
}

[[noreturn]] void throw_backward_twice(const char* op) {
  throw Error(fmt::format(
      "{}: trying to backward through the graph a second time, but the saved data was already freed; "
      "pass retain_graph=true to the first backward if you need to backward twice",
      op));
}

namespace {
void add_edge(Node& node, const Tensor& input) {
  if (input.defined() && input.requires_grad())
    node.edges.push_back(Edge{gradient_edge(input), input.shape(), input.dtype()});
  else
    node.edges.push_back(Edge{nullptr, {}, kFloat32});
}
void finish(Tensor& out, std::shared_ptr<Node>&& node) {
  TensorImpl* impl = out.impl();
  impl->grad_fn = std::move(node);
  impl->requires_grad = true;
}
}  // namespace

void attach_node(Tensor& out, std::shared_ptr<Node> node, std::initializer_list<const Tensor*> inputs) {
  node->edges.reserve(inputs.size());
  for (const Tensor* input : inputs) add_edge(*node, *input);
  finish(out, std::move(node));
}

void attach_node(Tensor& out, std::shared_ptr<Node> node, const std::vector<Tensor>& inputs) {
  node->edges.reserve(inputs.size());
  for (const Tensor& input : inputs) add_edge(*node, input);
  finish(out, std::move(node));
}

}  // namespace xgrad
