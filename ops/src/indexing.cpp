// Index ops, in pairs that are each other's backward: index_select <-> index_add, gather <-> scatter_add.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

#include "index_rules.hpp"
#include "kernels.hpp"
#include "rule_tables.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/indexing.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

namespace {

void check_index(const char* op, const Tensor& index) {
  if (index.dtype() != kInt64)
    throw Error(fmt::format("{}: index must be an int64 tensor, got {}", op, dtype_name(index.dtype())));
}

std::int64_t checked_position(const char* op, std::int64_t value, std::int64_t size, std::int64_t dim) {
  if (value < 0 || value >= size)
    throw Error(fmt::format("{}: index {} is out of range for dimension {} of size {}", op, value, dim, size));
  return value;
}

// The common layout of gather/scatter_add (nll_loss, max_pool2d): along the last dimension, the index
// covering whole rows of the target. Then row r of the index addresses row r of the target, and the
// rows can go to threads. Returns the row lengths {target, index}, or nothing for other layouts.
std::optional<std::pair<std::int64_t, std::int64_t>> last_dim_rows(const Shape& target, std::int64_t d, const Tensor& index) {
  const auto nd = static_cast<std::int64_t>(target.size());
  if (nd == 0 || d != nd - 1) return std::nullopt;
  for (std::int64_t k = 0; k < d; ++k)
    if (index.size(k) != target[k]) return std::nullopt;
  return std::pair{target[d], index.size(d)};
}

// Calls f(position_in_index, offset_in_target) for every element of `index`, where the target offset
// has the index value in place of coordinate `dim` (gather/scatter addressing). In the last-dimension
// layout above, the indices are checked first and then whole rows go to threads: f may run on several
// threads at once, for elements of different rows (which address different target rows), each row's
// elements in order, so the bits do not depend on the thread count.
template <class F>
void for_each_indexed(const char* op, const Tensor& index, const Shape& target, std::int64_t dim, F f) {
  const Tensor index_values = dense(index);
  const std::int64_t* idx = contiguous_data<std::int64_t>(index_values);
  if (const auto rows = last_dim_rows(target, dim, index)) {
    const std::int64_t n = rows->first, m = rows->second;
    for (std::int64_t i = 0, count = index.numel(); i < count; ++i) checked_position(op, idx[i], n, dim);
    parallel_for(0, index.numel() / std::max<std::int64_t>(m, 1),
                 std::max<std::int64_t>(1, detail::kElementwiseGrain / std::max<std::int64_t>(m, 1)),
                 [&](std::int64_t first, std::int64_t last) {
                   for (std::int64_t r = first; r < last; ++r)
                     for (std::int64_t j = 0; j < m; ++j) f(r * m + j, r * n + idx[r * m + j]);
                 });
    return;
  }
  const Shape& ishape = index.shape();
  const auto nd = static_cast<std::int64_t>(ishape.size());
  const auto strides = detail::broadcast_strides(target, target);
  std::vector<std::int64_t> coord(nd, 0);
  for (std::int64_t i = 0, n_ = index.numel(); i < n_; ++i) {
    std::int64_t offset = 0;
    for (std::int64_t k = 0; k < nd; ++k)
      offset += (k == dim ? checked_position(op, idx[i], target[k], dim) : coord[k]) * strides[k];
    f(i, offset);
    for (std::int64_t k = nd - 1; k >= 0; --k) {
      if (++coord[k] < ishape[k]) break;
      coord[k] = 0;
    }
  }
}

void check_gather_shapes(const char* op, const Tensor& t, std::int64_t d, const Tensor& index) {
  bool ok = index.dim() == t.dim();
  for (std::int64_t k = 0; ok && k < t.dim(); ++k) ok = k == d || index.size(k) <= t.size(k);
  if (!ok)
    throw Error(fmt::format("{}: index of shape {} does not fit input of shape {} along dimensions other than {}", op,
                            shape_str(index.shape()), shape_str(t.shape()), d));
}

}  // namespace

