// Gradient rules as table rows. Each op family keeps one table (ops/src/rule_tables.hpp lists them;
// core's own is xgrad/detail/core_rules.hpp):
// a row names the backward node the op records and gives its vector-Jacobian product, written in
// differentiable ops so that create_graph builds the second-order graph from the same line.
//
// A row is any aggregate with `node` (the name grad_fn_name() and errors show) and
//   Grads vjp(const Tensor& g, const Saved& saved, const Node& node) const
// where Saved is the family's struct of what its ops keep for backward. Rule<Saved> is the plain
// row (node, grad); families with more columns (the forward kernel, what the gradient reads)
// define their own row and its vjp.
//
// An op records with record(row, out, inputs, saved). The registry of node names is derived from
// the tables (append_rule_names), so no name can be listed that has no rule.
#pragma once
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "xgrad/detail/node.hpp"

namespace xgrad {

// The plain row: a node name and its gradient, one per input.
template <class Saved>
struct Rule {
  const char* node;
  Grads (*grad)(const Tensor& g, const Saved& saved);

  Grads vjp(const Tensor& g, const Saved& saved, const Node&) const { return grad(g, saved); }
};

// The node a row records: the row, and what its op saved (dropped by release_saved).
template <class Row, class Saved>
struct RuleNode final : Node {
  RuleNode(const Row& row_, Saved&& saved_) : row(&row_), saved(std::move(saved_)) {}
  const char* name() const override { return row->node; }
  Grads apply(Tensor grad) override {
    if (!saved) throw_backward_twice(row->node);
    return row->vjp(grad, *saved, *this);
  }
  void release_saved() override { saved.reset(); }

  const Row* row;
  std::optional<Saved> saved;
};

// Makes `out` the result of `row`'s op on `inputs`.
template <class Row, class Saved, class Inputs>
void record_rule(const Row& row, Tensor& out, const Inputs& inputs, Saved saved) {
  attach_node(out, std::make_shared<RuleNode<Row, Saved>>(row, std::move(saved)), inputs);
}
template <class Row, class Saved>
void record(const Row& row, Tensor& out, std::initializer_list<const Tensor*> inputs, Saved saved) {
  record_rule(row, out, inputs, std::move(saved));
}
template <class Row, class Saved>
void record(const Row& row, Tensor& out, const std::vector<Tensor>& inputs, Saved saved) {
  record_rule(row, out, inputs, std::move(saved));
}

// The row of `table` whose node is `node`, found at compile time (a misspelt name does not compile).
template <class Row, std::size_t N>
consteval const Row& rule_for(const Row (&table)[N], std::string_view node) {
  for (const Row& row : table)
    if (std::string_view(row.node) == node) return row;
  throw "no rule with this node name in the table";
}

// True when no two rows of `table` share a node name (each table static_asserts it).
template <class Row, std::size_t N>
consteval bool node_names_unique(const Row (&table)[N]) {
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = i + 1; j < N; ++j)
      if (std::string_view(table[i].node) == table[j].node) return false;
  return true;
}

// Appends the node names of a table (for the registry).
template <class Row, std::size_t N>
void append_rule_names(const Row (&table)[N], std::vector<std::string>& names) {
  for (const Row& row : table) names.emplace_back(row.node);
}

}  // namespace xgrad
