// Indexing as libtorch (xgrad/tensor_index.hpp). An index list is applied in two steps, as torch
// does: integers, slices, None and Ellipsis make a view; the index tensors and masks left over (masks
// become the int64 positions of their true elements) are broadcast together and gathered by one
// primitive, IndexBackward0, whose gradient is the accumulating IndexPutBackward0 (and back again).
// The masked, scatter and take_along_dim families are built on these, on where and on gather.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <string_view>

#include "index_rules.hpp"
#include "kernels.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/detail/inplace.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/indexing.hpp"
#include "xgrad/shape_ops.hpp"
#include "xgrad/tensor_index.hpp"

namespace xgrad {

using index_kernels::gather_indexed;
using index_kernels::put_indexed;
using index_kernels::scatter_impl;

namespace indexing {
TensorIndex::TensorIndex(const char* text) : kind_(Kind::Ellipsis) {
  if (text == nullptr || std::string_view(text) != "...")
    throw Error(fmt::format("TensorIndex: a string index must be \"...\" (Ellipsis), got \"{}\"", text ? text : ""));
}
}  // namespace indexing

namespace {

std::int64_t product(const Shape& s, std::size_t begin, std::size_t end) {
  std::int64_t n = 1;
  for (std::size_t k = begin; k < end; ++k) n *= s[k];
  return n;
}

// What an index list leaves once its basic part is applied: the view, and the int64 index tensors
// (broadcast to one shape, dense) for its dimensions first .. first + indices.size() - 1.
struct Parsed {
  Tensor view;
  std::int64_t first = 0;
  std::vector<Tensor> indices;
};

// The int64 positions of a mask's true elements, one tensor per mask dimension (torch's nonzero).
std::vector<Tensor> mask_positions(const Tensor& mask_in) {
  const Tensor mask = dense(mask_in);
  const bool* m = contiguous_data<bool>(mask);
  const std::int64_t n = mask.numel(), k = mask.dim();
  const std::int64_t count = std::count(m, m + n, true);
  std::vector<Tensor> columns;
  for (std::int64_t j = 0; j < k; ++j) columns.push_back(make_tensor({count}, kInt64));
  const auto strides = contiguous_strides(mask.shape());
  std::int64_t row = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!m[i]) continue;
    for (std::int64_t j = 0; j < k; ++j) contiguous_data<std::int64_t>(columns[j])[row] = (i / strides[j]) % mask.size(j);
    ++row;
  }
  return columns;
}