Tensor index_select(const Tensor& t, std::int64_t dim, const Tensor& index) {
  check_index("index_select", index);
  if (index.dim() > 1)
    throw Error(fmt::format("index_select: index must be 0-D or 1-D, got shape {}", shape_str(index.shape())));
  const auto d = wrap_dim("index_select", dim, t.dim());
  const Shape in_shape = t.dim() == 0 ? Shape{1} : t.shape();
  const kernels::AxisSplit s = kernels::split_at(in_shape, d);
  const std::int64_t count = index.numel();
  Shape out_shape = in_shape;
  out_shape[d] = count;
  if (t.dim() == 0) out_shape = index.dim() == 0 ? Shape{} : Shape{count};
  Tensor out = make_tensor(out_shape, t.dtype());
  const Tensor index_values = dense(index), values = dense(t);
  const std::int64_t* idx = contiguous_data<std::int64_t>(index_values);
  const std::size_t elem = element_size(t.dtype());
  const auto* in = static_cast<const unsigned char*>(contiguous_bytes(values));
  auto* dst = static_cast<unsigned char*>(contiguous_bytes(out));
  for (std::int64_t j = 0; j < count; ++j) checked_position("index_select", idx[j], s.size, d);
  for (std::int64_t o = 0; o < s.outer; ++o)
    for (std::int64_t j = 0; j < count; ++j)
      std::memcpy(dst + ((o * count + j) * s.inner) * elem, in + ((o * s.size + idx[j]) * s.inner) * elem, s.inner * elem);
  if (should_record({&t}))
    record(rule_for(kIndexRules, "IndexSelectBackward0"), out, {&t}, IndexSaved{.in_shape = t.shape(), .dim = d, .index = index});
  return out;
}

Tensor index_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source) {
  check_index("index_add", index);
  const auto d = wrap_dim("index_add", dim, self.dim());
  Shape expected = self.dim() == 0 ? Shape{} : self.shape();
  if (self.dim() > 0) expected[d] = index.numel();
  if (index.dim() > 1 || source.shape() != expected)
    throw Error(fmt::format("index_add: source of shape {} and index of shape {} do not match self of shape {} along "
                            "dimension {} (expected source shape {})",
                            shape_str(source.shape()), shape_str(index.shape()), shape_str(self.shape()), d,
                            shape_str(expected)));
  if (source.dtype() != self.dtype())  // as torch: no promotion into self
    throw Error(fmt::format("index_add: source ({}, shape {}) must have self's dtype {} (shape {})",
                            dtype_name(source.dtype()), shape_str(source.shape()), dtype_name(self.dtype()),
                            shape_str(self.shape())));
  Tensor out = self.detach().clone();
  const Tensor src = kernels::cast_raw(source, self.dtype());
  const kernels::AxisSplit s = kernels::split_at(self.dim() == 0 ? Shape{1} : self.shape(), d);
  const std::int64_t count = index.numel();
  const Tensor index_values = dense(index);
  const std::int64_t* idx = contiguous_data<std::int64_t>(index_values);
  for (std::int64_t j = 0; j < count; ++j) checked_position("index_add", idx[j], s.size, d);
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = contiguous_data<T>(src);
    T* o = contiguous_data<T>(out);
    for (std::int64_t a = 0; a < s.outer; ++a)
      for (std::int64_t j = 0; j < count; ++j)
        for (std::int64_t i = 0; i < s.inner; ++i)
          o[(a * s.size + idx[j]) * s.inner + i] += in[(a * count + j) * s.inner + i];
  });
  if (should_record({&self, &source}))
    record(rule_for(kIndexRules, "IndexAddBackward0"), out, {&self, &source}, IndexSaved{.dim = d, .index = index});
  return out;
}

