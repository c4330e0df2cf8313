// Writing values through a view's geometry into a dense tensor: the backward of the ops that pick
// part of their input, and the base's update when a view is changed in place.
#include <algorithm>
#include <cstring>
#include <numeric>

#include <fmt/format.h>

#include "xgrad/detail/broadcast_iter.hpp"
#include "xgrad/detail/node.hpp"
#include "xgrad/detail/strided_copy.hpp"
#include "xgrad/detail/core_rules.hpp"
#include "xgrad/detail/view_geometry.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/strided.hpp"

namespace xgrad {

void check_view_geometry(const char* op, const Tensor& t, const Shape& shape, const Strides& strides,
                         std::int64_t offset) {
  if (shape.size() != strides.size())
    throw Error(fmt::format("{}: {} sizes {} but {} strides {}", op, shape.size(), shape_str(shape), strides.size(),
                            shape_str(strides)));
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (shape[d] < 0 || strides[d] < 0)
      throw Error(fmt::format("{}: sizes {} and strides {} must not be negative", op, shape_str(shape),
                              shape_str(strides)));
  if (offset < 0) throw Error(fmt::format("{}: storage offset {} is negative", op, offset));
  if (shape_numel(shape) == 0) return;
  std::int64_t last = offset;
  bool overflow = false;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    std::int64_t reach = 0;
    overflow = overflow || __builtin_mul_overflow(shape[d] - 1, strides[d], &reach) ||
               __builtin_add_overflow(last, reach, &last);
  }
  const auto available = static_cast<std::int64_t>(t.impl()->storage->nbytes / element_size(t.dtype()));
  if (overflow || last >= available)
    throw Error(fmt::format("{}: sizes {}, strides {} and storage offset {} reach past the storage's {} elements", op,
                            shape_str(shape), shape_str(strides), offset, available));
}

bool is_non_overlapping(const Shape& shape, const Strides& strides) {
  std::vector<std::size_t> dims;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (shape[d] > 1) dims.push_back(d);
  std::sort(dims.begin(), dims.end(), [&](std::size_t a, std::size_t b) { return strides[a] < strides[b]; });
  std::int64_t span = 0;  // the furthest element the smaller-stride dimensions reach
  for (auto d : dims) {
    if (strides[d] <= span) return false;
    span += (shape[d] - 1) * strides[d];
  }
  return true;
}

namespace {

// Adds src (dense, shape part_shape) into dst at the part's positions, one element at a time.
void add_through(const Tensor& src, const Tensor& dst, const Shape& part_shape, const Strides& part_strides,
                 std::int64_t part_offset) {
  dispatch(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = contiguous_data<T>(src);
    T* out = contiguous_data<T>(dst) + part_offset;
    detail::for_each_row(part_shape, contiguous_strides(part_shape), part_strides,
                         [&](std::int64_t, std::int64_t i, std::int64_t si, std::int64_t o, std::int64_t so,
                             std::int64_t n) {
                           for (std::int64_t k = 0; k < n; ++k) out[o + k * so] += in[i + k * si];
                         });
  });
}

}  // namespace

// The part of g (a gradient of the dense tensor) as a view.
Tensor part_of(const Tensor& g, const Shape& part_shape, const Strides& part_strides, std::int64_t part_offset) {
  const Tensor dense_g = g.contiguous();
  return as_strided(dense_g, part_shape, part_strides, dense_g.storage_offset() + part_offset);
}

Tensor strided_embed(const Tensor& src, const Shape& shape, const Shape& part_shape, const Strides& part_strides,
                     std::int64_t part_offset) {
  Tensor out = zeros(shape, src.dtype());
  const Tensor values = dense(src);
  if (is_non_overlapping(part_shape, part_strides))
    detail::copy_strided(element_size(src.dtype()), part_shape, contiguous_bytes(values), contiguous_strides(part_shape),
                         contiguous_bytes(out) + part_offset * static_cast<std::int64_t>(element_size(src.dtype())),
                         part_strides);
  else
    add_through(values, out, part_shape, part_strides, part_offset);
  if (should_record({&src}))
    record(rule_for(kCoreRules, "StridedEmbedBackward0"), out, {&src},
           CoreSaved{.part = {part_shape, part_strides, part_offset}});
  return out;
}

Tensor strided_scatter(const Tensor& base, const Tensor& src, const Geometry& part) {
  Tensor out = dense_copy(base);
  const Tensor values = dense(src.dtype() == base.dtype() ? src : src.detach().to(base.dtype()));
  const auto elem = static_cast<std::int64_t>(element_size(base.dtype()));
  detail::copy_strided(elem, part.shape, contiguous_bytes(values), contiguous_strides(part.shape),
                       contiguous_bytes(out) + part.offset * elem, part.strides);
  if (should_record({&base, &src}))
    record(rule_for(kCoreRules, "AsStridedScatterBackward0"), out, {&base, &src}, CoreSaved{.part = part});
  return out;
}

Tensor as_strided(const Tensor& t, const Shape& size, const Strides& stride, std::optional<std::int64_t> offset_in) {
  const std::int64_t offset = offset_in.value_or(t.storage_offset());
  check_view_geometry("as_strided", t, size, stride, offset);
  Tensor out = make_view_of(t, size, stride, offset);
  if (should_record({&t})) {
    // The gradient is defined relative to the input's own elements, so the input must be dense.
    if (!t.is_contiguous())
      throw Error(fmt::format("as_strided: the gradient is defined only for a contiguous input; this one has shape {} "
                              "and strides {} (call contiguous() first)",
                              shape_str(t.shape()), shape_str(t.impl()->strides())));
    record(rule_for(kCoreRules, "AsStridedBackward0"), out, {&t},
           CoreSaved{.in_shape = t.shape(), .part = {size, stride, offset - t.storage_offset()}});
  }
  return out;
}


// The view bookkeeping of in-place writes (inplace.cpp).
Tensor copy_slices_backward_base(const Tensor& grad, const Shape& part_shape, const Strides& part_strides,
                                 std::int64_t part_offset) {
  return strided_scatter(grad, zeros(part_shape, grad.dtype()), {part_shape, part_strides, part_offset});
}
Tensor copy_slices_backward_value(const Tensor& grad, const Shape& part_shape, const Strides& part_strides,
                                  std::int64_t part_offset) {
  return part_of(grad, part_shape, part_strides, part_offset);
}
Tensor view_backward_embed(const Tensor& grad, const Shape& base_shape, const Shape& part_shape,
                           const Strides& part_strides, std::int64_t part_offset) {
  return strided_embed(grad, base_shape, part_shape, part_strides, part_offset);
}

}  // namespace xgrad
