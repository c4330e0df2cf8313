// Convolution layers and their functional forms, as libtorch: Conv1d, Conv2d, ConvTranspose2d with
// ...Options builders (Conv2dOptions(in, out, k).stride(2).padding(1)), and
// functional::conv2d(x, w, Conv2dFuncOptions().bias(b).stride(2)). Weights are torch's layouts:
// [out, in / groups, kh, kw] (transposed: [in, out / groups, kh, kw]); initialization is torch's
// (kaiming_uniform with a = √5, bias U(±1/√fan_in)).
#pragma once
#include <cstdint>

#include "xgrad/conv.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/pad.hpp"
#include "xgrad/nn/options_arg.hpp"

namespace xgrad::nn {

// ---- functional options ------------------------------------------------------------------------

class Conv2dFuncOptions {
  XGRAD_ARG(Tensor, bias);
  XGRAD_ARG(IntPair, stride) = 1;
  XGRAD_ARG(Padding2d, padding) = 0;
  XGRAD_ARG(IntPair, dilation) = 1;
  XGRAD_ARG(std::int64_t, groups) = 1;
};

class Conv1dFuncOptions {
  XGRAD_ARG(Tensor, bias);
  XGRAD_ARG(std::int64_t, stride) = 1;
  XGRAD_ARG(Padding2d, padding) = 0;  // one integer (the length's padding), kSame or kValid
  XGRAD_ARG(std::int64_t, dilation) = 1;
  XGRAD_ARG(std::int64_t, groups) = 1;
};

class ConvTranspose2dFuncOptions {
  XGRAD_ARG(Tensor, bias);
  XGRAD_ARG(IntPair, stride) = 1;
  XGRAD_ARG(IntPair, padding) = 0;
  XGRAD_ARG(IntPair, output_padding) = 0;
  XGRAD_ARG(std::int64_t, groups) = 1;
  XGRAD_ARG(IntPair, dilation) = 1;
};

namespace functional {
Tensor conv2d(const Tensor& x, const Tensor& weight, const Conv2dFuncOptions& options = {});
Tensor conv1d(const Tensor& x, const Tensor& weight, const Conv1dFuncOptions& options = {});
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const ConvTranspose2dFuncOptions& options = {});
}  // namespace functional

// ---- layer options -----------------------------------------------------------------------------

class Conv2dOptions {
 public:
  Conv2dOptions(std::int64_t in_channels, std::int64_t out_channels, IntPair kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  XGRAD_ARG(std::int64_t, in_channels);
  XGRAD_ARG(std::int64_t, out_channels);
  XGRAD_ARG(IntPair, kernel_size);
  XGRAD_ARG(IntPair, stride) = 1;
  XGRAD_ARG(Padding2d, padding) = 0;
  XGRAD_ARG(IntPair, dilation) = 1;
  XGRAD_ARG(std::int64_t, groups) = 1;
  XGRAD_ARG(bool, bias) = true;
  XGRAD_ARG(ConvPaddingMode, padding_mode) = kZeros;  // kReflect, kReplicate, kCircular: pad() first
};

class Conv1dOptions {
 public:
  Conv1dOptions(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  XGRAD_ARG(std::int64_t, in_channels);
  XGRAD_ARG(std::int64_t, out_channels);
  XGRAD_ARG(std::int64_t, kernel_size);
  XGRAD_ARG(std::int64_t, stride) = 1;
  XGRAD_ARG(Padding2d, padding) = 0;
  XGRAD_ARG(std::int64_t, dilation) = 1;
  XGRAD_ARG(std::int64_t, groups) = 1;
  XGRAD_ARG(bool, bias) = true;
  XGRAD_ARG(ConvPaddingMode, padding_mode) = kZeros;  // kReflect, kReplicate, kCircular: pad() first
};

class ConvTranspose2dOptions {
 public:
  ConvTranspose2dOptions(std::int64_t in_channels, std::int64_t out_channels, IntPair kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  XGRAD_ARG(std::int64_t, in_channels);
  XGRAD_ARG(std::int64_t, out_channels);
  XGRAD_ARG(IntPair, kernel_size);
  XGRAD_ARG(IntPair, stride) = 1;
  XGRAD_ARG(IntPair, padding) = 0;
  XGRAD_ARG(IntPair, output_padding) = 0;
  XGRAD_ARG(std::int64_t, groups) = 1;
  XGRAD_ARG(bool, bias) = true;
  XGRAD_ARG(IntPair, dilation) = 1;
};

// ---- layers ------------------------------------------------------------------------------------

class Conv2dImpl : public Module {
 public:
  Conv2dImpl(std::int64_t in_channels, std::int64_t out_channels, IntPair kernel_size)
      : Conv2dImpl(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv2dImpl(const Conv2dOptions& options, Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) const;
  void reset_parameters();
  std::string extra_repr() const override;

  Conv2dOptions options;
  Tensor weight;  // [out, in / groups, kh, kw]
  Tensor bias;    // [out], undefined without bias
};
XGRAD_MODULE(Conv2d);

class Conv1dImpl : public Module {
 public:
  Conv1dImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : Conv1dImpl(Conv1dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv1dImpl(const Conv1dOptions& options, Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) const;
  void reset_parameters();
  std::string extra_repr() const override;

  Conv1dOptions options;
  Tensor weight;  // [out, in / groups, k]
  Tensor bias;
};
XGRAD_MODULE(Conv1d);

class ConvTranspose2dImpl : public Module {
 public:
  ConvTranspose2dImpl(std::int64_t in_channels, std::int64_t out_channels, IntPair kernel_size)
      : ConvTranspose2dImpl(ConvTranspose2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvTranspose2dImpl(const ConvTranspose2dOptions& options, Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) const;
  void reset_parameters();
  std::string extra_repr() const override;

  ConvTranspose2dOptions options;
  Tensor weight;  // [in, out / groups, kh, kw]
  Tensor bias;
};
XGRAD_MODULE(ConvTranspose2d);

}  // namespace xgrad::nn
