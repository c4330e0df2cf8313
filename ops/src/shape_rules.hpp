// The shape family's rule table (views in view_ops.cpp, cat in shape_ops.cpp). A view's gradient is
// reshaped or permuted back, or embedded into zeros of the input's shape where the view picks a part.
#pragma once
#include <vector>

#include "xgrad/detail/rule.hpp"
#include "xgrad/detail/view_geometry.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

struct ShapeSaved {
  Shape in_shape;                    // the input's shape
  Geometry part;                     // picked views: where the view sits in a dense tensor of in_shape
  std::vector<std::int64_t> sizes;   // permute: the inverse order; cat: each input's size along dim (-1: skipped)
  std::int64_t dim = 0;              // cat
};

namespace shape_rules {
using G = const Tensor&;
using S = const ShapeSaved&;

inline Grads embed_part(G g, S s) {
  return Grads{strided_embed(g, s.in_shape, s.part.shape, s.part.strides, s.part.offset)};
}
inline Grads split_along_dim(G g, S s) {
  Grads grads;
  std::int64_t start = 0;
  for (const auto n : s.sizes) {
    if (n < 0) {  // a skipped 1-D [0] input
      grads.push_back(zeros({0}, g.dtype()));
      continue;
    }
    grads.push_back(narrow(g, s.dim, start, n));
    start += n;
  }
  return grads;
}
}  // namespace shape_rules

// clang-format off
inline constexpr Rule<ShapeSaved> kShapeRules[] = {
  // node                 dL/dx
  {"ViewBackward0",       [](shape_rules::G g, shape_rules::S s) { return Grads{reshape(g, s.in_shape)}; }},
  {"SqueezeBackward0",    [](shape_rules::G g, shape_rules::S s) { return Grads{reshape(g, s.in_shape)}; }},
  {"UnsqueezeBackward0",  [](shape_rules::G g, shape_rules::S s) { return Grads{reshape(g, s.in_shape)}; }},
  {"PermuteBackward0",    [](shape_rules::G g, shape_rules::S s) { return Grads{permute(g, s.sizes)}; }},
  {"NarrowBackward0",     shape_rules::embed_part},
  {"SelectBackward0",     shape_rules::embed_part},
  {"SliceBackward0",      shape_rules::embed_part},
  {"UnfoldBackward0",     shape_rules::embed_part},
  {"CatBackward0",        shape_rules::split_along_dim},  // one slice of g per input
};
// clang-format on
static_assert(node_names_unique(kShapeRules));

}  // namespace xgrad
