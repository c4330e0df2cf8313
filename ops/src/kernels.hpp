// Raw forward kernels shared by the op files: typed loops over contiguous buffers, with broadcasting.
// Ops call these and then record their backward; nothing here records anything.
#pragma once
#include <algorithm>
#include <cstdint>
#include <fmt/format.h>

#include "xgrad/detail/broadcast_iter.hpp"
#include "xgrad/detail/node.hpp"
#include "xgrad/detail/parallel.hpp"

namespace xgrad::kernels {

// The dtype elementwise math computes in: floating dtypes stay, integers and bools become float32.
inline Dtype floating_dtype(Dtype dtype) { return is_floating_point(dtype) ? dtype : kFloat32; }

// out[i] = f(x[i]) with x converted to `dtype` first; f gets and returns T.
template <class F>
Tensor map_floating(const Tensor& x_in, F f) {
  const Dtype dtype = floating_dtype(x_in.dtype());
  const Tensor x = dense(x_in.dtype() == dtype ? x_in : x_in.detach().to(dtype));
  Tensor out = make_tensor(x.shape(), dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* __restrict in = contiguous_data<T>(x);
      T* __restrict dst = contiguous_data<T>(out);
      parallel_for(0, x.numel(), detail::kElementwiseGrain, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) dst[i] = f(in[i]);
      });
    }
  });
  return out;
}

// out[i] = f(x[i]) over an int64 tensor, result int64 (ops that keep integers integral, as torch's abs).
template <class F>
Tensor map_int64(const Tensor& x_in, F f) {
  const Tensor x = dense(x_in);
  Tensor out = make_tensor(x.shape(), kInt64);
  const std::int64_t* in = contiguous_data<std::int64_t>(x);
  std::int64_t* dst = contiguous_data<std::int64_t>(out);
  for (std::int64_t i = 0, n = x.numel(); i < n; ++i) dst[i] = f(in[i]);
  return out;
}

// True when `inner` (leading 1s dropped) equals the trailing dimensions of `outer`: a tensor of shape
// `inner` broadcast to `outer` is one contiguous block repeated (a bias row added to every row).
inline bool is_trailing_block(const Shape& inner, const Shape& outer) {
  std::size_t first = 0;
  while (first < inner.size() && inner[first] == 1) ++first;
  const std::size_t len = inner.size() - first;
  if (len == 0 || len > outer.size()) return false;
  for (std::size_t i = 0; i < len; ++i)
    if (inner[first + i] != outer[outer.size() - len + i]) return false;
  return true;
}

// The strides an operand of any layout is read with when broadcast to `out`: its own strides, 0 on
// the dimensions it is broadcast along (size 1 or missing). A transposed or expanded view is read in
// place, never copied.
inline std::vector<std::int64_t> operand_strides(const Tensor& t, const Shape& out) {
  const TensorImpl& impl = *t.impl();
  if (impl.contiguous) return detail::broadcast_strides(impl.shape, out);
  const Strides own = impl.strides();
  std::vector<std::int64_t> strides(out.size(), 0);
  const std::size_t lead = out.size() - impl.shape.size();
  for (std::size_t i = 0; i < impl.shape.size(); ++i) strides[lead + i] = impl.shape[i] == 1 ? 0 : own[i];
  return strides;
}

