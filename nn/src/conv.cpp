// Conv1d / Conv2d / ConvTranspose2d layers and the functional forms with libtorch's option builders.
#include "xgrad/nn/conv.hpp"

#include <array>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "xgrad/factories.hpp"
#include "xgrad/nn/init.hpp"
#include "xgrad/pad.hpp"

namespace xgrad::nn {

namespace functional {
Tensor conv2d(const Tensor& x, const Tensor& weight, const Conv2dFuncOptions& o) {
  return xgrad::conv2d(x, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}
Tensor conv1d(const Tensor& x, const Tensor& weight, const Conv1dFuncOptions& o) {
  return xgrad::conv1d(x, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const ConvTranspose2dFuncOptions& o) {
  return xgrad::conv_transpose2d(x, weight, o.bias(), o.stride(), o.padding(), o.output_padding(), o.groups(),
                                 o.dilation());
}
}  // namespace functional

namespace {

void check_channels(const char* layer, std::int64_t in, std::int64_t out, std::int64_t groups, Dtype dtype) {
  if (in < 1 || out < 1 || groups < 1)
    throw Error(fmt::format("{}: in_channels {}, out_channels {} and groups {} must be positive", layer, in, out, groups));
  if (in % groups != 0 || out % groups != 0)
    throw Error(fmt::format("{}: in_channels {} and out_channels {} must both be divisible by groups {}", layer, in, out,
                            groups));
  if (!is_floating_point(dtype)) throw Error(fmt::format("{}: dtype must be floating point, got {}", layer, dtype_name(dtype)));
}
void check_kernel(const char* layer, IntPair k) {
  if (k[0] < 1 || k[1] < 1) throw Error(fmt::format("{}: kernel_size ({}, {}) must be positive", layer, k[0], k[1]));
}

// torch's _ConvNd.reset_parameters: W ~ kaiming_uniform(a = √5) = U(±1/√fan_in), b ~ U(±1/√fan_in),
// fan_in = weight.size(1) · kernel elements (for a transposed weight that is out / groups · kernel).
void reset_conv(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(fan_in) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

std::string padding_str(const Padding2d& p) {
  switch (p.mode()) {
    case Padding2d::Mode::Same: return "same";
    case Padding2d::Mode::Valid: return "valid";
    default: return fmt::format("({}, {})", p.pair()[0], p.pair()[1]);
  }
}
std::string pair_str(IntPair p) { return fmt::format("({}, {})", p[0], p[1]); }
// torch prints padding_mode only when it is not the default.
std::string mode_str(ConvPaddingMode m) {
  return m.kind() == ConvPaddingMode::Kind::Zeros ? "" : fmt::format(", padding_mode={}", m.name());
}

// The amounts a convolution would pad one axis by, before and after: explicit, 'same' (the odd one
// after, as torch) or none.
std::array<std::int64_t, 2> axis_padding(const Padding2d& p, int axis, std::int64_t kernel, std::int64_t dilation) {
  switch (p.mode()) {
    case Padding2d::Mode::Same: {
      const std::int64_t total = dilation * (kernel - 1);
      return {total / 2, total - total / 2};
    }
    case Padding2d::Mode::Valid: return {0, 0};
    default: return {p.pair()[axis], p.pair()[axis]};
  }
}

// A padding_mode other than zeros: pad() makes the border, then the convolution pads nothing (torch's
// _conv_forward). A pad error is reported as the layer's.
Tensor pad_for_mode(const char* layer, const Tensor& x, ConvPaddingMode mode, const Padding2d& padding,
                    const std::vector<std::int64_t>& amounts, std::int64_t stride_h, std::int64_t stride_w) {
  if (padding.mode() == Padding2d::Mode::Same && (stride_h != 1 || stride_w != 1))
    throw Error(fmt::format("{}: padding='same' is not supported for strided convolutions (stride ({}, {}))", layer,
                            stride_h, stride_w));
  try {
    return pad(x, amounts, mode.pad_mode());
  } catch (const Error& e) {
    throw Error(fmt::format("{} with padding_mode={}: {}", layer, mode.name(), e.what()));
  }
}

}  // namespace

Conv2dImpl::Conv2dImpl(const Conv2dOptions& o, Dtype dtype) : options(o) {
  check_channels("Conv2d", o.in_channels(), o.out_channels(), o.groups(), dtype);
  check_kernel("Conv2d", o.kernel_size());
  weight = register_parameter(
      "weight", empty({o.out_channels(), o.in_channels() / o.groups(), o.kernel_size()[0], o.kernel_size()[1]}, dtype));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}, dtype));
  reset_parameters();
}
void Conv2dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor Conv2dImpl::forward(const Tensor& x) const {
  const ConvPaddingMode mode = options.padding_mode();
  if (mode.kind() == ConvPaddingMode::Kind::Zeros)
    return xgrad::conv2d(x, weight, bias, options.stride(), options.padding(), options.dilation(), options.groups());
  const auto h = axis_padding(options.padding(), 0, options.kernel_size()[0], options.dilation()[0]);
  const auto w = axis_padding(options.padding(), 1, options.kernel_size()[1], options.dilation()[1]);
  const Tensor padded =
      pad_for_mode("Conv2d", x, mode, options.padding(), {w[0], w[1], h[0], h[1]}, options.stride()[0], options.stride()[1]);
  return xgrad::conv2d(padded, weight, bias, options.stride(), 0, options.dilation(), options.groups());
}
std::string Conv2dImpl::extra_repr() const {
  return fmt::format("{}, {}, kernel_size={}, stride={}, padding={}, dilation={}, groups={}, bias={}{}",
                     options.in_channels(), options.out_channels(), pair_str(options.kernel_size()),
                     pair_str(options.stride()), padding_str(options.padding()), pair_str(options.dilation()),
                     options.groups(), bias.defined() ? "True" : "False", mode_str(options.padding_mode()));
}

Conv1dImpl::Conv1dImpl(const Conv1dOptions& o, Dtype dtype) : options(o) {
  check_channels("Conv1d", o.in_channels(), o.out_channels(), o.groups(), dtype);
  check_kernel("Conv1d", {1, o.kernel_size()});
  weight = register_parameter("weight", empty({o.out_channels(), o.in_channels() / o.groups(), o.kernel_size()}, dtype));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}, dtype));
  reset_parameters();
}
void Conv1dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor Conv1dImpl::forward(const Tensor& x) const {
  const ConvPaddingMode mode = options.padding_mode();
  if (mode.kind() == ConvPaddingMode::Kind::Zeros)
    return xgrad::conv1d(x, weight, bias, options.stride(), options.padding(), options.dilation(), options.groups());
  const auto l = axis_padding(options.padding(), 1, options.kernel_size(), options.dilation());
  const Tensor padded = pad_for_mode("Conv1d", x, mode, options.padding(), {l[0], l[1]}, 1, options.stride());
  return xgrad::conv1d(padded, weight, bias, options.stride(), 0, options.dilation(), options.groups());
}
std::string Conv1dImpl::extra_repr() const {
  return fmt::format("{}, {}, kernel_size={}, stride={}, padding={}, dilation={}, groups={}, bias={}{}",
                     options.in_channels(), options.out_channels(), options.kernel_size(), options.stride(),
                     padding_str(options.padding()), options.dilation(), options.groups(),
                     bias.defined() ? "True" : "False", mode_str(options.padding_mode()));
}

ConvTranspose2dImpl::ConvTranspose2dImpl(const ConvTranspose2dOptions& o, Dtype dtype) : options(o) {
  check_channels("ConvTranspose2d", o.in_channels(), o.out_channels(), o.groups(), dtype);
  check_kernel("ConvTranspose2d", o.kernel_size());
  weight = register_parameter(
      "weight", empty({o.in_channels(), o.out_channels() / o.groups(), o.kernel_size()[0], o.kernel_size()[1]}, dtype));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}, dtype));
  reset_parameters();
}
void ConvTranspose2dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor ConvTranspose2dImpl::forward(const Tensor& x) const {
  return xgrad::conv_transpose2d(x, weight, bias, options.stride(), options.padding(), options.output_padding(),
                                 options.groups(), options.dilation());
}
std::string ConvTranspose2dImpl::extra_repr() const {
  return fmt::format("{}, {}, kernel_size={}, stride={}, padding={}, output_padding={}, groups={}, bias={}",
                     options.in_channels(), options.out_channels(), pair_str(options.kernel_size()),
                     pair_str(options.stride()), pair_str(options.padding()), pair_str(options.output_padding()),
                     options.groups(), bias.defined() ? "True" : "False");
}

}  // namespace xgrad::nn
