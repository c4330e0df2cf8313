// The backward sweep: count each node's consumers with an explicit stack, then run nodes whose
// gradients are complete (Kahn's algorithm), summing gradients that meet at a node. No recursion.
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "xgrad/autograd.hpp"
#include "xgrad/detail/core_ops.hpp"
#include "xgrad/detail/node.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad::autograd {

namespace {

struct NodeState {
  int dependencies = 0;  // consumers that have not yet delivered their gradient
  Tensor grad;           // sum of the gradients delivered so far
  bool needed = true;    // autograd::grad runs only the part of the graph that reaches its inputs
  int capture = -1;      // autograd::grad: index of the input whose gradient arrives here
  const std::shared_ptr<Node>* owner = nullptr;  // the edge (or root) it was reached by: its shared owner
};

using StateMap = std::unordered_map<Node*, NodeState>;

bool has_nan(const Tensor& t) {
  if (!t.is_floating_point()) return false;
  return dispatch(t.dtype(), [&](auto tag) {
    const auto* p = contiguous_data<decltype(tag)>(dense(t));
    for (std::int64_t i = 0, n_ = t.numel(); i < n_; ++i)
      if (std::isnan(static_cast<double>(p[i]))) return true;
    return false;
  });
}

// Puts every node reachable from the roots in the map, with its consumer count.
void count_dependencies(const std::vector<std::shared_ptr<Node>>& roots, StateMap& states) {
  std::vector<Node*> stack;
  for (const auto& root : roots)
    if (states.try_emplace(root.get()).second) stack.push_back(root.get());
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const Edge& edge : node->edges) {
      if (!edge.fn) continue;
      auto [it, inserted] = states.try_emplace(edge.fn.get());
      ++it->second.dependencies;
      if (inserted) stack.push_back(edge.fn.get());
    }
  }
}

// For autograd::grad: keeps only nodes from which a captured node can be reached, and recounts
// dependencies among them (an unneeded consumer never delivers, so it must not be waited for).
void prune_to_captures(const std::vector<std::shared_ptr<Node>>& roots, StateMap& states) {
  // Topological order (consumers first) by a Kahn pass on a copy of the counts.
  std::unordered_map<Node*, int> remaining;
  for (auto& [node, state] : states) remaining[node] = state.dependencies;
  std::vector<Node*> order, ready;
  for (const auto& root : roots)
    if (remaining[root.get()] == 0) ready.push_back(root.get()), remaining[root.get()] = -1;
  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    order.push_back(node);
    for (const Edge& edge : node->edges)
      if (edge.fn && --remaining[edge.fn.get()] == 0) ready.push_back(edge.fn.get());
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it) {  // producers before consumers
    NodeState& state = states[*it];
    state.needed = state.capture >= 0;
    for (const Edge& edge : (*it)->edges)
      if (edge.fn && states[edge.fn.get()].needed) state.needed = true;
  }
  for (auto& [node, state] : states) state.dependencies = 0;
  for (Node* node : order) {
    if (!states[node].needed) continue;
    for (const Edge& edge : node->edges)
      if (edge.fn && states[edge.fn.get()].needed) ++states[edge.fn.get()].dependencies;
  }
}

// Sums gradients meeting at a node. Out of place: the first one may be shared with another edge.
void add_to_buffer(Tensor& buffer, Tensor grad) {
  buffer = buffer.defined() ? detail::add_same_shape(buffer, grad) : std::move(grad);
}

Tensor run_pre_hooks(Node& node, Tensor grad) {
  if (!node.hooks) return grad;
  for (const TensorHook& hook : node.hooks->pre_hooks) {
    Tensor replaced = hook(grad);
    if (replaced.defined()) {
      check_hook_result(grad, replaced, node.name());
      grad = std::move(replaced);
    }
  }
  if (auto retained = node.hooks->retained.lock()) accumulate_into(retained->grad, grad);
  return grad;
}

// Reduces a gradient to its input's recorded shape and dtype: the one place that unbroadcasts.
Tensor fit_to_input(const Node& node, std::size_t i, Tensor grad) {
  const Edge& edge = node.edges[i];
  if (grad.shape() != edge.shape) {
    if (!is_expandable_to(edge.shape, grad.shape()))
      throw Error(fmt::format("{}: gradient of shape {} cannot be reduced to the shape {} of input {}", node.name(),
                              shape_str(grad.shape()), shape_str(edge.shape), i));
    grad = sum_to(grad, edge.shape);
  }
  if (grad.dtype() != edge.dtype) grad = grad.to(edge.dtype);
  return grad;
}

Grads run_node(Node& node, Tensor grad) {
  Grads grads;
  try {
    grads = node.apply(std::move(grad));
  } catch (const SavedTensorModified& e) {
    throw Error(fmt::format("{}: {}", node.name(), e.what()));
  }
  if (!grads.empty() && grads.size() != node.edges.size())
    throw Error(fmt::format("{}: backward returned {} gradients for {} inputs", node.name(), grads.size(),
                            node.edges.size()));
  if (AnomalyMode::is_enabled())
    for (std::size_t i = 0; i < grads.size(); ++i)
      if (grads[i].defined() && has_nan(grads[i]))
        throw Error(fmt::format("anomaly detected: {} returned NaN values in its gradient for input {} (shape {})",
                                node.name(), i, shape_str(grads[i].shape())));
  return grads;
}

