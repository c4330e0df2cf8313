#include "xgrad/factories.hpp"

#include <cmath>

#include <fmt/format.h>

#include "xgrad/detail/tensor_impl.hpp"
#include "xgrad/error.hpp"
#include "xgrad/random.hpp"

namespace xgrad {

namespace {
template <class Fill>
Tensor filled(const Shape& shape, Dtype dtype, bool requires_grad, Fill fill) {
  Tensor out = make_tensor(shape, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data_ptr<T>();
    for (std::int64_t i = 0, n_ = out.numel(); i < n_; ++i) p[i] = static_cast<T>(fill(i));
  });
  if (requires_grad) out.requires_grad_(true);
  return out;
}
}  // namespace

Tensor tensor(const std::vector<double>& values, const Shape& shape, Dtype dtype, bool requires_grad) {
  if (static_cast<std::int64_t>(values.size()) != shape_numel(shape))
    throw Error(fmt::format("tensor: {} values do not fill shape {} ({} elements)", values.size(), shape_str(shape),
                            shape_numel(shape)));
  return filled(shape, dtype, requires_grad, [&](std::int64_t i) { return values[i]; });
}

Tensor tensor(const std::vector<std::int64_t>& values, const Shape& shape, Dtype dtype) {
  if (static_cast<std::int64_t>(values.size()) != shape_numel(shape))
    throw Error(fmt::format("tensor: {} values do not fill shape {} ({} elements)", values.size(), shape_str(shape),
                            shape_numel(shape)));
  return filled(shape, dtype, false, [&](std::int64_t i) { return values[i]; });
}

Tensor tensor(std::initializer_list<double> values, const Shape& shape, Dtype dtype, bool requires_grad) {
  return tensor(std::vector<double>(values), shape, dtype, requires_grad);
}

Tensor scalar_tensor(double value, Dtype dtype, bool requires_grad) { return full({}, value, dtype, requires_grad); }
Tensor empty(const Shape& shape, Dtype dtype) { return make_tensor(shape, dtype); }
Tensor zeros(const Shape& shape, Dtype dtype, bool requires_grad) { return full(shape, 0.0, dtype, requires_grad); }
Tensor ones(const Shape& shape, Dtype dtype, bool requires_grad) { return full(shape, 1.0, dtype, requires_grad); }

Tensor full(const Shape& shape, double value, Dtype dtype, bool requires_grad) {
  Tensor out = make_tensor(shape, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    std::fill_n(out.data_ptr<T>(), out.numel(), static_cast<T>(value));
  });
  if (requires_grad) out.requires_grad_(true);
  return out;
}

Tensor arange(double start, double end, double step, Dtype dtype) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(end) || (end - start) / step < 0)
    throw Error(fmt::format("arange: no range from {} to {} with step {}", start, end, step));
  const auto n = static_cast<std::int64_t>(std::ceil((end - start) / step));
  return filled({n}, dtype, false, [&](std::int64_t i) { return start + static_cast<double>(i) * step; });
}
Tensor arange(double end, Dtype dtype) { return arange(0.0, end, 1.0, dtype); }

Tensor linspace(double start, double end, std::int64_t steps, Dtype dtype) {
  if (steps < 0) throw Error(fmt::format("linspace: number of steps must be non-negative, got {}", steps));
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  // Like torch, fill the second half from the end so that the last value is exactly `end`.
  return filled({steps}, dtype, false, [&](std::int64_t i) {
    return i < steps / 2 ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - 1 - i);
  });
}

Tensor rand(const Shape& shape, Dtype dtype, bool requires_grad) {
  return Generator::global().with_engine([&](std::mt19937_64& engine) {
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    return filled(shape, dtype, requires_grad, [&](std::int64_t) { return uniform(engine); });
  });
}

Tensor randn(const Shape& shape, Dtype dtype, bool requires_grad) {
  return Generator::global().with_engine([&](std::mt19937_64& engine) {
    std::normal_distribution<double> normal(0.0, 1.0);
    return filled(shape, dtype, requires_grad, [&](std::int64_t) { return normal(engine); });
  });
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, Dtype dtype) {
  if (high <= low) throw Error(fmt::format("randint: empty range [{}, {})", low, high));
  return Generator::global().with_engine([&](std::mt19937_64& engine) {
    std::uniform_int_distribution<std::int64_t> uniform(low, high - 1);
    return filled(shape, dtype, false, [&](std::int64_t) { return static_cast<double>(uniform(engine)); });
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
