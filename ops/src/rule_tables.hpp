// The op families' rule tables (one per file; see core/internal/xgrad/detail/rule.hpp for a row's
// shape). Each family hands its node names to the registry (registry.cpp), which is nothing else.
#pragma once
#include <string>
#include <vector>

#include "xgrad/detail/rule.hpp"

namespace xgrad {

void append_unary_rule_names(std::vector<std::string>& names);    // unary.cpp
void append_binary_rule_names(std::vector<std::string>& names);   // binary.cpp
void append_reduce_rule_names(std::vector<std::string>& names);   // reduce.cpp
void append_softmax_rule_names(std::vector<std::string>& names);  // softmax.cpp
void append_shape_rule_names(std::vector<std::string>& names);    // shape_rules.hpp (view_ops.cpp, shape_ops.cpp)
void append_index_rule_names(std::vector<std::string>& names);    // index_rules.hpp (indexing.cpp, tensor_index.cpp)
void append_linalg_rule_names(std::vector<std::string>& names);   // linalg_rules.hpp (linalg*.cpp)
void append_conv_rule_names(std::vector<std::string>& names);     // conv.cpp
void append_loss_rule_names(std::vector<std::string>& names);     // fused_losses.cpp
void append_normalization_rule_names(std::vector<std::string>& names);  // batch_norm.cpp

}  // namespace xgrad
