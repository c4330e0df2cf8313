// View ops: each returns a tensor sharing storage and version counter with its input, only its
// geometry (sizes, strides, offset) changed, as torch's views. The backward of the ops that pick a
// part of their input (narrow, select, slice, unfold; as_strided is in core) places the gradient back into
// zeros of the input's shape with strided_embed, which is itself differentiable.
#include <algorithm>
#include <numeric>

#include "kernels.hpp"
#include "rule_tables.hpp"
#include "shape_rules.hpp"
#include "xgrad/detail/view_geometry.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

namespace {

Geometry geometry_of(const Tensor& t) {
  const TensorImpl& impl = *t.impl();
  return {impl.shape, impl.strides(), impl.storage_offset};
}

// The same part of a dense tensor of t's shape: what the backward scatters the gradient into.
Geometry dense_geometry(const Tensor& t) { return {t.shape(), contiguous_strides(t.shape()), 0}; }

// A view of t with geometry `pick(t's geometry)`, whose gradient is embedded back with
// `pick(the dense geometry)`.
template <class Pick>
Tensor picked_view(const Tensor& t, const Rule<ShapeSaved>& row, Pick pick) {
  const Geometry g = pick(geometry_of(t));
  Tensor out = make_view_of(t, g.shape, g.strides, g.offset);
  if (should_record({&t}))
    record(row, out, {&t}, ShapeSaved{.in_shape = t.shape(), .part = pick(dense_geometry(t))});
  return out;
}

// torch's rule for view(): the new sizes must split or merge only dimensions that are laid out one
// after another in memory. Returns the strides, or nothing when the view is impossible.
std::optional<Strides> view_strides(const Shape& old_shape, const Strides& old_strides, const Shape& new_shape) {
  Strides out(new_shape.size());
  if (shape_numel(old_shape) == 0 || old_shape.empty()) {
    return contiguous_strides(new_shape);
  }
  // Walk the old dimensions from the innermost, in chunks of dimensions that are contiguous with
  // each other; the new dimensions must fill each chunk exactly.
  std::int64_t new_d = static_cast<std::int64_t>(new_shape.size()) - 1;
  std::int64_t chunk_base_stride = old_strides.back();
  std::int64_t chunk_numel = 1, new_numel = 1;
  for (std::int64_t d = static_cast<std::int64_t>(old_shape.size()) - 1; d >= 0; --d) {
    chunk_numel *= old_shape[d];
    const bool chunk_ends = d == 0 || (old_shape[d - 1] != 1 && old_strides[d - 1] != chunk_numel * chunk_base_stride);
    if (!chunk_ends) continue;
    while (new_d >= 0 && (new_numel < chunk_numel || new_shape[new_d] == 1)) {
      out[new_d] = new_numel * chunk_base_stride;
      new_numel *= new_shape[new_d];
      --new_d;
    }
    if (new_numel != chunk_numel) return std::nullopt;
    if (d > 0) {
      chunk_base_stride = old_strides[d - 1];
      chunk_numel = 1;
      new_numel = 1;
    }
  }
  while (new_d >= 0) out[new_d--] = 1;  // trailing new size-1 dimensions
  return out;
}

Shape infer_shape(const char* op, const Tensor& t, const Shape& shape) {
  Shape out = shape;
  std::int64_t known = 1, infer_at = -1;
  bool overflow = false;  // of the known sizes' product; harmless if a size is 0
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (infer_at >= 0) throw Error(fmt::format("{}: only one dimension can be -1, got {}", op, shape_str(shape)));
      infer_at = static_cast<std::int64_t>(i);
    } else if (out[i] < 0) {
      throw Error(fmt::format("{}: invalid dimension {} in shape {}", op, out[i], shape_str(shape)));
    } else {
      overflow = __builtin_mul_overflow(known, out[i], &known) || overflow;
    }
  }
  if (overflow && std::find(out.begin(), out.end(), 0) == out.end())
    throw Error(fmt::format("{}: shape {} has more elements than an int64 can count (input of shape {})", op,
                            shape_str(shape), shape_str(t.shape())));
  if (infer_at >= 0 && known != 0 && t.numel() % known == 0) out[infer_at] = t.numel() / known;
  if ((infer_at >= 0 && (known == 0 || t.numel() % known != 0)) || shape_numel(out) != t.numel())
    throw Error(fmt::format("{}: shape {} is invalid for an input of shape {} ({} elements)", op, shape_str(shape),
                            shape_str(t.shape()), t.numel()));
  return out;
}

// A view of t with another shape and the given strides, recorded by `row` (a reshape back).
Tensor reshaped_view(const Tensor& t, const Shape& shape, const Strides& strides, const Rule<ShapeSaved>& row) {
  Tensor out = make_view_of(t, shape, strides, t.storage_offset());
  if (should_record({&t}))
    record(row, out, {&t}, ShapeSaved{.in_shape = t.shape()});
  return out;
}

}  // namespace

