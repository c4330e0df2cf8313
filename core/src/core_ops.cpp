// sum_to/expand (each the other's backward), dtype casts, clone and gradient accumulation.
#include <algorithm>
#include <fmt/format.h>
#include <optional>

#include "xgrad/detail/bfloat16.hpp"
#include "xgrad/detail/broadcast_iter.hpp"
#include "xgrad/detail/core_ops.hpp"
#include "xgrad/detail/core_rules.hpp"
#include "xgrad/detail/node.hpp"
#include "xgrad/detail/parallel.hpp"
#include "xgrad/detail/strided_copy.hpp"
#include "xgrad/detail/sum_kernels.hpp"

namespace xgrad {

bool is_expandable_to(const Shape& to, const Shape& from) {
  if (to.size() > from.size()) return false;
  const std::size_t offset = from.size() - to.size();
  for (std::size_t i = 0; i < to.size(); ++i)
    if (to[i] != 1 && to[i] != from[i + offset]) return false;
  return true;
}

namespace {

// `to`, leading 1s dropped, is the trailing part of `from`: every leading row adds into it.
bool summed_leading_rows(const Shape& to, const Shape& from) {
  std::size_t first = 0;
  while (first < to.size() && to[first] == 1) ++first;
  const std::size_t len = to.size() - first;
  if (len == 0 || len > from.size()) return false;
  return std::equal(to.begin() + first, to.end(), from.end() - len);
}

// `to` is `from` with a run of trailing dimensions set to 1: each row of those folds into one value.
bool summed_trailing_columns(const Shape& to, const Shape& from) {
  if (to.size() != from.size() || to.empty()) return false;
  std::size_t kept = to.size();
  while (kept > 0 && to[kept - 1] == 1) --kept;
  if (kept == to.size()) return false;
  return std::equal(to.begin(), to.begin() + kept, from.begin());
}

// `to` is `from` with leading and trailing dimensions set to 1 around a kept middle run (a
// per-channel sum: [N, C, H, W] -> [1, C, 1, 1]). Gives the rows, kept values and run length.
struct OuterInner {
  std::int64_t outer = 1, kept = 1, inner = 1;
};
std::optional<OuterInner> summed_outer_and_inner(const Shape& to, const Shape& from) {
  if (to.size() != from.size()) return std::nullopt;
  std::size_t first = 0, last = to.size();
  while (first < last && to[first] == 1) ++first;
  while (last > first && to[last - 1] == 1) --last;
  if (first == last || !std::equal(to.begin() + first, to.begin() + last, from.begin() + first)) return std::nullopt;
  OuterInner r;
  for (std::size_t d = 0; d < from.size(); ++d) (d < first ? r.outer : d < last ? r.kept : r.inner) *= from[d];
  return r;
}

}  // namespace

Tensor sum_to(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  if (!is_expandable_to(shape, t.shape()))
    throw Error(fmt::format("sum_to: a tensor of shape {} cannot be summed to shape {}", shape_str(t.shape()),
                            shape_str(shape)));
  Tensor out = make_tensor(shape, t.dtype(), "sum_to");
  const Tensor values = dense(t);
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<std::is_same_v<T, bool>, std::int64_t, T>;
    const T* in = contiguous_data<T>(values);
    T* dst = contiguous_data<T>(out);
    if constexpr (!std::is_same_v<T, bool>) {
      if (out.numel() == 1) {
        dst[0] = detail::sum_contiguous(in, t.numel());
        return;
      }
      // The two common reductions, threaded without changing any element's order of addition:
      // over leading rows (a bias gradient: [R, C] -> [C]) by column ranges, and over trailing
      // columns ([R, C] -> [R, 1]) by row ranges.
      const std::int64_t kept = out.numel(), total = t.numel();
      if (kept > 0 && summed_leading_rows(shape, t.shape())) {
        const std::int64_t rows = total / kept;
        std::fill_n(dst, kept, T(0));
        parallel_for(0, kept, std::max<std::int64_t>(64, detail::kElementwiseGrain / std::max<std::int64_t>(rows, 1)),
                     [&](std::int64_t first, std::int64_t last) {
                       for (std::int64_t r = 0; r < rows; ++r)
                         for (std::int64_t j = first; j < last; ++j) dst[j] += in[r * kept + j];
                     });
        return;
      }
      if (kept > 0 && summed_trailing_columns(shape, t.shape())) {
        const std::int64_t columns = total / kept;
        parallel_for(0, kept, std::max<std::int64_t>(1, detail::kElementwiseGrain / std::max<std::int64_t>(columns, 1)),
                     [&](std::int64_t first, std::int64_t last) {
                       for (std::int64_t r = first; r < last; ++r) dst[r] = detail::sum_contiguous(in + r * columns, columns);
                     });
        return;
      }
      // Per kept value (a channel), its rows of `inner` values in order, added in double; channels
      // in parallel. (The general loop below added each row into a T one channel at a time.)
      if (const auto split = summed_outer_and_inner(shape, t.shape()); kept > 0 && split) {
        const std::int64_t outer = split->outer, channels = split->kept, inner = split->inner;  // (clang 14 cannot capture bindings)
        parallel_for(0, channels, std::max<std::int64_t>(1, detail::kElementwiseGrain / std::max<std::int64_t>(outer * inner, 1)),
                     [&](std::int64_t first, std::int64_t last) {
                       for (std::int64_t k = first; k < last; ++k) {
                         double total = 0;
                         for (std::int64_t r = 0; r < outer; ++r)
                           total += static_cast<double>(detail::sum_contiguous(in + (r * channels + k) * inner, inner));
                         dst[k] = static_cast<T>(total);
                       }
                     });
        return;
      }
    }
    std::vector<Acc> acc(static_cast<std::size_t>(out.numel()), Acc{});
    const auto s_in = detail::broadcast_strides(t.shape(), t.shape());
    const auto s_out = detail::broadcast_strides(shape, t.shape());
    detail::for_each_row(t.shape(), s_in, s_out,
                         [&](std::int64_t i, std::int64_t, std::int64_t, std::int64_t o, std::int64_t o_step,
                             std::int64_t n) {
                           if (o_step == 0) {  // a whole row folds into one output
                             if constexpr (std::is_same_v<T, bool>) {
                               for (std::int64_t j = 0; j < n; ++j) acc[o] += in[i + j];
                             } else {
                               acc[o] += detail::sum_contiguous(in + i, n);
                             }
                           } else {
                             for (std::int64_t j = 0; j < n; ++j) acc[o + j] += in[i + j];
                           }
                         });
    for (std::size_t k = 0; k < acc.size(); ++k) dst[k] = static_cast<T>(acc[k]);
  });
  if (should_record({&t}))
    record(rule_for(kCoreRules, "SumToBackward0"), out, {&t}, CoreSaved{.in_shape = t.shape()});
  return out;
}