Parsed parse(const char* op, const Tensor& self, const std::vector<TensorIndex>& list) {
  if (!self.defined()) throw Error(fmt::format("{}: the tensor is undefined", op));
  std::int64_t consumed = 0, ellipses = 0;
  for (const auto& i : list) {
    if (i.is_integer() || i.is_slice()) {
      ++consumed;
    } else if (i.is_ellipsis()) {
      ++ellipses;
    } else if (i.is_tensor()) {
      const Tensor& t = i.tensor();
      if (!t.defined()) throw Error(fmt::format("{}: an index tensor is undefined", op));
      if (t.dtype() == kBool)
        consumed += t.dim();
      else if (t.dtype() == kInt64)
        ++consumed;
      else
        throw Error(fmt::format("{}: tensors used as indices must be int64 or bool, got {} of shape {}", op,
                                dtype_name(t.dtype()), shape_str(t.shape())));
    }
  }
  if (ellipses > 1) throw Error(fmt::format("{}: an index can have only one ellipsis ('...'), got {}", op, ellipses));
  if (consumed > self.dim())
    throw Error(fmt::format("{}: too many indices for a tensor of shape {}: {} dimensions indexed, it has {}", op,
                            shape_str(self.shape()), consumed, self.dim()));
  Tensor v = self;
  std::int64_t d = 0;
  std::vector<std::pair<std::int64_t, Tensor>> advanced;
  for (const auto& i : list) {
    switch (i.kind()) {
      case TensorIndex::Kind::None:
        v = unsqueeze(v, d++);
        break;
      case TensorIndex::Kind::Ellipsis:
        d += self.dim() - consumed;
        break;
      case TensorIndex::Kind::Integer: {
        const std::int64_t size = v.size(d), k = i.integer();
        if (k < -size || k >= size)
          throw Error(fmt::format("{}: index {} is out of range for dimension {} of size {} (tensor of shape {})", op, k,
                                  d, size, shape_str(v.shape())));
        v = select(v, d, k);
        break;
      }
      case TensorIndex::Kind::Slice:
        if (i.slice().step() <= 0)
          throw Error(fmt::format("{}: slice step must be positive, got {}", op, i.slice().step()));
        v = slice(v, d, i.slice().start(), i.slice().stop(), i.slice().step());
        ++d;
        break;
      case TensorIndex::Kind::Boolean:  // a new axis, all of it (true) or none of it (false)
        v = unsqueeze(v, d);
        advanced.emplace_back(d++, i.boolean() ? zeros({1}, kInt64) : zeros({0}, kInt64));
        break;
      case TensorIndex::Kind::Tensor: {
        const Tensor& t = i.tensor();
        if (t.dtype() == kInt64) {
          advanced.emplace_back(d++, t);
          break;
        }
        Tensor mask = t;
        if (mask.dim() == 0) {  // as a bool: a new axis taken whole or not at all
          v = unsqueeze(v, d);
          mask = mask.reshape({1});
        }
        for (std::int64_t j = 0; j < mask.dim(); ++j)
          if (mask.size(j) != v.size(d + j))
            throw Error(fmt::format("{}: mask of shape {} does not match the shape {} of the tensor it indexes at "
                                    "dimension {} (size {} against {})",
                                    op, shape_str(t.shape()), shape_str(v.shape()), d + j, mask.size(j), v.size(d + j)));
        for (auto& column : mask_positions(mask)) advanced.emplace_back(d++, std::move(column));
        break;
      }
    }
  }
  Parsed out{v, 0, {}};
  if (advanced.empty()) return out;
  Shape shape = advanced[0].second.shape();
  for (const auto& [dim, t] : advanced) shape = broadcast_shapes(op, shape, t.shape());
  bool adjacent = true;
  for (std::size_t j = 1; j < advanced.size(); ++j) adjacent = adjacent && advanced[j].first == advanced[j - 1].first + 1;
  if (adjacent) {
    out.first = advanced[0].first;
  } else {  // torch's rule: separated index tensors put their result dimensions first
    std::vector<std::int64_t> order;
    for (const auto& [dim, t] : advanced) order.push_back(dim);
    for (std::int64_t k = 0; k < v.dim(); ++k)
      if (std::find(order.begin(), order.end(), k) == order.end()) order.push_back(k);
    out.view = permute(v, order);
  }
  NoGradGuard no_grad;
  for (const auto& [dim, t] : advanced) out.indices.push_back(dense(expand(t, shape)));
  return out;
}

// The shape a gather of x by these indices has: x's dimensions before `first`, the indices' shape,
// x's dimensions after the indexed ones.
Shape indexed_shape(const Shape& x, std::int64_t first, const std::vector<Tensor>& indices) {
  Shape s(x.begin(), x.begin() + first);
  const Shape& b = indices[0].shape();
  s.insert(s.end(), b.begin(), b.end());
  s.insert(s.end(), x.begin() + first + static_cast<std::int64_t>(indices.size()), x.end());
  return s;
}

// For each position of the broadcast indices, the offset (by `strides`) of the element block it picks
// within the indexed dimensions (negative indices count from the end, as torch).
std::vector<std::int64_t> block_offsets(const char* op, const Shape& x, const Strides& strides, std::int64_t first,
                                        const std::vector<Tensor>& indices) {
  const auto m = static_cast<std::int64_t>(indices.size());
  const std::int64_t count = indices[0].numel();
  std::vector<std::int64_t> offsets(count, 0);
  for (std::int64_t j = 0; j < m; ++j) {
    const std::int64_t size = x[first + j];
    const std::int64_t* idx = contiguous_data<std::int64_t>(indices[j]);
    for (std::int64_t b = 0; b < count; ++b) {
      const std::int64_t k = idx[b];
      if (k < -size || k >= size)
        throw Error(fmt::format("{}: index {} is out of range for dimension {} of size {} (tensor of shape {})", op, k,
                                first + j, size, shape_str(x)));
      offsets[b] += (k < 0 ? k + size : k) * strides[first + j];
    }
  }
  return offsets;
}

