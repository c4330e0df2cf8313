// The geometry of a view, and the two differentiable ops that write a gradient back through one.
#pragma once
#include <optional>

#include "xgrad/detail/tensor_impl.hpp"

namespace xgrad {

// Where a view's elements are in memory: sizes, strides and offset, in elements.
struct Geometry {
  Shape shape;
  Strides strides;
  std::int64_t offset = 0;
};

// Throws, naming `op`, unless every element of (shape, strides, offset) lies inside t's storage.
void check_view_geometry(const char* op, const Tensor& t, const Shape& shape, const Strides& strides,
                         std::int64_t offset);

// True when no two elements of the layout share memory (then a write through it is well defined).
bool is_non_overlapping(const Shape& shape, const Strides& strides);

// zeros(shape) with src added at the part (part_shape, part_strides, part_offset) of its dense layout;
// elements the part visits twice get both values (the gradient of an overlapping view).
// Recorded: its backward is the part of the gradient, as_strided.
Tensor strided_embed(const Tensor& src, const Shape& shape, const Shape& part_shape, const Strides& part_strides,
                     std::int64_t part_offset);

// A dense copy of base with the part (non-overlapping) of its dense layout replaced by src: what
// an in-place write through a view does to the view's base, as a differentiable op.
Tensor strided_scatter(const Tensor& base, const Tensor& src, const Geometry& part);

// The gradients of an in-place write through a view (torch's CopySlices): to the base (the part
// zeroed) and to the written value (the part), and a view's gradient placed into its base's shape.
Tensor copy_slices_backward_base(const Tensor& grad, const Shape& part_shape, const Strides& part_strides,
                                 std::int64_t part_offset);
Tensor copy_slices_backward_value(const Tensor& grad, const Shape& part_shape, const Strides& part_strides,
                                  std::int64_t part_offset);
Tensor view_backward_embed(const Tensor& grad, const Shape& base_shape, const Shape& part_shape,
                           const Strides& part_strides, std::int64_t part_offset);

}  // namespace xgrad