Tensor expand(const Tensor& t, const Shape& requested) {
  // -1 keeps that dimension's size (as torch); it has no meaning for a new leading dimension.
  Shape shape = requested;
  const auto lead = static_cast<std::int64_t>(shape.size()) - t.dim();
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape.size()); ++i) {
    if (shape[i] != -1) continue;
    if (i < lead)
      throw Error(fmt::format("expand: size -1 is not allowed in the new leading dimension {} of shape {} "
                              "(expanding a tensor of shape {})",
                              i, shape_str(requested), shape_str(t.shape())));
    shape[i] = t.shape()[i - lead];
  }
  if (t.shape() == shape) return t;
  if (!is_expandable_to(t.shape(), shape))
    throw Error(fmt::format("expand: a tensor of shape {} cannot be expanded to shape {}", shape_str(t.shape()),
                            shape_str(shape)));
  std::int64_t count = 1;
  if (std::find(shape.begin(), shape.end(), 0) == shape.end())
    for (auto d : shape)
      if (__builtin_mul_overflow(count, d, &count))
        throw Error(fmt::format("expand: shape {} has more elements than an int64 can count (expanding a tensor of "
                                "shape {})",
                                shape_str(shape), shape_str(t.shape())));
  // A view: the broadcast dimensions get stride 0, the new leading ones too.
  const TensorImpl& src = *t.impl();
  const Strides src_strides = src.strides();
  Strides strides(shape.size(), 0);
  for (std::size_t i = 0; i < src.shape.size(); ++i) {
    const std::size_t o = i + (shape.size() - src.shape.size());
    strides[o] = src.shape[i] == 1 && shape[o] != 1 ? 0 : src_strides[i];
  }
  Tensor out = make_view_of(t, shape, strides, src.storage_offset);
  if (should_record({&t}))
    record(rule_for(kCoreRules, "ExpandBackward0"), out, {&t}, CoreSaved{.in_shape = t.shape()});
  return out;
}

