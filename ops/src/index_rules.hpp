// The index family's rule table (index_select, index_add, gather, scatter_add in indexing.cpp;
// max_pool2d in pool.cpp; tensor indexing, index_put_ and scatter in tensor_index.cpp). Each gradient
// is the op's adjoint: a gather is undone by a scatter-add into zeros, and the other way round.
#pragma once
#include <vector>

#include "xgrad/detail/rule.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/indexing.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

// tensor_index.cpp's kernels the rules call back into (each recorded).
namespace index_kernels {
// x's elements picked by the index tensors at dimensions first.. (basic indices already applied).
Tensor gather_indexed(const Tensor& x, std::int64_t first, const std::vector<Tensor>& indices);
// A copy of x with the indexed elements set to (or increased by) values.
Tensor put_indexed(const Tensor& x, std::int64_t first, const std::vector<Tensor>& indices, const Tensor& values,
                   bool accumulate);
// torch.scatter: a copy of self with src's (or value's) elements written where index points.
Tensor scatter_impl(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor* src, double value);
// max_pool2d's backward (pool.cpp), torch's max_pool2d_with_indices_backward: grad_out's values added
// at their windows' maxima, into zeros of in_shape [N, C, H, W]; index [N, C, OH·OW] of flat H·W positions.
Tensor max_pool2d_backward(const Tensor& grad_out, const Shape& in_shape, const Tensor& index);
}  // namespace index_kernels

struct IndexSaved {
  Shape in_shape;               // the input's shape
  Shape out_shape;              // max_pool2d's backward: the pooled gradient's shape
  std::int64_t dim = 0;         // the indexed dimension (dim ops)
  Tensor index;                 // the int64 index (dim ops)
  std::int64_t first = 0;       // tensor indexing: the first dimension the index tensors apply to
  std::vector<Tensor> indices;  // tensor indexing: the broadcast index tensors
  bool accumulate = false;      // index_put_
};

namespace index_rules {
using G = const Tensor&;
using S = const IndexSaved&;
}  // namespace index_rules

// clang-format off
inline constexpr Rule<IndexSaved> kIndexRules[] = {
  // node                   dL/d(inputs)
  {"IndexSelectBackward0",  [](index_rules::G g, index_rules::S s) { return Grads{index_add(zeros(s.in_shape, g.dtype()), s.dim, s.index, g)}; }},
  {"GatherBackward0",       [](index_rules::G g, index_rules::S s) { return Grads{scatter_add(zeros(s.in_shape, g.dtype()), s.dim, s.index, g)}; }},
  // max_pool2d (pool.cpp): a gather over each [N, C] plane of flat H·W positions, index [N, C, OH·OW];
  // its backward is an op of its own (as torch's), whose gradient is the gather again
  {"MaxPool2DWithIndicesBackward0",         [](index_rules::G g, index_rules::S s) { return Grads{index_kernels::max_pool2d_backward(g, s.in_shape, s.index)}; }},
  {"MaxPool2DWithIndicesBackwardBackward0", [](index_rules::G g, index_rules::S s) {
      const Shape& in = s.in_shape;
      return Grads{reshape(gather(reshape(g, {in[0], in[1], in[2] * in[3]}), 2, s.index), s.out_shape)}; }},
  {"IndexAddBackward0",     [](index_rules::G g, index_rules::S s) { return Grads{g, index_select(g, s.dim, s.index)}; }},      // self, source
  {"ScatterAddBackward0",   [](index_rules::G g, index_rules::S s) { return Grads{g, gather(g, s.dim, s.index)}; }},            // self, src
  // scatter: the overwritten elements of self get nothing; src gets what lands where it went
  {"ScatterBackward0",      [](index_rules::G g, index_rules::S s) { return Grads{index_kernels::scatter_impl(g, s.dim, s.index, nullptr, 0.0), gather(g, s.dim, s.index)}; }},
  {"ScatterBackward1",      [](index_rules::G g, index_rules::S s) { return Grads{index_kernels::scatter_impl(g, s.dim, s.index, nullptr, 0.0)}; }},  // a scalar value
  {"IndexBackward0",        [](index_rules::G g, index_rules::S s) { return Grads{index_kernels::put_indexed(zeros(s.in_shape, g.dtype()), s.first, s.indices, g, true)}; }},
  {"IndexPutBackward0",     [](index_rules::G g, index_rules::S s) {
      return Grads{s.accumulate ? g : index_kernels::put_indexed(g, s.first, s.indices, zeros({}, g.dtype()), false),
                   index_kernels::gather_indexed(g, s.first, s.indices)}; }},
};
// clang-format on
static_assert(node_names_unique(kIndexRules));

}  // namespace xgrad
