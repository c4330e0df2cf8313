// Reverse-mode entry points: backward over several roots and torch.autograd.grad.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad::autograd {

// Accumulates d(roots)/d(leaf) into every leaf's .grad. `grad_roots` may hold undefined tensors
// for one-element roots (gradient 1). retain_graph defaults to create_graph, as in torch.
void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false);

// The gradients of `outputs` with respect to `inputs`, returned instead of accumulated.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {},
                         std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                         bool allow_unused = false);

// Names of every node in the graph behind `root` (its grad_fn and everything it leads to, leaves'
// AccumulateGrad included), each once, in the order a depth-first walk meets them.
std::vector<std::string> graph_node_names(const Tensor& root);

}  // namespace xgrad::autograd