namespace {

// Element by element with a C++ conversion (float <-> int64 <-> bool).
Tensor plain_convert(const Tensor& t, Dtype target) {
  Tensor out = make_tensor(t.shape(), target);
  dispatch(t.dtype(), [&](auto from_tag) {
    using From = decltype(from_tag);
    const From* in = contiguous_data<From>(t);
    dispatch(target, [&](auto to_tag) {
      using To = decltype(to_tag);
      To* dst = contiguous_data<To>(out);
      for (std::int64_t i = 0, n_ = t.numel(); i < n_; ++i) dst[i] = static_cast<To>(in[i]);
    });
  });
  return out;
}

// bfloat16 converts through float32, the one type it has fast conversions with.
Tensor bfloat16_convert(const Tensor& t, Dtype target) {
  if (t.dtype() == kBFloat16) {
    Tensor wide = make_tensor(t.shape(), kFloat32);
    detail::bfloat16_to_float(contiguous_data<BFloat16>(t), contiguous_data<float>(wide), t.numel());
    return target == kFloat32 ? wide : plain_convert(wide, target);
  }
  const Tensor wide = t.dtype() == kFloat32 ? t : plain_convert(t, kFloat32);
  Tensor out = make_tensor(t.shape(), kBFloat16);
  detail::float_to_bfloat16(contiguous_data<float>(wide), contiguous_data<BFloat16>(out), t.numel());
  return out;
}

}  // namespace

Tensor Tensor::to(Dtype target) const {
  if (dtype() == target) return *this;
  const Tensor values = dense(*this);
  Tensor out = dtype() == kBFloat16 || target == kBFloat16 ? bfloat16_convert(values, target)
                                                           : plain_convert(values, target);
  if (xgrad::is_floating_point(target) && should_record({this}))
    record(rule_for(kCoreRules, "ToCopyBackward0"), out, {this}, CoreSaved{.from = dtype()});
  return out;
}

Tensor dense_copy(const Tensor& t) {
  const TensorImpl& src = *t.impl();
  Tensor out = make_tensor(src.shape, src.dtype, "clone");
  detail::copy_strided(element_size(src.dtype), src.shape, src.first_element(),
                       src.strides(), out.impl()->storage->data, out.impl()->strides());
  return out;
}

Tensor dense(const Tensor& t) { return t.impl()->contiguous ? t : dense_copy(t); }

Tensor Tensor::clone() const {
  if (!defined()) throw Error("clone: the tensor is undefined");
  Tensor out = dense_copy(*this);
  if (should_record({this})) record(rule_for(kCoreRules, "CloneBackward0"), out, {this}, CoreSaved{});
  return out;
}

Tensor Tensor::contiguous() const {
  if (!defined()) throw Error("contiguous: the tensor is undefined");
  return impl()->contiguous ? *this : clone();
}

namespace detail {
Tensor add_same_shape(const Tensor& a, const Tensor& b) {
  Tensor out = make_tensor(a.shape(), a.dtype());
  const Tensor da = dense(a), db = dense(b);
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = contiguous_data<T>(da);
    const T* y = contiguous_data<T>(db);
    T* dst = contiguous_data<T>(out);
    for (std::int64_t i = 0, n_ = a.numel(); i < n_; ++i) dst[i] = static_cast<T>(x[i] + y[i]);
  });
  if (should_record({&a, &b})) record(rule_for(kCoreRules, "AccumulateAddBackward0"), out, {&a, &b}, CoreSaved{});
  return out;
}
}  // namespace detail

}  // namespace xgrad