void append_shape_rule_names(std::vector<std::string>& names) { append_rule_names(kShapeRules, names); }

Tensor view(const Tensor& t, const Shape& shape) {
  const Shape target = infer_shape("view", t, shape);
  const auto strides = view_strides(t.shape(), t.impl()->strides(), target);
  if (!strides)
    throw Error(fmt::format("view: shape {} is not compatible with the input's shape {} and strides {} (a new "
                            "dimension would span memory that is not contiguous); use reshape(), which copies",
                            shape_str(shape), shape_str(t.shape()), shape_str(t.impl()->strides())));
  return reshaped_view(t, target, *strides, rule_for(kShapeRules, "ViewBackward0"));
}

Tensor reshape(const Tensor& t, const Shape& shape) {
  const Shape target = infer_shape("reshape", t, shape);
  if (target == t.shape()) return t;
  if (const auto strides = view_strides(t.shape(), t.impl()->strides(), target))
    return reshaped_view(t, target, *strides, rule_for(kShapeRules, "ViewBackward0"));
  // Not expressible as a view: a dense copy (recorded as a clone), viewed.
  const Tensor copy = t.clone();
  return reshaped_view(copy, target, contiguous_strides(target), rule_for(kShapeRules, "ViewBackward0"));
}

Tensor flatten(const Tensor& t, std::int64_t start_dim, std::int64_t end_dim) {
  if (t.dim() == 0) return reshape(t, {1});
  const auto s = wrap_dim("flatten", start_dim, t.dim()), e = wrap_dim("flatten", end_dim, t.dim());
  if (s > e) throw Error(fmt::format("flatten: start_dim {} comes after end_dim {}", start_dim, end_dim));
  Shape out(t.shape().begin(), t.shape().begin() + s);
  std::int64_t n = 1;
  for (auto d = s; d <= e; ++d) n *= t.size(d);
  out.push_back(n);
  out.insert(out.end(), t.shape().begin() + e + 1, t.shape().end());
  return reshape(t, out);
}

Tensor squeeze(const Tensor& t) {
  Shape shape;
  Strides strides;
  const Strides in_strides = t.impl()->strides();
  for (std::int64_t d = 0; d < t.dim(); ++d)
    if (t.size(d) != 1) {
      shape.push_back(t.size(d));
      strides.push_back(in_strides[d]);
    }
  return shape == t.shape() ? t : reshaped_view(t, shape, strides, rule_for(kShapeRules, "SqueezeBackward0"));
}

Tensor squeeze(const Tensor& t, std::int64_t dim) {
  const auto d = wrap_dim("squeeze", dim, t.dim());
  if (t.dim() == 0 || t.size(d) != 1) return t;
  Shape shape = t.shape();
  Strides strides = t.impl()->strides();
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  return reshaped_view(t, shape, strides, rule_for(kShapeRules, "SqueezeBackward0"));
}

Tensor unsqueeze(const Tensor& t, std::int64_t dim) {
  const auto d = wrap_dim("unsqueeze", dim, t.dim() + 1);
  Shape shape = t.shape();
  Strides strides = t.impl()->strides();
  const std::int64_t stride = d < t.dim() ? shape[d] * strides[d] : 1;
  shape.insert(shape.begin() + d, 1);
  strides.insert(strides.begin() + d, stride);
  return reshaped_view(t, shape, strides, rule_for(kShapeRules, "UnsqueezeBackward0"));
}

Tensor permute(const Tensor& t, const std::vector<std::int64_t>& dims) {
  const auto nd = t.dim();
  if (static_cast<std::int64_t>(dims.size()) != nd)
    throw Error(fmt::format("permute: {} dimensions given for a tensor of shape {}", dims.size(), shape_str(t.shape())));
  std::vector<std::int64_t> order(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    order[i] = wrap_dim("permute", dims[i], nd);
    if (seen[order[i]]) throw Error(fmt::format("permute: dimension {} repeated in the permutation", dims[i]));
    seen[order[i]] = true;
  }
  bool identity = true;
  for (std::size_t i = 0; i < order.size(); ++i) identity = identity && order[i] == static_cast<std::int64_t>(i);
  if (identity) return t;
  Shape shape(order.size());
  Strides strides(order.size());
  const Strides in_strides = t.impl()->strides();
  for (std::size_t i = 0; i < order.size(); ++i) {
    shape[i] = t.size(order[i]);
    strides[i] = in_strides[order[i]];
  }
  Tensor out = make_view_of(t, shape, strides, t.storage_offset());
  if (should_record({&t})) {
    std::vector<std::int64_t> inverse(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) inverse[order[i]] = static_cast<std::int64_t>(i);
    record(rule_for(kShapeRules, "PermuteBackward0"), out, {&t}, ShapeSaved{.sizes = std::move(inverse)});
  }
  return out;
}

