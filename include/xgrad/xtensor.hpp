// xtensor interop: copy any xtensor expression into a Tensor, and view a Tensor's storage as an
// xtensor array without copying. Kept out of <xgrad/xgrad.hpp> so that files that do not use
// xtensor do not pay for its headers.
//
//   xt::xarray<double> a = xt::linspace<double>(0, 1, 5);
//   xg::Tensor t = xg::from_xtensor(a * 2.0);        // a copy, float64, shape [5]
//   auto v = xg::as_xtensor<double>(t);               // zero-copy; v(1) = 7 writes into t
//   auto r = xg::as_xtensor<const double>(t);         // read-only view
//   auto shared = std::make_shared<xt::xarray<double>>(std::move(a));
//   xg::Tensor u = xg::from_xtensor_view(shared);     // zero-copy the other way: u aliases *shared
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xexpression.hpp>

#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad {

namespace detail {
// A tensor over memory it does not own; `owner` is kept alive as long as the storage is.
Tensor borrow_buffer(void* data, const Shape& shape, Dtype dtype, std::shared_ptr<void> owner);

// The dtype a C++ value type is stored as: float -> float32, double -> float64, other integers ->
// int64, bool -> bool.
template <class T>
constexpr Dtype dtype_for() {
  if constexpr (std::is_same_v<T, bool>) return kBool;
  else if constexpr (std::is_same_v<T, float>) return kFloat32;
  else if constexpr (std::is_floating_point_v<T>) return kFloat64;
  else {
    static_assert(std::is_integral_v<T>, "from_xtensor: value type must be arithmetic");
    return kInt64;
  }
}
template <class T>
using storage_type = std::conditional_t<
    std::is_same_v<T, bool>, bool,
    std::conditional_t<std::is_same_v<T, float>, float,
                       std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>>>;
}  // namespace detail

// A zero-copy xtensor adaptor over t's (contiguous, row-major) storage with t's shape. T must be
// the storage type of t's dtype (float for float32, double for float64, std::int64_t for int64,
// bool for bool), optionally const; another T throws xgrad::Error. The adaptor keeps the storage
// alive. A mutable adaptor counts as an in-place change of t when it is made (t's version is bumped
// once, so graphs that saved t before refuse to back-propagate); writes made through it later are
// not tracked, so do not write through it while a graph that saved t is still to be run.
template <class T>
auto as_xtensor(const Tensor& t) {
  using Value = std::remove_const_t<T>;
  if (!t.defined()) throw Error("as_xtensor: the tensor is undefined");
  if (t.dtype() != detail::dtype_for<Value>() || !std::is_same_v<detail::storage_type<Value>, Value>)
    throw Error(fmt::format("as_xtensor: a tensor of dtype {} and shape {} cannot be viewed with this value type; "
                            "use the one of its dtype (float, double, std::int64_t or bool)",
                            dtype_name(t.dtype()), shape_str(t.shape())));
  if constexpr (!std::is_const_v<T>) t.bump_version();
  std::vector<std::size_t> shape(t.shape().begin(), t.shape().end());
  // The tensor's shared impl rides along as the adaptor's owner: the storage outlives every copy of it.
  return xt::adapt_smart_ptr(static_cast<T*>(t.template data_ptr<Value>()), shape, t.impl_ptr());
}

// A new tensor holding a copy of the expression's values (evaluated once), with its shape; the
// dtype follows the value type as detail::dtype_for says.
template <class E>
Tensor from_xtensor(const xt::xexpression<E>& expression) {
  using Value = std::decay_t<typename E::value_type>;
  using Stored = detail::storage_type<Value>;
  const auto& e = expression.derived_cast();
  Shape shape(e.shape().begin(), e.shape().end());
  Tensor out = zeros(shape, detail::dtype_for<Value>());
  const std::vector<std::size_t> dims(e.shape().begin(), e.shape().end());
  auto dst = xt::adapt(out.data_ptr<Stored>(), static_cast<std::size_t>(out.numel()), xt::no_ownership(), dims);
  dst = xt::cast<Stored>(e);
  return out;
}

// A tensor sharing the buffer of a row-major xtensor container held by a shared_ptr (no copy; move
// an existing xt::xarray into std::make_shared to keep its buffer). The value type must be a storage
// type (float, double, std::int64_t, bool). The tensor and every view of it keep the container alive.
// Writes either way are visible on both sides; writes through the container do not bump the tensor's
// version, and resizing the container reallocates its buffer away from the tensor, so do neither while
// the tensor is in use.
template <class C>
Tensor from_xtensor_view(std::shared_ptr<C> container) {
  using Value = typename C::value_type;
  static_assert(std::is_same_v<detail::storage_type<Value>, Value>,
                "from_xtensor_view: the value type must be float, double, std::int64_t or bool");
  if (!container) throw Error("from_xtensor_view: the container is null");
  if (container->layout() != xt::layout_type::row_major)
    throw Error("from_xtensor_view: the container must be row-major (xgrad tensors are)");
  const Shape shape(container->shape().begin(), container->shape().end());
  Value* data = container->data();
  return detail::borrow_buffer(data, shape, detail::dtype_for<Value>(), std::move(container));
}

}  // namespace xgrad
