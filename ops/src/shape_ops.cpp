// The shape ops that copy: cat and stack (their backwards are narrow views). The view ops are in
// view_ops.cpp.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "kernels.hpp"
#include "shape_rules.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

namespace {
// Names the list op and the position of an undefined tensor in it (shape() alone says neither).
void check_all_defined(const char* op, const std::vector<Tensor>& tensors) {
  for (std::size_t i = 0; i < tensors.size(); ++i)
    if (!tensors[i].defined())
      throw Error(fmt::format("{}: tensor {} of the {} in the list is undefined", op, i, tensors.size()));
}
// torch's legacy rule: a 1-D tensor of shape [0] (once the only empty tensor) is skipped beside others.
bool skipped_in_cat(const Tensor& t) { return t.dim() == 1 && t.numel() == 0; }

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  if (tensors.empty()) throw Error("cat: expected a non-empty list of tensors");
  check_all_defined("cat", tensors);
  const auto kept = std::find_if(tensors.begin(), tensors.end(), [](const Tensor& t) { return !skipped_in_cat(t); });
  const Tensor& first = kept == tensors.end() ? tensors[0] : *kept;
  const auto skip = [&](const Tensor& t) { return kept != tensors.end() && skipped_in_cat(t); };
  if (first.dim() == 0) throw Error("cat: zero-dimensional tensors cannot be concatenated");
  const auto d = wrap_dim("cat", dim, first.dim());
  Dtype dtype = first.dtype();
  std::int64_t total = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    dtype = promote_types(dtype, t.dtype());
    if (skip(t)) continue;
    bool same = t.dim() == first.dim();
    for (std::int64_t k = 0; same && k < t.dim(); ++k) same = k == d || t.size(k) == first.size(k);
    if (!same)
      throw Error(fmt::format("cat: tensor {} has shape {}, which does not match shape {} of the first non-empty "
                              "tensor outside dimension {}",
                              i, shape_str(t.shape()), shape_str(first.shape()), d));
    total += t.size(d);
  }
  Shape out_shape = first.shape();
  out_shape[d] = total;
  Tensor out = make_tensor(out_shape, dtype, "cat");
  const kernels::AxisSplit s = kernels::split_at(out_shape, d);
  const std::size_t elem = element_size(dtype);
  auto* dst = contiguous_bytes(out);
  std::int64_t offset = 0;  // along dim
  for (const Tensor& t : tensors) {
    if (skip(t)) continue;
    const Tensor src = dense(kernels::cast_raw(t, dtype));
    const std::int64_t chunk = t.size(d) * s.inner;
    const auto* in = contiguous_bytes(src);
    for (std::int64_t o = 0; o < s.outer; ++o)
      std::memcpy(dst + (o * total * s.inner + offset * s.inner) * elem, in + o * chunk * elem, chunk * elem);
    offset += t.size(d);
  }
  bool any_requires_grad = false;
  for (const Tensor& t : tensors) any_requires_grad = any_requires_grad || t.requires_grad();
  if (any_requires_grad && GradModeFast::enabled()) {
    std::vector<std::int64_t> sizes;  // -1: skipped
    for (const Tensor& t : tensors) sizes.push_back(skip(t) ? -1 : t.size(d));
    record(rule_for(kShapeRules, "CatBackward0"), out, tensors, ShapeSaved{.sizes = std::move(sizes), .dim = d});
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

}  // namespace xgrad