// The offsets (by `strides`) of every element of dimensions [begin, end), in row-major order.
std::vector<std::int64_t> strided_offsets(const Shape& shape, const Strides& strides, std::size_t begin, std::size_t end) {
  std::vector<std::int64_t> offsets{0};
  for (std::size_t k = begin; k < end; ++k) {
    std::vector<std::int64_t> next;
    next.reserve(offsets.size() * static_cast<std::size_t>(shape[k]));
    for (const std::int64_t o : offsets)
      for (std::int64_t i = 0; i < shape[k]; ++i) next.push_back(o + i * strides[k]);
    offsets = std::move(next);
  }
  return offsets;
}

}  // namespace

// x's elements picked by the indices at dimensions first.. (the gather every index op ends in).
Tensor index_kernels::gather_indexed(const Tensor& x, std::int64_t first, const std::vector<Tensor>& indices) {
  const Shape& xs = x.shape();
  const auto m = static_cast<std::int64_t>(indices.size());
  const std::vector<std::int64_t> offsets = block_offsets("index", xs, contiguous_strides(xs), first, indices);
  Tensor out = make_tensor(indexed_shape(xs, first, indices), x.dtype(), "index");
  const std::int64_t outer = product(xs, 0, first), inner = product(xs, first + m, xs.size());
  const std::int64_t span = product(xs, first, xs.size()), count = indices[0].numel();
  const std::size_t elem = element_size(x.dtype());
  const Tensor values = dense(x);
  const auto* in = static_cast<const unsigned char*>(contiguous_bytes(values));
  auto* dst = static_cast<unsigned char*>(contiguous_bytes(out));
  if (inner > 0)
    for (std::int64_t o = 0; o < outer; ++o)
      for (std::int64_t b = 0; b < count; ++b)
        std::memcpy(dst + (o * count + b) * inner * elem, in + (o * span + offsets[b]) * elem, inner * elem);
  if (should_record({&x}))
    record(rule_for(kIndexRules, "IndexBackward0"), out, {&x}, IndexSaved{.in_shape = xs, .first = first, .indices = indices});
  return out;
}

// A copy of x with the indexed elements set to (or increased by) values, which must broadcast to
// the indexed shape and have x's dtype.
Tensor index_kernels::put_indexed(const Tensor& x, std::int64_t first, const std::vector<Tensor>& indices, const Tensor& values,
                   bool accumulate) {
  const Shape& xs = x.shape();
  const auto m = static_cast<std::int64_t>(indices.size());
  const std::vector<std::int64_t> offsets = block_offsets("index_put_", xs, contiguous_strides(xs), first, indices);
  const Shape target = indexed_shape(xs, first, indices);
  Tensor out = x.detach().clone();
  Tensor v;
  {
    NoGradGuard no_grad;
    v = dense(expand(kernels::cast_raw(values, x.dtype()), target));
  }
  const std::int64_t outer = product(xs, 0, first), inner = product(xs, first + m, xs.size());
  const std::int64_t span = product(xs, first, xs.size()), count = indices[0].numel();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = contiguous_data<T>(v);
    T* o = contiguous_data<T>(out);
    for (std::int64_t a = 0; a < outer; ++a)
      for (std::int64_t b = 0; b < count; ++b) {
        T* to = o + a * span + offsets[b];
        const T* from = in + (a * count + b) * inner;
        if (accumulate)
          for (std::int64_t i = 0; i < inner; ++i) to[i] = static_cast<T>(to[i] + from[i]);
        else
          for (std::int64_t i = 0; i < inner; ++i) to[i] = from[i];
      }
  });
  if (should_record({&x, &values}))
    record(rule_for(kIndexRules, "IndexPutBackward0"), out, {&x, &values},
           IndexSaved{.first = first, .indices = indices, .accumulate = accumulate});
  return out;
}

