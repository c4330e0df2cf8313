#include "xgrad/data/transforms.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "xgrad/arithmetic.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad::data {

namespace {

// Integer pixels or labels become float32 first: integer division would truncate.
Tensor as_float(const Tensor& t, const char* op) {
  if (!t.defined()) throw Error(fmt::format("{}: the tensor is undefined", op));
  return t.is_floating_point() ? t : t.to(kFloat32);
}

void check_std(const char* op, double std) {
  if (!(std > 0.0)) throw Error(fmt::format("{}: std must be positive, got {}", op, std));
}

}  // namespace

Tensor scale_to_unit(const Tensor& images, double max_value) {
  if (!(max_value > 0.0)) throw Error(fmt::format("scale_to_unit: max_value must be positive, got {}", max_value));
  return as_float(images, "scale_to_unit") / max_value;
}

Tensor normalize(const Tensor& t, double mean, double std) {
  check_std("normalize", std);
  return (as_float(t, "normalize") - mean) / std;
}

Tensor normalize(const Tensor& t_in, const std::vector<double>& mean, const std::vector<double>& std,
                 std::int64_t dim) {
  const Tensor t = as_float(t_in, "normalize");
  dim = wrap_dim("normalize", dim, t.dim());
  const std::int64_t channels = t.size(dim);
  if (static_cast<std::int64_t>(mean.size()) != channels || static_cast<std::int64_t>(std.size()) != channels)
    throw Error(fmt::format("normalize: {} means and {} stds for dimension {} of size {} (shape {})", mean.size(),
                            std.size(), dim, channels, shape_str(t.shape())));
  for (double s : std) check_std("normalize", s);
  // [C] reshaped to [C, 1, ..., 1] so it broadcasts along `dim` only.
  Shape shape(static_cast<std::size_t>(t.dim() - dim), 1);
  shape[0] = channels;
  return (t - tensor(mean, shape, t.dtype())) / tensor(std, shape, t.dtype());
}

Standardizer Standardizer::fit(const Tensor& data_in) {
  const Tensor data = as_float(data_in, "Standardizer::fit");
  if (data.dim() < 1 || data.size(0) == 0)
    throw Error(fmt::format("Standardizer::fit: needs at least one sample along dim 0, got shape {}",
                            shape_str(data.shape())));
  Standardizer s;
  s.mean = xgrad::mean(data, {0}, /*keepdim=*/true);
  Tensor spread = xgrad::std(data, {0}, /*unbiased=*/false, /*keepdim=*/true);
  s.std = where(gt(spread, 0.0), spread, 1.0);  // constant features: centered, not divided by 0
  return s;
}

Tensor Standardizer::operator()(const Tensor& data_in) const {
  if (!mean.defined()) throw Error("Standardizer: not fitted (call Standardizer::fit first)");
  const Tensor data = as_float(data_in, "Standardizer");
  if (data.dim() != mean.dim() || !std::equal(data.shape().begin() + 1, data.shape().end(), mean.shape().begin() + 1))
    throw Error(fmt::format("Standardizer: fitted on samples of shape {}, got data of shape {}",
                            shape_str(Shape(mean.shape().begin() + 1, mean.shape().end())), shape_str(data.shape())));
  return (data - mean.to(data.dtype())) / std.to(data.dtype());
}

}  // namespace xgrad::data
