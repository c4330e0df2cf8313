#include "xgrad/factories.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include <fmt/format.h>

#include "xgrad/detail/tensor_impl.hpp"
#include "xgrad/error.hpp"
#include "xgrad/random.hpp"

namespace xgrad {

namespace {

// `value` as an element of type T. A NaN, an infinity or a value out of int64's range has no int64
// (the cast would be undefined behaviour): refuse it, as torch does ("cannot be converted to type
// int64_t without overflow"). Floats round, bools test for non-zero, as static_cast does.
template <class T>
T element(const char* op, double value) {
  if constexpr (std::is_same_v<T, std::int64_t>) {
    if (!(value >= -0x1p63 && value < 0x1p63))
      throw Error(fmt::format("{}: value {} cannot be converted to int64 without overflow", op, value));
  }
  return static_cast<T>(value);
}

template <class Fill>
Tensor filled(const char* op, const Shape& shape, Dtype dtype, bool requires_grad, Fill fill) {
  Tensor out = make_tensor(shape, dtype, op);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = contiguous_data<T>(out);
    for (std::int64_t i = 0, n_ = out.numel(); i < n_; ++i) p[i] = element<T>(op, fill(i));
  });
  if (requires_grad) out.requires_grad_(true);
  return out;
}

// rand and randn draw real numbers: an integer or bool tensor of them would be all zeros (or all
// true), so refuse those dtypes as torch does.
void check_floating(const char* op, Dtype dtype) {
  if (!is_floating_point(dtype))
    throw Error(fmt::format("{}: dtype {} is not supported; {} draws floating-point values (use float32 or float64, "
                            "or randint for integers)",
                            op, dtype_name(dtype), op));
}

}  // namespace

Tensor tensor(const std::vector<double>& values, const Shape& shape, Dtype dtype, bool requires_grad) {
  if (static_cast<std::int64_t>(values.size()) != shape_numel(shape))
    throw Error(fmt::format("tensor: {} values do not fill shape {} ({} elements)", values.size(), shape_str(shape),
                            shape_numel(shape)));
  return filled("tensor", shape, dtype, requires_grad, [&](std::int64_t i) { return values[i]; });
}

Tensor tensor(const std::vector<std::int64_t>& values, const Shape& shape, Dtype dtype) {
  if (static_cast<std::int64_t>(values.size()) != shape_numel(shape))
    throw Error(fmt::format("tensor: {} values do not fill shape {} ({} elements)", values.size(), shape_str(shape),
                            shape_numel(shape)));
  // Copied without a detour through double, which would round integers above 2^53.
  Tensor out = make_tensor(shape, dtype, "tensor");
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    std::transform(values.begin(), values.end(), contiguous_data<T>(out), [](std::int64_t v) { return static_cast<T>(v); });
  });
  return out;
}

Tensor tensor(std::initializer_list<double> values, const Shape& shape, Dtype dtype, bool requires_grad) {
  return tensor(std::vector<double>(values), shape, dtype, requires_grad);
}

Tensor scalar_tensor(double value, Dtype dtype, bool requires_grad) { return full({}, value, dtype, requires_grad); }
Tensor empty(const Shape& shape, Dtype dtype) { return make_tensor(shape, dtype, "empty"); }

namespace {
Tensor full_named(const char* op, const Shape& shape, double value, Dtype dtype, bool requires_grad) {
  Tensor out = make_tensor(shape, dtype, op);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    std::fill_n(contiguous_data<T>(out), out.numel(), element<T>(op, value));
  });
  if (requires_grad) out.requires_grad_(true);
  return out;
}
}  // namespace

Tensor zeros(const Shape& shape, Dtype dtype, bool requires_grad) {
  return full_named("zeros", shape, 0.0, dtype, requires_grad);
}
Tensor ones(const Shape& shape, Dtype dtype, bool requires_grad) {
  return full_named("ones", shape, 1.0, dtype, requires_grad);
}

Tensor full(const Shape& shape, double value, Dtype dtype, bool requires_grad) {
  return full_named("full", shape, value, dtype, requires_grad);
}

Tensor arange(double start, double end, double step, Dtype dtype) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(end) || (end - start) / step < 0)
    throw Error(fmt::format("arange: no range from {} to {} with step {}", start, end, step));
  // A count beyond int64 would be an undefined cast; make_tensor then reports what it cannot allocate.
  const double count = std::ceil((end - start) / step);
  if (!(count < 0x1p63))
    throw Error(fmt::format("arange: {} elements from {} to {} with step {} are more than an int64 can count", count,
                            start, end, step));
  const auto n = static_cast<std::int64_t>(count);
  return filled("arange", {n}, dtype, false, [&](std::int64_t i) { return start + static_cast<double>(i) * step; });
}
Tensor arange(double end, Dtype dtype) { return arange(0.0, end, 1.0, dtype); }

Tensor linspace(double start, double end, std::int64_t steps, Dtype dtype) {
  if (steps < 0) throw Error(fmt::format("linspace: number of steps must be non-negative, got {}", steps));
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  // Like torch, fill the second half from the end so that the last value is exactly `end`; a single
  // step is `start` (as torch), not `end`.
  return filled("linspace", {steps}, dtype, false, [&](std::int64_t i) {
    return steps == 1 || i < steps / 2 ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - 1 - i);
  });
}

Tensor rand(const Shape& shape, Dtype dtype, bool requires_grad) {
  check_floating("rand", dtype);
  return Generator::global().with_engine([&](std::mt19937_64& engine) {
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    return filled("rand", shape, dtype, requires_grad, [&](std::int64_t) { return uniform(engine); });
  });
}

Tensor randn(const Shape& shape, Dtype dtype, bool requires_grad) {
  check_floating("randn", dtype);
  return Generator::global().with_engine([&](std::mt19937_64& engine) {
    std::normal_distribution<double> normal(0.0, 1.0);
    return filled("randn", shape, dtype, requires_grad, [&](std::int64_t) { return normal(engine); });
  });
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, Dtype dtype) {
  if (high <= low) throw Error(fmt::format("randint: empty range [{}, {})", low, high));
  return Generator::global().with_engine([&](std::mt19937_64& engine) {
    std::uniform_int_distribution<std::int64_t> uniform(low, high - 1);
    return filled("randint", shape, dtype, false, [&](std::int64_t) { return static_cast<double>(uniform(engine)); });
  });
}

Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor zeros_like(const Tensor& t, Dtype dtype) { return zeros(t.shape(), dtype); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t, Dtype dtype) { return ones(t.shape(), dtype); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, t.dtype()); }

Generator& Generator::global() {
  static Generator generator;
  return generator;
}
void Generator::seed(std::uint64_t seed) {
  std::lock_guard<std::mutex> lock(mutex_);
  engine_.seed(seed);
}
void manual_seed(std::uint64_t seed) { Generator::global().seed(seed); }

}  // namespace xgrad