Tensor transpose(const Tensor& t, std::int64_t dim0, std::int64_t dim1) {
  if (t.dim() == 0) return t;
  std::vector<std::int64_t> order(t.dim());
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[wrap_dim("transpose", dim0, t.dim())], order[wrap_dim("transpose", dim1, t.dim())]);
  return permute(t, order);
}

Tensor narrow(const Tensor& t, std::int64_t dim, std::int64_t start, std::int64_t length) {
  if (t.dim() == 0) throw Error("narrow: cannot narrow a 0-d tensor");
  const auto d = wrap_dim("narrow", dim, t.dim());
  const std::int64_t size = t.size(d);
  if (start < 0) start += size;
  // Compared without computing start + length, which overflows for a hostile length near INT64_MAX.
  if (start < 0 || length < 0 || start > size || length > size - start) {
    std::int64_t end = 0;
    const std::string end_str =
        __builtin_add_overflow(start, length, &end) ? fmt::format("{} + {}", start, length) : std::to_string(end);
    throw Error(fmt::format("narrow: range [{}, {}) is out of bounds for dimension {} of size {} (shape {})", start,
                            end_str, d, size, shape_str(t.shape())));
  }
  return picked_view(t, rule_for(kShapeRules, "NarrowBackward0"), [=](Geometry g) {
    g.offset += start * g.strides[d];
    g.shape[d] = length;
    return g;
  });
}

Tensor select(const Tensor& t, std::int64_t dim, std::int64_t index) {
  if (t.dim() == 0) throw Error("select: cannot select from a 0-d tensor");
  const auto d = wrap_dim("select", dim, t.dim());
  const std::int64_t size = t.size(d);
  if (index < -size || index >= size)
    throw Error(fmt::format("select: index {} is out of bounds for dimension {} with size {} (shape {})", index, d, size,
                            shape_str(t.shape())));
  if (index < 0) index += size;
  return picked_view(t, rule_for(kShapeRules, "SelectBackward0"), [=](Geometry g) {
    g.offset += index * g.strides[d];
    g.shape.erase(g.shape.begin() + d);
    g.strides.erase(g.strides.begin() + d);
    return g;
  });
}

Tensor slice(const Tensor& t, std::int64_t dim, std::optional<std::int64_t> start_in,
             std::optional<std::int64_t> end_in, std::int64_t step) {
  if (t.dim() == 0) throw Error("slice: cannot slice a 0-d tensor");
  const auto d = wrap_dim("slice", dim, t.dim());
  if (step <= 0) throw Error(fmt::format("slice: step must be positive, got {} (shape {})", step, shape_str(t.shape())));
  // Python's slice rules: negative bounds count from the end, out-of-range bounds are clamped.
  const std::int64_t size = t.size(d);
  auto clamp_bound = [size](std::int64_t v) {
    if (v < 0) v = v < -size ? 0 : v + size;
    return std::min(v, size);
  };
  const std::int64_t start = clamp_bound(start_in.value_or(0));
  const std::int64_t end = std::max(start, clamp_bound(end_in.value_or(size)));
  const std::int64_t length = (end - start + step - 1) / step;
  return picked_view(t, rule_for(kShapeRules, "SliceBackward0"), [=](Geometry g) {
    g.offset += start * g.strides[d];
    g.shape[d] = length;
    g.strides[d] *= step;
    return g;
  });
}

Tensor unfold(const Tensor& t, std::int64_t dim, std::int64_t size, std::int64_t step) {
  const auto d = t.dim() == 0 ? 0 : wrap_dim("unfold", dim, t.dim());
  const std::int64_t extent = t.dim() == 0 ? 1 : t.size(d);
  if (size < 0 || size > extent)
    throw Error(fmt::format("unfold: window size {} does not fit dimension {} of size {} (shape {})", size, d, extent,
                            shape_str(t.shape())));
  if (step <= 0) throw Error(fmt::format("unfold: step must be positive, got {} (shape {})", step, shape_str(t.shape())));
  return picked_view(t, rule_for(kShapeRules, "UnfoldBackward0"), [=](Geometry g) {
    if (g.shape.empty()) {  // a 0-d tensor unfolds to one window of one element
      g.shape = {size};
      g.strides = {1};
      return g;
    }
    const std::int64_t stride = g.strides[d];
    g.shape[d] = (g.shape[d] - size) / step + 1;
    g.strides[d] = stride * step;
    g.shape.push_back(size);
    g.strides.push_back(stride);
    return g;
  });
}

}  // namespace xgrad