// out = f(a, b) broadcast; both operands of dtype T in any layout (strided views are read through
// their strides), out a fresh dense tensor of dtype Out.
template <class T, class Out, class F>
void broadcast_loop(const Tensor& a, const Tensor& b, Tensor& out, F f) {
  // restrict: the output is always a fresh buffer, so the row loops vectorize without alias checks
  const T* __restrict x = a.impl()->template data<T>();
  const T* __restrict y = b.impl()->template data<T>();
  Out* __restrict dst = contiguous_data<Out>(out);
  const std::int64_t n = out.numel();
  constexpr std::int64_t grain = detail::kElementwiseGrain;
  const bool a_dense = a.is_contiguous(), b_dense = b.is_contiguous();
  if (a_dense && b_dense && a.numel() == n && b.numel() == n) {  // same shape: one flat loop
    parallel_for(0, n, grain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) dst[i] = f(x[i], y[i]);
    });
    return;
  }
  if (b.numel() == 1 && a_dense && a.numel() == n) {
    const T s = y[0];
    parallel_for(0, n, grain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) dst[i] = f(x[i], s);
    });
    return;
  }
  if (a.numel() == 1 && b_dense && b.numel() == n) {
    const T s = x[0];
    parallel_for(0, n, grain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) dst[i] = f(s, y[i]);
    });
    return;
  }
  const Shape& shape = out.shape();
  if (a_dense && b_dense && a.numel() == n && b.numel() > 0 && is_trailing_block(b.shape(), shape)) {  // x + bias rows
    const std::int64_t m = b.numel();
    parallel_for(0, n / m, std::max<std::int64_t>(1, grain / m), [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t r = first; r < last; ++r)
        for (std::int64_t k = 0; k < m; ++k) dst[r * m + k] = f(x[r * m + k], y[k]);
    });
    return;
  }
  const auto sa = operand_strides(a, shape);
  const auto sb = operand_strides(b, shape);
  const std::int64_t rows = detail::row_count(shape), row_length = shape.empty() ? 1 : shape.back();
  parallel_for(0, rows, std::max<std::int64_t>(1, grain / std::max<std::int64_t>(row_length, 1)),
               [&](std::int64_t first, std::int64_t last) {
  detail::for_each_row_range(shape, sa, sb, first, last,
                       [&](std::int64_t o, std::int64_t i, std::int64_t si, std::int64_t j, std::int64_t sj,
                           std::int64_t len) {
                         if (si == 1 && sj == 1)
                           for (std::int64_t k = 0; k < len; ++k) dst[o + k] = f(x[i + k], y[j + k]);
                         else if (si == 1 && sj == 0)
                           for (std::int64_t k = 0; k < len; ++k) dst[o + k] = f(x[i + k], y[j]);
                         else if (si == 0 && sj == 1)
                           for (std::int64_t k = 0; k < len; ++k) dst[o + k] = f(x[i], y[j + k]);
                         else
                           for (std::int64_t k = 0; k < len; ++k) dst[o + k] = f(x[i + k * si], y[j + k * sj]);
                       });
               });
}

// The operand of a broadcast loop in `dtype` without recording, in its own layout (no copy for a view).
inline Tensor cast_strided(const Tensor& t, Dtype dtype) { return t.dtype() == dtype ? t : t.detach().to(dtype); }

// Converts without recording (the op that calls this records its own backward); the result is dense.
inline Tensor cast_raw(const Tensor& t, Dtype dtype) { return t.dtype() == dtype ? dense(t) : t.detach().to(dtype); }

// torch's result_type of two tensors. Categories bool < integer < floating; a 0-d tensor raises a
// dimensioned tensor's dtype only when its category is higher: float32[3] * float64[] is float32,
// int64[3] * float64[] is float64, bool[3] + int64[] is int64.
inline int dtype_category(Dtype d) { return d == kBool ? 0 : is_floating_point(d) ? 2 : 1; }
inline Dtype result_type(const Tensor& a, const Tensor& b) {
  const bool a0 = a.dim() == 0, b0 = b.dim() == 0;
  if (a0 == b0) return promote_types(a.dtype(), b.dtype());
  const Dtype dimensioned = a0 ? b.dtype() : a.dtype(), zero_dim = a0 ? a.dtype() : b.dtype();
  return dtype_category(zero_dim) > dtype_category(dimensioned) ? promote_types(dimensioned, zero_dim) : dimensioned;
}

// Elementwise binary op over the promoted dtype; `floating_only` computes integers in float32 (true division).
template <class F>
Tensor binary_map(const char* op, const Tensor& a_in, const Tensor& b_in, bool floating_only, F f) {
  const Shape shape = a_in.shape() == b_in.shape() ? a_in.shape() : broadcast_shapes(op, a_in.shape(), b_in.shape());
  Dtype dtype = result_type(a_in, b_in);
  if (floating_only) dtype = floating_dtype(dtype);
  // bool op bool stays bool, as torch (True + True is True): computed in int64, nonzero is true
  const bool bools = dtype == kBool;
  if (bools) dtype = kInt64;
  const Tensor a = cast_strided(a_in, dtype), b = cast_strided(b_in, dtype);
  Tensor out = make_tensor(shape, dtype, op);  // a broadcast beyond memory fails naming the op
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) broadcast_loop<T, T>(a, b, out, [&](T x, T y) { return static_cast<T>(f(x, y)); });
  });
  return bools ? out.to(kBool) : out;
}

// Splits `shape` around `dim` into [outer, size, inner] for loops along one dimension.
struct AxisSplit {
  std::int64_t outer = 1, size = 1, inner = 1;
};
inline AxisSplit split_at(const Shape& shape, std::int64_t dim) {
  AxisSplit s;
  for (std::int64_t d = 0; d < static_cast<std::int64_t>(shape.size()); ++d) {
    if (d < dim) s.outer *= shape[d];
    else if (d == dim) s.size = shape[d];
    else s.inner *= shape[d];
  }
  return s;
}

}  // namespace xgrad::kernels
