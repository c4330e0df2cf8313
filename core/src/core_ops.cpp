// sum_to/expand (each the other's backward), dtype casts, clone and gradient accumulation.
#include <fmt/format.h>

#include "xgrad/detail/broadcast_iter.hpp"
#include "xgrad/detail/core_ops.hpp"
#include "xgrad/detail/node.hpp"
#include "xgrad/detail/sum_kernels.hpp"

namespace xgrad {

bool is_expandable_to(const Shape& to, const Shape& from) {
  if (to.size() > from.size()) return false;
  const std::size_t offset = from.size() - to.size();
  for (std::size_t i = 0; i < to.size(); ++i)
    if (to[i] != 1 && to[i] != from[i + offset]) return false;
  return true;
}

Tensor sum_to(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  if (!is_expandable_to(shape, t.shape()))
    throw Error(fmt::format("sum_to: a tensor of shape {} cannot be summed to shape {}", shape_str(t.shape()),
                            shape_str(shape)));
  Tensor out = make_tensor(shape, t.dtype(), "expand");
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<std::is_same_v<T, bool>, std::int64_t, T>;
    const T* in = t.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    if constexpr (!std::is_same_v<T, bool>) {
      if (out.numel() == 1) {
        dst[0] = detail::sum_contiguous(in, t.numel());
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
    record("SumToBackward", out, {&t}, [in_shape = t.shape()](const Tensor& g) { return Grads{expand(g, in_shape)}; });
  return out;
}

Tensor expand(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  if (!is_expandable_to(t.shape(), shape))
    throw Error(fmt::format("expand: a tensor of shape {} cannot be expanded to shape {}", shape_str(t.shape()),
                            shape_str(shape)));
  Tensor out = make_tensor(shape, t.dtype(), "expand");
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = t.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    const auto s_out = detail::broadcast_strides(shape, shape);
    const auto s_in = detail::broadcast_strides(t.shape(), shape);
    detail::for_each_row(shape, s_out, s_in,
                         [&](std::int64_t o, std::int64_t, std::int64_t, std::int64_t i, std::int64_t i_step,
                             std::int64_t n) {
                           if (i_step == 0)
                             std::fill_n(dst + o, n, in[i]);
                           else
                             std::copy_n(in + i, n, dst + o);
                         });
  });
  if (should_record({&t}))
    record("ExpandBackward", out, {&t}, [in_shape = t.shape()](const Tensor& g) { return Grads{sum_to(g, in_shape)}; });
  return out;
}

Tensor Tensor::to(Dtype target) const {
  if (dtype() == target) return *this;
  Tensor out = make_tensor(shape(), target);
  dispatch(dtype(), [&](auto from_tag) {
    using From = decltype(from_tag);
    const From* in = data_ptr<From>();
    dispatch(target, [&](auto to_tag) {
      using To = decltype(to_tag);
      To* dst = out.data_ptr<To>();
      for (std::int64_t i = 0, n_ = numel(); i < n_; ++i) dst[i] = static_cast<To>(in[i]);
    });
  });
  if (xgrad::is_floating_point(target) && should_record({this}))
    record("ToCopyBackward", out, {this}, [from = dtype()](const Tensor& g) { return Grads{g.to(from)}; });
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = make_tensor(shape(), dtype());
  std::memcpy(out.impl()->storage->data, impl()->storage->data, static_cast<std::size_t>(numel()) * element_size(dtype()));
  if (should_record({this})) record("CloneBackward", out, {this}, [](const Tensor& g) { return Grads{g}; });
  return out;
}

namespace detail {
Tensor add_same_shape(const Tensor& a, const Tensor& b) {
  Tensor out = make_tensor(a.shape(), a.dtype());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = a.data_ptr<T>();
    const T* y = b.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    for (std::int64_t i = 0, n_ = a.numel(); i < n_; ++i) dst[i] = static_cast<T>(x[i] + y[i]);
  });
  if (should_record({&a, &b})) record("AddBackward", out, {&a, &b}, [](const Tensor& g) { return Grads{g, g}; });
  return out;
}
}  // namespace detail

}  // namespace xgrad