Tensor gather(const Tensor& t, std::int64_t dim, const Tensor& index) {
  check_index("gather", index);
  const auto d = wrap_dim("gather", dim, t.dim());
  check_gather_shapes("gather", t, d, index);
  Tensor out = make_tensor(index.shape(), t.dtype());
  const Tensor values = dense(t);
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = contiguous_data<T>(values);
    T* o = contiguous_data<T>(out);
    for_each_indexed("gather", index, t.shape(), d, [&](std::int64_t i, std::int64_t offset) { o[i] = in[offset]; });
  });
  if (should_record({&t}))
    record(rule_for(kIndexRules, "GatherBackward0"), out, {&t}, IndexSaved{.in_shape = t.shape(), .dim = d, .index = index});
  return out;
}

Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src_whole) {
  check_index("scatter_add", index);
  const auto d = wrap_dim("scatter_add", dim, self.dim());
  check_gather_shapes("scatter_add", self, d, index);
  bool fits = src_whole.dim() == index.dim();
  for (std::int64_t k = 0; fits && k < index.dim(); ++k) fits = index.size(k) <= src_whole.size(k);
  if (!fits)
    throw Error(fmt::format("scatter_add: src of shape {} is smaller than the index's shape {} in some dimension",
                            shape_str(src_whole.shape()), shape_str(index.shape())));
  // As torch, only the index's extent of src is read: its leading block, as a (differentiable) view.
  Tensor src_in = src_whole;
  for (std::int64_t k = 0; k < index.dim(); ++k)
    if (src_in.size(k) != index.size(k)) src_in = narrow(src_in, k, 0, index.size(k));
  Tensor out = self.detach().clone();
  const Tensor src = kernels::cast_raw(src_in, self.dtype());
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = contiguous_data<T>(src);
    T* o = contiguous_data<T>(out);
    for_each_indexed("scatter_add", index, self.shape(), d, [&](std::int64_t i, std::int64_t offset) { o[offset] += in[i]; });
  });
  if (should_record({&self, &src_in}))
    record(rule_for(kIndexRules, "ScatterAddBackward0"), out, {&self, &src_in}, IndexSaved{.dim = d, .index = index});
  return out;
}

void append_index_rule_names(std::vector<std::string>& names) { append_rule_names(kIndexRules, names); }

Tensor one_hot(const Tensor& labels_in, std::int64_t num_classes, Dtype dtype) {
  const Tensor labels = dense(labels_in);
  check_index("one_hot", labels);
  if (num_classes == -1) {  // as torch: one more than the largest label
    if (labels.numel() == 0)
      throw Error(fmt::format("one_hot: cannot infer the number of classes (num_classes = -1) from an empty tensor "
                              "of shape {}",
                              shape_str(labels.shape())));
    const std::int64_t* l = contiguous_data<std::int64_t>(labels);
    const std::int64_t largest = *std::max_element(l, l + labels.numel());
    if (largest < 0 || largest == INT64_MAX)
      throw Error(fmt::format("one_hot: cannot infer the number of classes from the largest label {}", largest));
    num_classes = largest + 1;
  } else if (num_classes < 0) {
    throw Error(fmt::format("one_hot: num_classes must be -1 (infer) or non-negative, got {}", num_classes));
  }
  Shape shape = labels.shape();
  shape.push_back(num_classes);
  Tensor out = make_tensor(shape, dtype, "one_hot");  // a huge num_classes fails here, naming one_hot
  std::memset(contiguous_bytes(out), 0, static_cast<std::size_t>(out.numel()) * element_size(out.dtype()));  // all-zero bytes are 0 in every dtype
  const std::int64_t* l = contiguous_data<std::int64_t>(labels);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* o = contiguous_data<T>(out);
    for (std::int64_t i = 0, n_ = labels.numel(); i < n_; ++i)
      o[i * num_classes + checked_position("one_hot", l[i], num_classes, labels.dim())] = T(1);
  });
  return out;
}

}  // namespace xgrad
