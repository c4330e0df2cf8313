// batch_norm (training mode: the fused op of ops/src/batch_norm.cpp; eval mode: a composition) and
// dropout2d; the BatchNorm layers own the running statistics and count the batches, as torch.
#include "xgrad/nn/normalization.hpp"

#include <fmt/format.h>

#include "xgrad/arithmetic.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/fused_batch_norm.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/nn/init.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad::nn {

namespace {

// A per-channel vector [C] shaped to broadcast over x [N, C, *]: [1, C, 1, ...].
Tensor per_channel(const Tensor& v, const Tensor& x) {
  Shape shape(static_cast<std::size_t>(x.dim()), 1);
  shape[1] = x.size(1);
  return reshape(v, shape);
}

void check_vector(const char* what, const Tensor& v, const Tensor& x) {
  if (v.defined() && (v.dim() != 1 || v.size(0) != x.size(1)))
    throw Error(fmt::format("batch_norm: {} must have shape [{}] for input of shape {}, got {}", what, x.size(1),
                            shape_str(x.shape()), shape_str(v.shape())));
}

}  // namespace

namespace functional {

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const BatchNormFuncOptions& o) {
  if (x.dim() < 2)
    throw Error(fmt::format("batch_norm: expected an input [N, C, *] of 2 or more dimensions, got shape {}",
                            shape_str(x.shape())));
  if (!x.is_floating_point())
    throw Error(fmt::format("batch_norm: input must be floating point, got {}", dtype_name(x.dtype())));
  check_vector("running_mean", running_mean, x);
  check_vector("running_var", running_var, x);
  check_vector("weight", o.weight(), x);
  check_vector("bias", o.bias(), x);
  Dims reduce_dims{0};
  for (std::int64_t d = 2; d < x.dim(); ++d) reduce_dims.push_back(d);
  const std::int64_t count = x.numel() / std::max<std::int64_t>(x.size(1), 1);

  Tensor y;
  if (o.training()) {
    if (count <= 1)
      throw Error(fmt::format("batch_norm: expected more than 1 value per channel when training, got input of shape {}",
                              shape_str(x.shape())));
    // one fused op (ops/src/batch_norm.cpp): normalized with the batch's statistics, then weight and bias
    const fused::BatchNormTrainResult r = fused::batch_norm_train(x, o.weight(), o.bias(), o.eps());
    if (running_mean.defined() || running_var.defined()) {
      NoGradGuard no_grad;
      const double m = o.momentum();
      Tensor rm = running_mean, rv = running_var;  // handles sharing the caller's storage
      if (rm.defined()) rm.copy_(running_mean * (1.0 - m) + r.mean * m);
      if (rv.defined()) {
        const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
        rv.copy_(running_var * (1.0 - m) + r.var * (m * unbias));
      }
    }
    return r.output;
  } else {
    if (!running_mean.defined() || !running_var.defined())
      throw Error("batch_norm: running_mean and running_var are needed when not training");
    Tensor scale = rsqrt(per_channel(running_var, x) + o.eps());
    if (o.weight().defined()) scale = scale * per_channel(o.weight(), x);
    y = (x - per_channel(running_mean, x)) * scale;
  }
  if (o.bias().defined()) y = y + per_channel(o.bias(), x);
  return y;
}

// Whole channels kept or zeroed: a constant mask of 0 and 1/(1−p) of shape [N, C, 1, 1] (or
// [C, 1, 1] for an unbatched input), so MulBackward0 gives the gradient.
Tensor dropout2d(const Tensor& x, double p, bool training) {
  if (!(p >= 0.0 && p <= 1.0)) throw Error(fmt::format("dropout2d: probability p must be in [0, 1], got {}", p));
  if (x.dim() != 3 && x.dim() != 4)
    throw Error(fmt::format("dropout2d: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got shape {}",
                            shape_str(x.shape())));
  if (!x.is_floating_point())
    throw Error(fmt::format("dropout2d: input must be floating point, got {}", dtype_name(x.dtype())));
  if (!training || p == 0.0) return x;
  if (p == 1.0) return x * 0.0;
  Shape mask_shape = x.shape();
  for (std::size_t d = mask_shape.size() - 2; d < mask_shape.size(); ++d) mask_shape[d] = 1;
  const Tensor mask = lt(rand(mask_shape, x.dtype()), 1.0 - p).to(x.dtype()) * (1.0 / (1.0 - p));
  return x * mask;
}

}  // namespace functional

BatchNormImplBase::BatchNormImplBase(const BatchNormOptions& o, const char* layer, std::int64_t min_dim,
                                     std::int64_t max_dim, Dtype dtype)
    : options(o), layer_(layer), min_dim_(min_dim), max_dim_(max_dim) {
  if (o.num_features() < 1)
    throw Error(fmt::format("{}: num_features must be positive, got {}", layer, o.num_features()));
  if (!is_floating_point(dtype)) throw Error(fmt::format("{}: dtype must be floating point, got {}", layer, dtype_name(dtype)));
  const std::int64_t c = o.num_features();
  if (o.affine()) {
    weight = register_parameter("weight", ones({c}, dtype));
    bias = register_parameter("bias", zeros({c}, dtype));
  }
  if (o.track_running_stats()) {
    running_mean = register_buffer("running_mean", zeros({c}, dtype));
    running_var = register_buffer("running_var", ones({c}, dtype));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

void BatchNormImplBase::reset_running_stats() {
  if (!running_mean.defined()) return;
  running_mean.zero_();
  running_var.fill_(1.0);
  num_batches_tracked.zero_();
}
void BatchNormImplBase::reset_parameters() {
  reset_running_stats();
  if (weight.defined()) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

Tensor BatchNormImplBase::forward(const Tensor& x) {
  if (x.dim() < min_dim_ || x.dim() > max_dim_ || x.size(1) != options.num_features())
    throw Error(fmt::format("{}: expected a {} input with {} channels, got shape {}", layer_,
                            min_dim_ == max_dim_ ? fmt::format("{}-D", min_dim_) : fmt::format("{}-D or {}-D", min_dim_, max_dim_),
                            options.num_features(), shape_str(x.shape())));
  // As torch: batch statistics in training or when there are no running ones.
  const bool use_batch = is_training() || !running_mean.defined();
  if (is_training() && num_batches_tracked.defined()) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(1.0);
  }
  return functional::batch_norm(x, running_mean, running_var,
                                BatchNormFuncOptions()
                                    .weight(weight)
                                    .bias(bias)
                                    .training(use_batch)
                                    .momentum(options.momentum())
                                    .eps(options.eps()));
}

std::string BatchNormImplBase::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", options.num_features(), options.eps(),
                     options.momentum(), options.affine() ? "True" : "False",
                     options.track_running_stats() ? "True" : "False");
}

Dropout2dImpl::Dropout2dImpl(double p_) : p(p_) {
  if (!(p >= 0.0 && p <= 1.0)) throw Error(fmt::format("Dropout2d: probability p must be in [0, 1], got {}", p));
}
std::string Dropout2dImpl::extra_repr() const { return fmt::format("p={}", p); }

}  // namespace xgrad::nn
