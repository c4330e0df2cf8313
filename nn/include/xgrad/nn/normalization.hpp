// Normalization layers and functional forms, as libtorch: BatchNorm1d / BatchNorm2d (running
// statistics as the buffers running_mean, running_var and num_batches_tracked), LayerNorm,
// GroupNorm, and Dropout2d (whole channels dropped). Each is a composition of differentiable ops,
// so every order of derivative works.
#pragma once
#include <cstdint>

#include "xgrad/nn/module.hpp"
#include "xgrad/nn/options_arg.hpp"

namespace xgrad::nn {

class BatchNormFuncOptions {
  XGRAD_ARG(Tensor, weight);
  XGRAD_ARG(Tensor, bias);
  XGRAD_ARG(bool, training) = false;
  XGRAD_ARG(double, momentum) = 0.1;
  XGRAD_ARG(double, eps) = 1e-5;
};

class BatchNormOptions {
 public:
  BatchNormOptions(std::int64_t num_features) : num_features_(num_features) {}
  XGRAD_ARG(std::int64_t, num_features);
  XGRAD_ARG(double, eps) = 1e-5;
  XGRAD_ARG(double, momentum) = 0.1;
  XGRAD_ARG(bool, affine) = true;
  XGRAD_ARG(bool, track_running_stats) = true;
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;

class LayerNormFuncOptions {
 public:
  LayerNormFuncOptions(Shape normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}
  XGRAD_ARG(Shape, normalized_shape);
  XGRAD_ARG(Tensor, weight);
  XGRAD_ARG(Tensor, bias);
  XGRAD_ARG(double, eps) = 1e-5;
};

class LayerNormOptions {
 public:
  LayerNormOptions(Shape normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}
  XGRAD_ARG(Shape, normalized_shape);
  XGRAD_ARG(double, eps) = 1e-5;
  XGRAD_ARG(bool, elementwise_affine) = true;
};

class GroupNormFuncOptions {
 public:
  GroupNormFuncOptions(std::int64_t num_groups) : num_groups_(num_groups) {}
  XGRAD_ARG(std::int64_t, num_groups);
  XGRAD_ARG(Tensor, weight);
  XGRAD_ARG(Tensor, bias);
  XGRAD_ARG(double, eps) = 1e-5;
};

class GroupNormOptions {
 public:
  GroupNormOptions(std::int64_t num_groups, std::int64_t num_channels)
      : num_groups_(num_groups), num_channels_(num_channels) {}
  XGRAD_ARG(std::int64_t, num_groups);
  XGRAD_ARG(std::int64_t, num_channels);
  XGRAD_ARG(double, eps) = 1e-5;
  XGRAD_ARG(bool, affine) = true;
};

namespace functional {
// Normalizes over the trailing dimensions `normalized_shape` (biased variance), then weight and bias
// of that shape, as torch.
Tensor layer_norm(const Tensor& x, const LayerNormFuncOptions& options);
// x [N, C, *]: channels cut into num_groups groups, each normalized over its channels and positions;
// then per-channel weight and bias [C].
Tensor group_norm(const Tensor& x, const GroupNormFuncOptions& options);
// x [N, C, *]. In training the batch's statistics normalize (biased variance) and, when given, the
// running statistics are updated in place: r = (1 − momentum)·r + momentum·batch (unbiased variance
// for running_var), as torch. Otherwise running_mean / running_var normalize.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options = {});
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true);
}  // namespace functional

// The shared body of BatchNorm1d / BatchNorm2d; `dims` are the input ranks the layer accepts.
class BatchNormImplBase : public Module {
 public:
  BatchNormImplBase(const BatchNormOptions& options, const char* layer, std::int64_t min_dim, std::int64_t max_dim,
                    Dtype dtype);
  Tensor forward(const Tensor& x);
  void reset_running_stats();
  void reset_parameters();
  std::string extra_repr() const override;

  BatchNormOptions options;
  Tensor weight, bias;                                   // [C], undefined without affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined without track_running_stats

 private:
  const char* layer_;
  std::int64_t min_dim_, max_dim_;
};

class BatchNorm1dImpl : public BatchNormImplBase {
 public:
  explicit BatchNorm1dImpl(const BatchNormOptions& options, Dtype dtype = kFloat32)
      : BatchNormImplBase(options, "BatchNorm1d", 2, 3, dtype) {}
  BatchNorm1dImpl(std::int64_t num_features) : BatchNorm1dImpl(BatchNormOptions(num_features)) {}
  std::string name() const override { return "BatchNorm1d"; }
};
XGRAD_MODULE(BatchNorm1d);

class BatchNorm2dImpl : public BatchNormImplBase {
 public:
  explicit BatchNorm2dImpl(const BatchNormOptions& options, Dtype dtype = kFloat32)
      : BatchNormImplBase(options, "BatchNorm2d", 4, 4, dtype) {}
  BatchNorm2dImpl(std::int64_t num_features) : BatchNorm2dImpl(BatchNormOptions(num_features)) {}
  std::string name() const override { return "BatchNorm2d"; }
};
XGRAD_MODULE(BatchNorm2d);

class LayerNormImpl : public Module {
 public:
  explicit LayerNormImpl(const LayerNormOptions& options, Dtype dtype = kFloat32);
  LayerNormImpl(Shape normalized_shape) : LayerNormImpl(LayerNormOptions(std::move(normalized_shape))) {}
  Tensor forward(const Tensor& x) const;
  void reset_parameters();
  std::string extra_repr() const override;
  LayerNormOptions options;
  Tensor weight, bias;  // normalized_shape, ones and zeros; undefined without elementwise_affine
};
XGRAD_MODULE(LayerNorm);

class GroupNormImpl : public Module {
 public:
  explicit GroupNormImpl(const GroupNormOptions& options, Dtype dtype = kFloat32);
  GroupNormImpl(std::int64_t num_groups, std::int64_t num_channels)
      : GroupNormImpl(GroupNormOptions(num_groups, num_channels)) {}
  Tensor forward(const Tensor& x) const;
  void reset_parameters();
  std::string extra_repr() const override;
  GroupNormOptions options;
  Tensor weight, bias;  // [C]
};
XGRAD_MODULE(GroupNorm);

class Dropout2dImpl : public Module {
 public:
  explicit Dropout2dImpl(double p = 0.5);
  Tensor forward(const Tensor& x) const { return functional::dropout2d(x, p, is_training()); }
  std::string extra_repr() const override;
  double p;
};
XGRAD_MODULE(Dropout2d);

}  // namespace xgrad::nn
