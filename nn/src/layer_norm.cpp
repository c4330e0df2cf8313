// layer_norm and group_norm: normalization over trailing dimensions / channel groups as
// compositions of differentiable ops (mean, subtraction, rsqrt), so every order of derivative works.
#include <fmt/format.h>

#include "xgrad/arithmetic.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/nn/init.hpp"
#include "xgrad/nn/normalization.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad::nn {

namespace {

// (x − mean) / √(var + eps) over the trailing `count` dimensions, biased variance.
Tensor normalize_trailing(const Tensor& x, std::int64_t count, double eps) {
  Dims dims;
  for (std::int64_t d = x.dim() - count; d < x.dim(); ++d) dims.push_back(d);
  const Tensor centered = x - mean(x, dims, true);
  return centered * rsqrt(mean(centered * centered, dims, true) + eps);
}

void check_affine(const char* op, const char* what, const Tensor& t, const Shape& want, const Tensor& x) {
  if (t.defined() && t.shape() != want)
    throw Error(fmt::format("{}: {} must have shape {} for input of shape {}, got {}", op, what, shape_str(want),
                            shape_str(x.shape()), shape_str(t.shape())));
}

}  // namespace

namespace functional {

Tensor layer_norm(const Tensor& x, const LayerNormFuncOptions& o) {
  const Shape& shape = o.normalized_shape();
  const auto k = static_cast<std::int64_t>(shape.size());
  bool matches = k >= 1 && k <= x.dim();
  for (std::int64_t i = 0; matches && i < k; ++i) matches = x.size(x.dim() - k + i) == shape[static_cast<std::size_t>(i)];
  if (!matches)
    throw Error(fmt::format("layer_norm: normalized_shape {} is not the trailing shape of input {}", shape_str(shape),
                            shape_str(x.shape())));
  if (!x.is_floating_point())
    throw Error(fmt::format("layer_norm: input must be floating point, got {}", dtype_name(x.dtype())));
  check_affine("layer_norm", "weight", o.weight(), shape, x);
  check_affine("layer_norm", "bias", o.bias(), shape, x);
  Tensor y = normalize_trailing(x, k, o.eps());
  if (o.weight().defined()) y = y * o.weight();
  if (o.bias().defined()) y = y + o.bias();
  return y;
}

Tensor group_norm(const Tensor& x, const GroupNormFuncOptions& o) {
  const std::int64_t groups = o.num_groups();
  if (x.dim() < 2)
    throw Error(fmt::format("group_norm: expected an input [N, C, *] of 2 or more dimensions, got shape {}",
                            shape_str(x.shape())));
  if (groups < 1 || x.size(1) % groups != 0)
    throw Error(fmt::format("group_norm: {} channels of input {} cannot be split into {} groups", x.size(1),
                            shape_str(x.shape()), groups));
  if (!x.is_floating_point())
    throw Error(fmt::format("group_norm: input must be floating point, got {}", dtype_name(x.dtype())));
  check_affine("group_norm", "weight", o.weight(), {x.size(1)}, x);
  check_affine("group_norm", "bias", o.bias(), {x.size(1)}, x);
  Tensor y = reshape(normalize_trailing(reshape(x, {x.size(0), groups, -1}), 1, o.eps()), x.shape());
  Shape channel(static_cast<std::size_t>(x.dim()), 1);
  channel[1] = x.size(1);
  if (o.weight().defined()) y = y * reshape(o.weight(), channel);
  if (o.bias().defined()) y = y + reshape(o.bias(), channel);
  return y;
}

}  // namespace functional

LayerNormImpl::LayerNormImpl(const LayerNormOptions& o, Dtype dtype) : options(o) {
  for (std::int64_t s : o.normalized_shape())
    if (s < 1) throw Error(fmt::format("LayerNorm: normalized_shape {} must be positive", shape_str(o.normalized_shape())));
  if (o.normalized_shape().empty()) throw Error("LayerNorm: normalized_shape must not be empty");
  if (o.elementwise_affine()) {
    weight = register_parameter("weight", ones(o.normalized_shape(), dtype));
    bias = register_parameter("bias", zeros(o.normalized_shape(), dtype));
  }
}
void LayerNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight), init::zeros_(bias);
}
Tensor LayerNormImpl::forward(const Tensor& x) const {
  return functional::layer_norm(x, LayerNormFuncOptions(options.normalized_shape()).weight(weight).bias(bias).eps(options.eps()));
}
std::string LayerNormImpl::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}", shape_str(options.normalized_shape()), options.eps(),
                     options.elementwise_affine() ? "True" : "False");
}

GroupNormImpl::GroupNormImpl(const GroupNormOptions& o, Dtype dtype) : options(o) {
  if (o.num_groups() < 1 || o.num_channels() < 1 || o.num_channels() % o.num_groups() != 0)
    throw Error(fmt::format("GroupNorm: num_channels {} must be a positive multiple of num_groups {}", o.num_channels(),
                            o.num_groups()));
  if (o.affine()) {
    weight = register_parameter("weight", ones({o.num_channels()}, dtype));
    bias = register_parameter("bias", zeros({o.num_channels()}, dtype));
  }
}
void GroupNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight), init::zeros_(bias);
}
Tensor GroupNormImpl::forward(const Tensor& x) const {
  return functional::group_norm(x, GroupNormFuncOptions(options.num_groups()).weight(weight).bias(bias).eps(options.eps()));
}
std::string GroupNormImpl::extra_repr() const {
  return fmt::format("{}, {}, eps={}, affine={}", options.num_groups(), options.num_channels(), options.eps(),
                     options.affine() ? "True" : "False");
}

}  // namespace xgrad::nn