Tensor seed_gradient(const Tensor& root, const Tensor& given, std::size_t i) {
  if (!given.defined()) {
    if (root.numel() != 1)
      throw Error(fmt::format("backward: a gradient can be implied only for one-element outputs; output {} has "
                              "shape {}, so pass a gradient of that shape",
                              i, shape_str(root.shape())));
    return ones_like(root);
  }
  if (given.shape() != root.shape())
    throw Error(fmt::format("backward: gradient {} has shape {} but its output has shape {}", i,
                            shape_str(given.shape()), shape_str(root.shape())));
  return given.dtype() == root.dtype() ? given : given.to(root.dtype());
}

// Runs the sweep. With `captures`, gradients reaching those nodes are returned instead of applied.
std::vector<Tensor> run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
                                 bool retain_graph, bool create_graph,
                                 const std::vector<std::shared_ptr<Node>>* captures) {
  if (!grad_roots.empty() && grad_roots.size() != roots.size())
    throw Error(fmt::format("backward: got {} gradients for {} outputs", grad_roots.size(), roots.size()));
  std::vector<std::shared_ptr<Node>> root_nodes;
  std::vector<Tensor> seeds;
  for (std::size_t i = 0; i < roots.size(); ++i) {
    const Tensor& root = roots[i];
    if (!root.defined() || !root.requires_grad())
      throw Error(fmt::format("backward: output {} does not require grad and has no grad_fn", i));
    root_nodes.push_back(gradient_edge(root));
    seeds.push_back(seed_gradient(root, grad_roots.empty() ? Tensor() : grad_roots[i], i));
  }

  StateMap states;
  states.reserve(64);
  count_dependencies(root_nodes, states);
  std::vector<Tensor> captured;
  if (captures) {
    captured.resize(captures->size());
    for (std::size_t i = 0; i < captures->size(); ++i) {
      Node* node = (*captures)[i].get();
      if (node && states.count(node)) states[node].capture = static_cast<int>(i);
    }
    prune_to_captures(root_nodes, states);
  }

  // The whole sweep records a graph exactly when create_graph asks for one (higher-order gradients).
  struct RestoreGradMode {
    bool value;
    ~RestoreGradMode() { GradMode::set_enabled(value); }
  } restore{GradMode::is_enabled()};
  GradMode::set_enabled(create_graph);

  for (std::size_t i = 0; i < roots.size(); ++i) {
    NodeState& root_state = states[root_nodes[i].get()];
    add_to_buffer(root_state.grad, seeds[i]);
    root_state.owner = &root_nodes[i];
  }
  std::vector<Node*> ready;
  for (const auto& root : root_nodes) {
    NodeState& state = states[root.get()];
    if (state.dependencies == 0 && state.needed) {
      ready.push_back(root.get());
      state.dependencies = -1;  // queued once even if it is several roots
    }
  }

  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    NodeState& state = states[node];
    Tensor grad = std::move(state.grad);
    if (grad.defined()) grad = run_pre_hooks(*node, std::move(grad));
    bool run = true;
    if (state.capture >= 0) {
      captured[state.capture] = grad;
      run = false;  // run it only if a captured node lies further down
      for (const Edge& edge : node->edges)
        if (edge.fn && states[edge.fn.get()].needed) run = true;
    }
    Grads grads;
    if (run && grad.defined() && !(captures && dynamic_cast<AccumulateGrad*>(node))) {
      const detail::ApplyingNodeScope applying(state.owner);  // its saved outputs attach to it
      grads = run_node(*node, std::move(grad));
      if (!retain_graph) node->release_saved();
    }
    for (std::size_t i = 0; i < node->edges.size(); ++i) {
      Node* next = node->edges[i].fn.get();
      if (!next) continue;
      NodeState& next_state = states[next];
      if (!next_state.needed) continue;
      if (!next_state.owner) next_state.owner = &node->edges[i].fn;
      if (i < grads.size() && grads[i].defined())
        add_to_buffer(next_state.grad, fit_to_input(*node, i, std::move(grads[i])));
      if (--next_state.dependencies == 0) ready.push_back(next);
    }
  }
  return captured;
}

}  // namespace

void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
              std::optional<bool> retain_graph, bool create_graph) {
  run_backward(roots, grad_roots, retain_graph.value_or(create_graph), create_graph, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, std::optional<bool> retain_graph,
                         bool create_graph, bool allow_unused) {
  std::vector<std::shared_ptr<Node>> captures;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad())
      throw Error(fmt::format("autograd::grad: input {} does not require grad", i));
    captures.push_back(gradient_edge(inputs[i]));
  }
  std::vector<Tensor> result =
      run_backward(outputs, grad_outputs, retain_graph.value_or(create_graph), create_graph, &captures);
  for (std::size_t i = 0; i < result.size(); ++i)
    if (!result[i].defined() && !allow_unused)
      throw Error(fmt::format("autograd::grad: input {} (shape {}) was not used to compute the outputs; pass "
                              "allow_unused=true to get an undefined gradient for it",
                              i, shape_str(inputs[i].shape())));
  return result;
}

std::vector<std::string> graph_node_names(const Tensor& root) {
  std::vector<std::string> names;
  if (!root.defined() || !root.requires_grad()) return names;
  std::unordered_set<Node*> seen;
  std::vector<Node*> stack{gradient_edge(root).get()};
  seen.insert(stack.back());
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    names.emplace_back(node->name());
    for (const Edge& edge : node->edges)
      if (edge.fn && seen.insert(edge.fn.get()).second) stack.push_back(edge.fn.get());
  }
  return names;
}

}  // namespace xgrad::autograd
