// Functions that make new tensors, with torch's names and a trailing dtype (default float32).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {

Tensor tensor(const std::vector<double>& values, const Shape& shape, Dtype dtype = kFloat32,
              bool requires_grad = false);
Tensor tensor(const std::vector<std::int64_t>& values, const Shape& shape, Dtype dtype = kInt64);
// Braced lists ({1.0, 2.0} or {1, 2}) land here, so they never find the two vector forms ambiguous.
Tensor tensor(std::initializer_list<double> values, const Shape& shape, Dtype dtype = kFloat32,
              bool requires_grad = false);
Tensor scalar_tensor(double value, Dtype dtype = kFloat32, bool requires_grad = false);  // 0-d
Tensor empty(const Shape& shape, Dtype dtype = kFloat32);
Tensor zeros(const Shape& shape, Dtype dtype = kFloat32, bool requires_grad = false);
Tensor ones(const Shape& shape, Dtype dtype = kFloat32, bool requires_grad = false);
Tensor full(const Shape& shape, double value, Dtype dtype = kFloat32, bool requires_grad = false);
Tensor arange(double start, double end, double step = 1.0, Dtype dtype = kFloat32);
Tensor arange(double end, Dtype dtype = kFloat32);
Tensor linspace(double start, double end, std::int64_t steps, Dtype dtype = kFloat32);
Tensor rand(const Shape& shape, Dtype dtype = kFloat32, bool requires_grad = false);
Tensor randn(const Shape& shape, Dtype dtype = kFloat32, bool requires_grad = false);
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, Dtype dtype = kInt64);
Tensor zeros_like(const Tensor& t);
Tensor zeros_like(const Tensor& t, Dtype dtype);
Tensor ones_like(const Tensor& t);
Tensor ones_like(const Tensor& t, Dtype dtype);
Tensor full_like(const Tensor& t, double value);

// Seeds the global generator behind rand, randn, randint, dropout and init.
void manual_seed(std::uint64_t seed);

}  // namespace xgrad