namespace {

// index_put_ without anything to record: only the indexed elements of `view` are written, through
// its strides, and the version is bumped (the recorded path goes through put_indexed instead).
void raw_put_indexed(Tensor& view, std::int64_t first, const std::vector<Tensor>& indices, const Tensor& values,
                     bool accumulate) {
  const Shape& xs = view.shape();
  const Strides strides = view.strides();
  const auto m = static_cast<std::int64_t>(indices.size());
  const std::vector<std::int64_t> offsets = block_offsets("index_put_", xs, strides, first, indices);
  const std::vector<std::int64_t> outer = strided_offsets(xs, strides, 0, first);
  const std::vector<std::int64_t> inner = strided_offsets(xs, strides, first + m, xs.size());
  Tensor v;
  {
    NoGradGuard no_grad;
    v = dense(expand(kernels::cast_raw(values, view.dtype()), indexed_shape(xs, first, indices)));
  }
  const auto count = static_cast<std::int64_t>(offsets.size()), n = static_cast<std::int64_t>(inner.size());
  dispatch(view.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* base = view.data_ptr<T>();
    const T* in = contiguous_data<T>(v);
    for (std::size_t a = 0; a < outer.size(); ++a)
      for (std::int64_t b = 0; b < count; ++b) {
        T* to = base + outer[a] + offsets[b];
        const T* from = in + (static_cast<std::int64_t>(a) * count + b) * n;
        if (accumulate)
          for (std::int64_t i = 0; i < n; ++i) to[inner[i]] = static_cast<T>(to[inner[i]] + from[i]);
        else
          for (std::int64_t i = 0; i < n; ++i) to[inner[i]] = from[i];
      }
  });
  view.bump_version();
}

void check_values(const char* op, const Tensor& self, const Shape& target, const Tensor& values) {
  if (!values.defined()) throw Error(fmt::format("{}: the values tensor is undefined", op));
  bool ok = values.dim() <= static_cast<std::int64_t>(target.size());
  for (std::int64_t k = 1; ok && k <= values.dim(); ++k) {
    const std::int64_t have = values.size(values.dim() - k), want = target[target.size() - k];
    ok = have == want || have == 1;
  }
  if (!ok)
    throw Error(fmt::format("{}: values of shape {} cannot be broadcast to the indexed shape {} (tensor of shape {})", op,
                            shape_str(values.shape()), shape_str(target), shape_str(self.shape())));
}

// src converted to self's dtype by a recorded cast (its gradient returns in src's dtype).
Tensor as_dtype_of(const Tensor& src, const Tensor& self) { return src.dtype() == self.dtype() ? src : src.to(self.dtype()); }

// The in-place pattern of inplace_ops.cpp: the raw path writes the value computed without history;
// the recorded path hands the differentiable value to assign_in_place.
template <class Compute>
Tensor& write_in_place(Tensor& self, const char* op, std::initializer_list<const Tensor*> operands, Compute compute) {
  check_writable(self, op);
  if (!inplace_needs_record(self, operands)) {
    Tensor value;
    {
      NoGradGuard no_grad;
      value = compute();
    }
    return detail::raw_copy_(self, value);
  }
  return assign_in_place(self, compute(), op, true);
}

void check_index_dtype(const char* op, const Tensor& index) {
  if (!index.defined()) throw Error(fmt::format("{}: the index is undefined", op));
  if (index.dtype() != kInt64)
    throw Error(fmt::format("{}: index must be an int64 tensor, got {} of shape {}", op, dtype_name(index.dtype()),
                            shape_str(index.shape())));
}

}  // namespace

