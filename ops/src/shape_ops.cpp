// Shape ops. Views (reshape and friends) share storage with the input and record a reshape back;
// permute, cat and narrow copy, with backwards that are again permute, narrow and cat.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "kernels.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

namespace {

// A view of t with another shape of the same element count, recorded under `name`.
Tensor view_as_shape(const Tensor& t, const Shape& shape, const char* name) {
  Tensor out = make_view(t.impl()->storage, shape, t.dtype());
  if (should_record({&t}))
    record(name, out, {&t}, [in_shape = t.shape()](const Tensor& g) { return Grads{reshape(g, in_shape)}; });
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

}  // namespace

Tensor reshape(const Tensor& t, const Shape& shape) {
  const Shape target = infer_shape("reshape", t, shape);
  if (target == t.shape()) return t;
  return view_as_shape(t, target, "ViewBackward");
}

Tensor view(const Tensor& t, const Shape& shape) { return view_as_shape(t, infer_shape("view", t, shape), "ViewBackward"); }

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
  Shape out;
  for (auto d : t.shape())
    if (d != 1) out.push_back(d);
  return out == t.shape() ? t : view_as_shape(t, out, "SqueezeBackward");
}

Tensor squeeze(const Tensor& t, std::int64_t dim) {
  const auto d = wrap_dim("squeeze", dim, t.dim());
  if (t.dim() == 0 || t.size(d) != 1) return t;
  Shape out = t.shape();
  out.erase(out.begin() + d);
  return view_as_shape(t, out, "SqueezeBackward");
}

Tensor unsqueeze(const Tensor& t, std::int64_t dim) {
  const auto d = wrap_dim("unsqueeze", dim, t.dim() + 1);
  Shape out = t.shape();
  out.insert(out.begin() + d, 1);
  return view_as_shape(t, out, "UnsqueezeBackward");
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
  Shape out_shape(order.size());
  const auto in_strides = detail::broadcast_strides(t.shape(), t.shape());
  std::vector<std::int64_t> gather_strides(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    out_shape[i] = t.size(order[i]);
    gather_strides[i] = t.size(order[i]) == 1 ? 0 : in_strides[order[i]];
  }
  Tensor out = make_tensor(out_shape, t.dtype());
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = t.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    detail::for_each_row(out_shape, gather_strides, gather_strides,
                         [&](std::int64_t o, std::int64_t i, std::int64_t step, std::int64_t, std::int64_t,
                             std::int64_t n) {
                           for (std::int64_t k = 0; k < n; ++k) dst[o + k] = in[i + k * step];
                         });
  });
  if (should_record({&t})) {
    std::vector<std::int64_t> inverse(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) inverse[order[i]] = static_cast<std::int64_t>(i);
    record("PermuteBackward", out, {&t}, [inverse](const Tensor& g) { return Grads{permute(g, inverse)}; });
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

namespace {
// Names the list op and the position of an undefined tensor in it (shape() alone says neither).
void check_all_defined(const char* op, const std::vector<Tensor>& tensors) {
  for (std::size_t i = 0; i < tensors.size(); ++i)
    if (!tensors[i].defined())
      throw Error(fmt::format("{}: tensor {} of the {} in the list is undefined", op, i, tensors.size()));
}
}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  if (tensors.empty()) throw Error("cat: expected a non-empty list of tensors");
  check_all_defined("cat", tensors);
  const Tensor& first = tensors[0];
  if (first.dim() == 0) throw Error("cat: zero-dimensional tensors cannot be concatenated");
  const auto d = wrap_dim("cat", dim, first.dim());
  Dtype dtype = first.dtype();
  std::int64_t total = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    bool same = t.dim() == first.dim();
    for (std::int64_t k = 0; same && k < t.dim(); ++k) same = k == d || t.size(k) == first.size(k);
    if (!same)
      throw Error(fmt::format("cat: tensor {} has shape {}, which does not match shape {} of tensor 0 outside "
                              "dimension {}",
                              i, shape_str(t.shape()), shape_str(first.shape()), d));
    dtype = promote_types(dtype, t.dtype());
    total += t.size(d);
  }
  Shape out_shape = first.shape();
  out_shape[d] = total;
  Tensor out = make_tensor(out_shape, dtype, "cat");
  const kernels::AxisSplit s = kernels::split_at(out_shape, d);
  const std::size_t elem = element_size(dtype);
  auto* dst = static_cast<unsigned char*>(out.impl()->storage->data);
  std::int64_t offset = 0;  // along dim
  for (const Tensor& t : tensors) {
    const Tensor src = kernels::cast_raw(t, dtype);
    const std::int64_t chunk = t.size(d) * s.inner;
    const auto* in = static_cast<const unsigned char*>(src.impl()->storage->data);
    for (std::int64_t o = 0; o < s.outer; ++o)
      std::memcpy(dst + (o * total * s.inner + offset * s.inner) * elem, in + o * chunk * elem, chunk * elem);
    offset += t.size(d);
  }
  bool any_requires_grad = false;
  for (const Tensor& t : tensors) any_requires_grad = any_requires_grad || t.requires_grad();
  if (any_requires_grad && GradModeFast::enabled()) {
    std::vector<std::int64_t> sizes;
    for (const Tensor& t : tensors) sizes.push_back(t.size(d));
    record("CatBackward", out, tensors, [sizes, d](const Tensor& g) {
      Grads grads;
      std::int64_t start = 0;
      for (auto n : sizes) {
        grads.push_back(narrow(g, d, start, n));
        start += n;
      }
      return grads;
    });
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  if (tensors.empty()) throw Error("stack: expected a non-empty list of tensors");
  check_all_defined("stack", tensors);
  const auto d = wrap_dim("stack", dim, tensors[0].dim() + 1);
  for (std::size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i].shape() != tensors[0].shape())
      throw Error(fmt::format("stack: tensor {} has shape {} but tensor 0 has shape {}", i,
                              shape_str(tensors[i].shape()), shape_str(tensors[0].shape())));
  std::vector<Tensor> expanded;
  for (const Tensor& t : tensors) expanded.push_back(unsqueeze(t, d));
  return cat(expanded, d);
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
  Shape out_shape = t.shape();
  out_shape[d] = length;
  Tensor out = make_tensor(out_shape, t.dtype());
  const kernels::AxisSplit s = kernels::split_at(t.shape(), d);
  const std::size_t elem = element_size(t.dtype());
  const auto* in = static_cast<const unsigned char*>(t.impl()->storage->data);
  auto* dst = static_cast<unsigned char*>(out.impl()->storage->data);
  const std::int64_t chunk = length * s.inner;
  for (std::int64_t o = 0; o < s.outer; ++o)
    std::memcpy(dst + o * chunk * elem, in + (o * size + start) * s.inner * elem, chunk * elem);
  if (should_record({&t}))
    record("NarrowBackward", out, {&t}, [in_shape = t.shape(), d, start, length](const Tensor& g) {
      // Pad the gradient back with zeros on both sides of the slice.
      std::vector<Tensor> parts;
      Shape before = in_shape, after = in_shape;
      before[d] = start;
      after[d] = in_shape[d] - start - length;
      if (start > 0) parts.push_back(zeros(before, g.dtype()));
      parts.push_back(g);
      if (after[d] > 0) parts.push_back(zeros(after, g.dtype()));
      return Grads{parts.size() == 1 ? g : cat(parts, d)};
    });
  return out;
}

}  // namespace xgrad
