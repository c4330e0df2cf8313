// The core family's rule table: the ops core itself records (sum_to, expand, dtype casts, clone,
// gradient accumulation under create_graph, as_strided, and the in-place write bookkeeping).
#pragma once
#include <string>
#include <vector>

#include "xgrad/broadcast.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/detail/rule.hpp"
#include "xgrad/detail/view_geometry.hpp"
#include "xgrad/strided.hpp"

namespace xgrad {

// g's elements at the part (shape, strides, offset) of its dense layout, as a view (strided_embed.cpp).
Tensor part_of(const Tensor& g, const Shape& part_shape, const Strides& part_strides, std::int64_t part_offset);

struct CoreSaved {
  Shape in_shape;            // the input's shape
  Geometry part;             // strided ops: where the part sits in a dense tensor of in_shape
  Dtype from = kFloat32;     // casts: the source dtype
};

namespace core_rules {
using G = const Tensor&;
using S = const CoreSaved&;
}  // namespace core_rules

// clang-format off
inline constexpr Rule<CoreSaved> kCoreRules[] = {
  // node                            dL/d(inputs)
  {"SumToBackward0",                 [](core_rules::G g, core_rules::S s) { return Grads{expand(g, s.in_shape)}; }},
  {"ExpandBackward0",                [](core_rules::G g, core_rules::S s) { return Grads{sum_to(g, s.in_shape)}; }},
  {"ToCopyBackward0",                [](core_rules::G g, core_rules::S s) { return Grads{g.to(s.from)}; }},
  {"CloneBackward0",                 [](core_rules::G g, core_rules::S) { return Grads{g}; }},
  // two gradients summed while a graph is built (engine, .grad accumulation)
  {"AccumulateAddBackward0",         [](core_rules::G g, core_rules::S) { return Grads{g, g}; }},
  {"AsStridedBackward0",             [](core_rules::G g, core_rules::S s) { return Grads{strided_embed(g, s.in_shape, s.part.shape, s.part.strides, s.part.offset)}; }},
  {"StridedEmbedBackward0",          [](core_rules::G g, core_rules::S s) { return Grads{part_of(g, s.part.shape, s.part.strides, s.part.offset)}; }},
  {"AsStridedScatterBackward0",      [](core_rules::G g, core_rules::S s) {  // base (part zeroed), src (the part)
      return Grads{strided_scatter(g, zeros(s.part.shape, g.dtype()), s.part), part_of(g, s.part.shape, s.part.strides, s.part.offset)}; }},
  // in-place writes: the overwritten old value gets zeros, the written value g
  {"CopyBackwards",                  [](core_rules::G g, core_rules::S) { return Grads{zeros_like(g), g}; }},
  // a write through a view: the base's part is replaced (torch's CopySlices); the view reads the new base
  {"CopySlices",                     [](core_rules::G g, core_rules::S s) {
      return Grads{copy_slices_backward_base(g, s.part.shape, s.part.strides, s.part.offset),
                   copy_slices_backward_value(g, s.part.shape, s.part.strides, s.part.offset)}; }},
  {"AsStridedBackward1",             [](core_rules::G g, core_rules::S s) { return Grads{view_backward_embed(g, s.in_shape, s.part.shape, s.part.strides, s.part.offset)}; }},
};
// clang-format on
static_assert(node_names_unique(kCoreRules));

inline void append_core_rule_names(std::vector<std::string>& names) { append_rule_names(kCoreRules, names); }

}  // namespace xgrad