// torch.scatter: a copy of self with src's (or value's) elements written where index points.
Tensor index_kernels::scatter_impl(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor* src_in, double value) {
  check_index_dtype("scatter", index);
  const auto d = wrap_dim("scatter", dim, self.dim());
  bool ok = index.dim() == self.dim() && (!src_in || src_in->dim() == index.dim());
  for (std::int64_t k = 0; ok && k < index.dim(); ++k)
    ok = (k == d || index.size(k) <= self.size(k)) && (!src_in || index.size(k) <= src_in->size(k));
  if (!ok)
    throw Error(fmt::format("scatter: index of shape {} does not fit self of shape {}{} (along dimensions other than {} "
                            "for self)",
                            shape_str(index.shape()), shape_str(self.shape()),
                            src_in ? fmt::format(" and src of shape {}", shape_str(src_in->shape())) : "", d));
  Tensor src;
  if (src_in) {
    src = as_dtype_of(*src_in, self);
    for (std::int64_t k = 0; k < index.dim(); ++k)
      if (src.size(k) != index.size(k)) src = narrow(src, k, 0, index.size(k));  // torch reads only that corner
  }
  Tensor out = self.detach().clone();
  const Tensor idx = dense(index), values = src_in ? dense(src) : full(index.shape(), value, self.dtype());
  const Shape& ishape = index.shape();
  const auto strides = contiguous_strides(self.shape());
  const std::int64_t* ip = contiguous_data<std::int64_t>(idx);
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = contiguous_data<T>(values);
    T* o = contiguous_data<T>(out);
    std::vector<std::int64_t> coord(ishape.size(), 0);
    for (std::int64_t i = 0, n = index.numel(); i < n; ++i) {
      std::int64_t offset = 0;
      for (std::size_t k = 0; k < ishape.size(); ++k) {
        std::int64_t c = coord[k];
        if (static_cast<std::int64_t>(k) == d) {
          c = ip[i];
          if (c < 0 || c >= self.size(d))
            throw Error(fmt::format("scatter: index {} is out of range for dimension {} of size {}", c, d, self.size(d)));
        }
        offset += c * strides[k];
      }
      o[offset] = in[i];
      for (std::int64_t k = static_cast<std::int64_t>(ishape.size()) - 1; k >= 0; --k) {
        if (++coord[k] < ishape[k]) break;
        coord[k] = 0;
      }
    }
  });
  if (src_in) {
    if (should_record({&self, &src}))
      record(rule_for(kIndexRules, "ScatterBackward0"), out, {&self, &src}, IndexSaved{.dim = d, .index = index});
  } else if (should_record({&self})) {
    record(rule_for(kIndexRules, "ScatterBackward1"), out, {&self}, IndexSaved{.dim = d, .index = index});
  }
  return out;
}

namespace {

void check_mask(const char* op, const Tensor& self, const Tensor& mask) {
  if (!mask.defined()) throw Error(fmt::format("{}: the mask is undefined", op));
  if (mask.dtype() != kBool)
    throw Error(fmt::format("{}: mask must be a bool tensor, got {} of shape {}", op, dtype_name(mask.dtype()),
                            shape_str(mask.shape())));
  (void)self;
}

}  // namespace

Tensor index(const Tensor& self, const std::vector<TensorIndex>& indices) {
  Parsed p = parse("index", self, indices);
  if (p.indices.empty()) return p.view;
  return gather_indexed(p.view, p.first, p.indices);
}

Tensor index_put(const Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& values, bool accumulate) {
  Tensor out = self.clone();
  out.index_put_(indices, values, accumulate);
  return out;
}

Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Tensor& values_in, bool accumulate) {
  check_writable(*this, "index_put_");
  Parsed p = parse("index_put_", *this, indices);
  const Shape target = p.indices.empty() ? p.view.shape() : indexed_shape(p.view.shape(), p.first, p.indices);
  check_values("index_put_", *this, target, values_in);
  Tensor values = as_dtype_of(values_in, *this);
  if (values.is_alias_of(*this)) values = values.clone();  // the write must not change what it reads
  auto compute = [&]() -> Tensor {
    if (!p.indices.empty()) return put_indexed(p.view, p.first, p.indices, values, accumulate);
    return accumulate ? p.view + values : xgrad::expand(values, target);
  };
  if (!inplace_needs_record(p.view, {&values_in})) {  // core's raw kernels: only the indexed elements are written
    if (!p.indices.empty())
      raw_put_indexed(p.view, p.first, p.indices, values, accumulate);
    else if (accumulate)
      detail::raw_add_(p.view, values, 1.0);
    else
      detail::raw_copy_(p.view, values);
    return *this;
  }
  assign_in_place(p.view, compute(), "index_put_", !p.indices.empty() || accumulate);
  return *this;
}
Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, const Tensor& values, bool accumulate) {
  return index_put_(std::vector<TensorIndex>(indices), values, accumulate);
}
Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, double value) {
  return index_put_(indices, full({}, value, dtype()));
}
Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, double value) {
  return index_put_(std::vector<TensorIndex>(indices), full({}, value, dtype()));
}
Tensor Tensor::index(std::initializer_list<TensorIndex> indices) const { return xgrad::index(*this, indices); }
Tensor Tensor::index(const std::vector<TensorIndex>& indices) const { return xgrad::index(*this, indices); }

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  check_mask("masked_fill", self, mask);
  if (broadcast_shapes("masked_fill", self.shape(), mask.shape()) != self.shape())
    throw Error(fmt::format("masked_fill: mask of shape {} does not broadcast to self's shape {}",
                            shape_str(mask.shape()), shape_str(self.shape())));
  if (!value.defined() || value.dim() != 0)
    throw Error(fmt::format("masked_fill: value must be a 0-dimensional tensor, got shape {}",
                            value.defined() ? shape_str(value.shape()) : std::string("undefined")));
  return where(mask, as_dtype_of(value, self), self);
}
Tensor masked_fill(const Tensor& self, const Tensor& mask, double value) {
  return masked_fill(self, mask, full({}, value, self.dtype()));
}
Tensor Tensor::masked_fill(const Tensor& mask, double value) const { return xgrad::masked_fill(*this, mask, value); }
Tensor Tensor::masked_fill(const Tensor& mask, const Tensor& value) const {
  return xgrad::masked_fill(*this, mask, value);
}
Tensor& Tensor::masked_fill_(const Tensor& mask, const Tensor& value) {
  return write_in_place(*this, "masked_fill_", {&value}, [&] { return xgrad::masked_fill(*this, mask, value); });
}
Tensor& Tensor::masked_fill_(const Tensor& mask, double value) {
  return masked_fill_(mask, full({}, value, dtype()));
}

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  check_mask("masked_select", self, mask);
  const Shape shape = broadcast_shapes("masked_select", self.shape(), mask.shape());
  return index(expand(self, shape), {TensorIndex(expand(mask, shape))});
}
Tensor Tensor::masked_select(const Tensor& mask) const { return xgrad::masked_select(*this, mask); }

