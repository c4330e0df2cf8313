// Pooling layers and functional forms, as libtorch: MaxPool2d (with forward_with_indices),
// AvgPool2d, AdaptiveAvgPool2d. A stride left at 0 means "the kernel size", torch's default;
// ceil_mode, count_include_pad and divisor_override mean what they do in torch (xgrad/pool.hpp).
#pragma once
#include <cstdint>
#include <optional>
#include <tuple>

#include "xgrad/nn/module.hpp"
#include "xgrad/nn/options_arg.hpp"
#include "xgrad/pool.hpp"

namespace xgrad::nn {

class MaxPool2dOptions {
 public:
  MaxPool2dOptions(IntPair kernel_size) : kernel_size_(kernel_size) {}
  XGRAD_ARG(IntPair, kernel_size);
  XGRAD_ARG(IntPair, stride) = 0;
  XGRAD_ARG(IntPair, padding) = 0;
  XGRAD_ARG(IntPair, dilation) = 1;
  XGRAD_ARG(bool, ceil_mode) = false;
};
using MaxPool2dFuncOptions = MaxPool2dOptions;

class AvgPool2dOptions {
 public:
  AvgPool2dOptions(IntPair kernel_size) : kernel_size_(kernel_size) {}
  XGRAD_ARG(IntPair, kernel_size);
  XGRAD_ARG(IntPair, stride) = 0;
  XGRAD_ARG(IntPair, padding) = 0;
  XGRAD_ARG(bool, ceil_mode) = false;
  XGRAD_ARG(bool, count_include_pad) = true;
  XGRAD_ARG(std::optional<std::int64_t>, divisor_override);  // torch rejects 0; so do we
};
using AvgPool2dFuncOptions = AvgPool2dOptions;

class AdaptiveAvgPool2dOptions {
 public:
  AdaptiveAvgPool2dOptions(IntPair output_size) : output_size_(output_size) {}
  XGRAD_ARG(IntPair, output_size);
};
using AdaptiveAvgPool2dFuncOptions = AdaptiveAvgPool2dOptions;

namespace functional {
inline Tensor max_pool2d(const Tensor& x, const MaxPool2dFuncOptions& o) {
  return xgrad::max_pool2d(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}
inline std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, const MaxPool2dFuncOptions& o) {
  return xgrad::max_pool2d_with_indices(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}
Tensor avg_pool2d(const Tensor& x, const AvgPool2dFuncOptions& o);
inline Tensor adaptive_avg_pool2d(const Tensor& x, const AdaptiveAvgPool2dFuncOptions& o) {
  return xgrad::adaptive_avg_pool2d(x, o.output_size());
}
}  // namespace functional

class MaxPool2dImpl : public Module {
 public:
  explicit MaxPool2dImpl(const MaxPool2dOptions& options_) : options(options_) {}
  Tensor forward(const Tensor& x) const { return functional::max_pool2d(x, options); }
  // (values, indices), indices into each flattened H·W plane, as torch's return_indices=True.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& x) const {
    return functional::max_pool2d_with_indices(x, options);
  }
  std::string extra_repr() const override;
  MaxPool2dOptions options;
};
XGRAD_MODULE(MaxPool2d);

class AvgPool2dImpl : public Module {
 public:
  explicit AvgPool2dImpl(const AvgPool2dOptions& options_) : options(options_) {}
  Tensor forward(const Tensor& x) const { return functional::avg_pool2d(x, options); }
  std::string extra_repr() const override;
  AvgPool2dOptions options;
};
XGRAD_MODULE(AvgPool2d);

class AdaptiveAvgPool2dImpl : public Module {
 public:
  explicit AdaptiveAvgPool2dImpl(const AdaptiveAvgPool2dOptions& options_) : options(options_) {}
  Tensor forward(const Tensor& x) const { return functional::adaptive_avg_pool2d(x, options); }
  std::string extra_repr() const override;
  AdaptiveAvgPool2dOptions options;
};
XGRAD_MODULE(AdaptiveAvgPool2d);

}  // namespace xgrad::nn
