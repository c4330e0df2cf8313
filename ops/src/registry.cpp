// The registry of backward node names: the union of the op families' rule tables. The gradcheck
// suite fails when a name here has no check, or when a checked graph holds a node not listed here.
#include "rule_tables.hpp"
#include "xgrad/detail/core_rules.hpp"
#include "xgrad/gradcheck.hpp"

namespace xgrad::autograd {

const std::vector<std::string>& registered_backward_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    append_core_rule_names(all);
    append_unary_rule_names(all);
    append_binary_rule_names(all);
    append_reduce_rule_names(all);
    append_softmax_rule_names(all);
    append_shape_rule_names(all);
    append_index_rule_names(all);
    append_linalg_rule_names(all);
    append_conv_rule_names(all);
    append_loss_rule_names(all);
    append_normalization_rule_names(all);
    return all;
  }();
  return names;
}

}  // namespace xgrad::autograd