Tensor Tensor::index_add(std::int64_t dim, const Tensor& index, const Tensor& source, double alpha) const {
  return xgrad::index_add(*this, dim, index, alpha == 1.0 ? source : source * alpha);
}
Tensor& Tensor::index_add_(std::int64_t dim, const Tensor& index, const Tensor& source, double alpha) {
  return write_in_place(*this, "index_add_", {&source}, [&] { return this->index_add(dim, index, source, alpha); });
}

Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src) {
  if (!src.defined()) throw Error("scatter: src is undefined");
  return scatter_impl(self, dim, index, &src, 0.0);
}
Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, double value) {
  return scatter_impl(self, dim, index, nullptr, value);
}
Tensor Tensor::scatter(std::int64_t dim, const Tensor& index, const Tensor& src) const {
  return xgrad::scatter(*this, dim, index, src);
}
Tensor Tensor::scatter(std::int64_t dim, const Tensor& index, double value) const {
  return xgrad::scatter(*this, dim, index, value);
}
Tensor& Tensor::scatter_(std::int64_t dim, const Tensor& index, const Tensor& src) {
  return write_in_place(*this, "scatter_", {&src}, [&] { return xgrad::scatter(*this, dim, index, src); });
}
Tensor& Tensor::scatter_(std::int64_t dim, const Tensor& index, double value) {
  return write_in_place(*this, "scatter_", {}, [&] { return xgrad::scatter(*this, dim, index, value); });
}
Tensor Tensor::scatter_add(std::int64_t dim, const Tensor& index, const Tensor& src) const {
  return xgrad::scatter_add(*this, dim, index, src);
}
Tensor& Tensor::scatter_add_(std::int64_t dim, const Tensor& index, const Tensor& src) {
  return write_in_place(*this, "scatter_add_", {&src}, [&] { return xgrad::scatter_add(*this, dim, index, src); });
}

Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<std::int64_t> dim) {
  check_index_dtype("take_along_dim", indices);
  if (!dim) return gather(flatten(self), 0, flatten(indices));
  const auto d = wrap_dim("take_along_dim", *dim, self.dim());
  if (self.dim() != indices.dim())
    throw Error(fmt::format("take_along_dim: input of shape {} and indices of shape {} must have the same number of "
                            "dimensions",
                            shape_str(self.shape()), shape_str(indices.shape())));
  Shape a = self.shape(), b = indices.shape();
  a[d] = b[d] = 1;
  const Shape shape = broadcast_shapes("take_along_dim", a, b);
  Shape self_shape = shape, index_shape = shape;
  self_shape[d] = self.size(d);
  index_shape[d] = indices.size(d);
  return gather(expand(self, self_shape), d, expand(indices, index_shape));
}
Tensor Tensor::take_along_dim(const Tensor& indices, std::optional<std::int64_t> dim) const {
  return xgrad::take_along_dim(*this, indices, dim);
}

}  // namespace xgrad
