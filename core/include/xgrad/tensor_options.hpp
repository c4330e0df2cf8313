// TensorOptions (dtype, device, requires_grad in one value) and the factories that take it, with
// libtorch's names: zeros({2, 3}, xg::dtype(xg::kFloat64).requires_grad(true)), randn(3), ones(n, opts).
// xgrad's own factories (factories.hpp) take a trailing dtype and flag; these sit beside them.
#pragma once
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>

#include "xgrad/device.hpp"
#include "xgrad/dtype.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad {

// libtorch's short dtype names.
inline constexpr Dtype kFloat = kFloat32;
inline constexpr Dtype kDouble = kFloat64;
inline constexpr Dtype kLong = kInt64;
inline constexpr Dtype kF32 = kFloat32;
inline constexpr Dtype kF64 = kFloat64;
inline constexpr Dtype kI64 = kInt64;

class TensorOptions {
 public:
  TensorOptions() = default;
  // Implicit, as libtorch's: a factory taking TensorOptions also takes a bare dtype or device.
  TensorOptions(Dtype dtype) : dtype_(dtype) {}
  TensorOptions(Device device) : device_(device) {}
  TensorOptions(DeviceType type) : device_(type) {}

  // Each returns a copy with one field set, so calls chain: dtype(kFloat64).requires_grad(true).
  TensorOptions dtype(Dtype dtype) const;
  TensorOptions device(Device device) const;
  TensorOptions requires_grad(bool requires_grad) const;

  Dtype dtype() const { return dtype_.value_or(kFloat32); }
  Device device() const { return device_; }
  bool requires_grad() const { return requires_grad_; }
  bool has_dtype() const { return dtype_.has_value(); }

 private:
  std::optional<Dtype> dtype_;
  Device device_ = Device(kCPU);
  bool requires_grad_ = false;
};

// The starting points of a chain, as libtorch's free functions.
inline TensorOptions dtype(Dtype dtype) { return TensorOptions().dtype(dtype); }
inline TensorOptions device(Device device) { return TensorOptions().device(device); }
inline TensorOptions requires_grad(bool requires_grad = true) { return TensorOptions().requires_grad(requires_grad); }

// Factories taking TensorOptions (a CUDA device throws). The shape may be a single integer, as
// libtorch's IntArrayRef accepts one: zeros(3) is zeros({3}).
Tensor empty(const Shape& shape, const TensorOptions& options);
Tensor zeros(const Shape& shape, const TensorOptions& options);
Tensor ones(const Shape& shape, const TensorOptions& options);
Tensor full(const Shape& shape, double value, const TensorOptions& options);
Tensor rand(const Shape& shape, const TensorOptions& options);
Tensor randn(const Shape& shape, const TensorOptions& options);
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, const TensorOptions& options);
Tensor arange(double start, double end, double step, const TensorOptions& options);
Tensor arange(double end, const TensorOptions& options);
Tensor linspace(double start, double end, std::int64_t steps, const TensorOptions& options);
Tensor zeros_like(const Tensor& t, const TensorOptions& options);
Tensor ones_like(const Tensor& t, const TensorOptions& options);

// Templates, so that a braced list (zeros({}) is 0-d, zeros({3}) is [3]) never lands here.
template <std::integral I>
Tensor empty(I size, const TensorOptions& options = {}) {
  return empty(Shape{static_cast<std::int64_t>(size)}, options);
}
template <std::integral I>
Tensor zeros(I size, const TensorOptions& options = {}) {
  return zeros(Shape{static_cast<std::int64_t>(size)}, options);
}
template <std::integral I>
Tensor ones(I size, const TensorOptions& options = {}) {
  return ones(Shape{static_cast<std::int64_t>(size)}, options);
}
template <std::integral I>
Tensor full(I size, double value, const TensorOptions& options = {}) {
  return full(Shape{static_cast<std::int64_t>(size)}, value, options);
}
template <std::integral I>
Tensor rand(I size, const TensorOptions& options = {}) {
  return rand(Shape{static_cast<std::int64_t>(size)}, options);
}
template <std::integral I>
Tensor randn(I size, const TensorOptions& options = {}) {
  return randn(Shape{static_cast<std::int64_t>(size)}, options);
}

// torch::tensor of a flat list: shape [n]; doubles default to float32, integers to int64, as torch.
Tensor tensor(std::initializer_list<double> values, const TensorOptions& options = {});
Tensor tensor(std::initializer_list<int> values, const TensorOptions& options = {});
Tensor tensor(double value, const TensorOptions& options = {});  // 0-d

}  // namespace xgrad
