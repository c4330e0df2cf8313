// conv2d, conv1d and conv_transpose2d: argument checks, the geometry, and the conv family's rule
// table: three recorded primitives whose backwards are one another.
#include "xgrad/conv.hpp"

#include <fmt/format.h>

#include "conv_ops.hpp"
#include "rule_tables.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/reduce.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad {

namespace conv_detail {

// The raw kernels read dense buffers: xgrad::dense gives them one, without history.
using xgrad::dense;

namespace {

// The three primitives are each other's backwards: y = conv(x, w), gx = conv_input_grad(gy, w),
// gw = conv_weight_grad(x, gy). Each saves an operand only when the other operand needs a gradient.
struct ConvSaved {
  SavedTensor first, second;  // the op's two tensor operands, in order
  ConvGeometry geometry;
  bool has_bias = false;
  Tensor a() const { return first.get(); }
  Tensor b() const { return second.get(); }
};

using G = const Tensor&;
using S = const ConvSaved&;

struct ConvRule {
  const char* node;
  Tensor (*grad_first)(G g, S s);   // reads the second operand
  Tensor (*grad_second)(G g, S s);  // reads the first operand

  Grads vjp(G g, S s, const Node& node) const {
    const bool bias = node.edges.size() > 2;  // conv(x, w, bias): its gradient is g summed over (n, y, x)
    const bool wants_bias = bias && s.has_bias && node.needs_input_grad(2);
    Grads grads{node.needs_input_grad(0) ? grad_first(g, s) : Tensor(), Tensor()};
    Tensor bias_grad;
    if (node.needs_input_grad(1)) {
      // A plain backward (no graph of the gradients) lets the weight gradient's kernel sum the bias
      // gradient on its own pass over g.
      if (wants_bias && !GradModeFast::enabled())
        grads[1] = raw::conv_weight_grad(dense(s.a()), dense(g), s.geometry, &bias_grad);
      else
        grads[1] = grad_second(g, s);
    }
    if (bias) grads.push_back(!wants_bias ? Tensor() : bias_grad.defined() ? bias_grad : sum(g, {0, 2, 3}));
    return grads;
  }
};

// clang-format off
constexpr ConvRule kConvRules[] = {
  // node                               d/d first operand                                          d/d second operand
  {"ConvolutionBackward0",              [](G g, S s) { return conv_input_grad(g, s.b(), s.geometry); }, [](G g, S s) { return conv_weight_grad(s.a(), g, s.geometry); }},  // (x, w[, bias])
  {"ConvolutionInputGradBackward0",     [](G g, S s) { return conv(g, s.b(), Tensor(), s.geometry); },  [](G g, S s) { return conv_weight_grad(g, s.a(), s.geometry); }},  // (gy, w)
  {"ConvolutionWeightGradBackward0",    [](G g, S s) { return conv_input_grad(s.b(), g, s.geometry); }, [](G g, S s) { return conv(s.a(), g, Tensor(), s.geometry); }},   // (x, gy)
};
// clang-format on
static_assert(node_names_unique(kConvRules));

ConvSaved saved_operands(const Tensor& first, const Tensor& second, const ConvGeometry& g, bool has_bias = false) {
  return ConvSaved{save_if(first, second.requires_grad()), save_if(second, first.requires_grad()), g, has_bias};
}

}  // namespace

Tensor conv(const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g) {
  Tensor y = raw::conv(dense(x), dense(weight), bias.defined() ? dense(bias) : Tensor(), g);
  if (should_record({&x, &weight, &bias}))
    record(rule_for(kConvRules, "ConvolutionBackward0"), y, {&x, &weight, &bias}, saved_operands(x, weight, g, bias.defined()));
  return y;
}

Tensor conv_input_grad(const Tensor& grad_out, const Tensor& weight, const ConvGeometry& g) {
  Tensor gx = raw::conv_input_grad(dense(grad_out), dense(weight), g);
  if (should_record({&grad_out, &weight}))
    record(rule_for(kConvRules, "ConvolutionInputGradBackward0"), gx, {&grad_out, &weight}, saved_operands(grad_out, weight, g));
  return gx;
}

Tensor conv_weight_grad(const Tensor& x, const Tensor& grad_out, const ConvGeometry& g) {
  Tensor gw = raw::conv_weight_grad(dense(x), dense(grad_out), g);
  if (should_record({&x, &grad_out}))
    record(rule_for(kConvRules, "ConvolutionWeightGradBackward0"), gw, {&x, &grad_out}, saved_operands(x, grad_out, g));
  return gw;
}

void append_names(std::vector<std::string>& names) { append_rule_names(kConvRules, names); }

}  // namespace conv_detail

void append_conv_rule_names(std::vector<std::string>& names) { conv_detail::append_names(names); }

namespace {

using conv_detail::ConvGeometry;

std::string pair_str(IntPair p) { return fmt::format("({}, {})", p[0], p[1]); }

void check_floating(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const Dtype d = x.dtype();
  if (d != kFloat32 && d != kFloat64)
    throw Error(fmt::format("{}: input must be float32 or float64, got {} of shape {}", op, dtype_name(d),
                            shape_str(x.shape())));
  if (weight.dtype() != d || (bias.defined() && bias.dtype() != d))
    throw Error(fmt::format("{}: input ({}), weight ({}){} must have one dtype", op, dtype_name(d),
                            dtype_name(weight.dtype()),
                            bias.defined() ? fmt::format(" and bias ({})", dtype_name(bias.dtype())) : ""));
}

void check_positive(const char* op, const char* what, IntPair v) {
  if (v[0] < 1 || v[1] < 1) throw Error(fmt::format("{}: {} must be positive, got {}", op, what, pair_str(v)));
}

// What conv2d and conv_transpose2d both ask of their arguments; `weight_layout` names the weight's
// dimensions in the message ([OC, C/groups, KH, KW] or [C, OC/groups, KH, KW]).
void check_conv_arguments(const char* op, const char* weight_layout, const Tensor& x, const Tensor& weight,
                          const Tensor& bias, IntPair stride, IntPair dilation, std::int64_t groups) {
  if (x.dim() != 4 || weight.dim() != 4)
    throw Error(fmt::format("{}: expected a 4-D input [N, C, H, W] and a 4-D weight {}, got shapes {} and {}", op,
                            weight_layout, shape_str(x.shape()), shape_str(weight.shape())));
  check_floating(op, x, weight, bias);
  check_positive(op, "stride", stride);
  check_positive(op, "dilation", dilation);
  if (groups < 1) throw Error(fmt::format("{}: groups must be positive, got {}", op, groups));
}

void check_bias(const char* op, const Tensor& bias, std::int64_t channels) {
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != channels))
    throw Error(fmt::format("{}: bias must have shape [{}], got {}", op, channels, shape_str(bias.shape())));
}

// A padded extent and the kernel's dilated extent give the output size; error if the kernel does
// not fit.
std::int64_t output_size(const char* op, const Tensor& x, const Tensor& w, std::int64_t padded, std::int64_t kernel,
                         std::int64_t dilation, std::int64_t stride) {
  const std::int64_t span = dilation * (kernel - 1) + 1;
  if (span > padded)
    throw Error(fmt::format("{}: kernel of shape {} (dilated extent {}) is larger than the padded input ({}) of "
                            "input shape {}",
                            op, shape_str(w.shape()), span, padded, shape_str(x.shape())));
  return (padded - span) / stride + 1;
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, IntPair stride, Padding2d padding,
              IntPair dilation, std::int64_t groups) {
  const char* op = "conv2d";
  check_conv_arguments(op, "[OC, C/groups, KH, KW]", x, weight, bias, stride, dilation, groups);
  const std::int64_t oc = weight.size(0), c = x.size(1);
  if (oc % groups != 0 || weight.size(1) * groups != c || weight.size(1) == 0)
    throw Error(fmt::format("{}: input of shape {} ({} channels) does not match weight of shape {} with groups={} "
                            "(expects {} input channels, and output channels divisible by groups)",
                            op, shape_str(x.shape()), c, shape_str(weight.shape()), groups, weight.size(1) * groups));
  check_bias(op, bias, oc);
  const std::int64_t kh = weight.size(2), kw = weight.size(3);
  if (kh < 1 || kw < 1) throw Error(fmt::format("{}: weight of shape {} has an empty kernel", op, shape_str(weight.shape())));

  // Padding per side: explicit, none, or 'same' (the extra one of an odd total on the bottom/right, as torch).
  std::int64_t top = 0, left = 0, bottom = 0, right = 0;
  switch (padding.mode()) {
    case Padding2d::Mode::Explicit:
      if (padding.pair()[0] < 0 || padding.pair()[1] < 0)
        throw Error(fmt::format("{}: padding must be non-negative, got {}", op, pair_str(padding.pair())));
      top = bottom = padding.pair()[0];
      left = right = padding.pair()[1];
      break;
    case Padding2d::Mode::Same: {
      if (stride[0] != 1 || stride[1] != 1)
        throw Error(fmt::format("{}: padding='same' is not supported for strided convolutions (stride {})", op,
                                pair_str(stride)));
      const std::int64_t total_h = dilation[0] * (kh - 1), total_w = dilation[1] * (kw - 1);
      top = total_h / 2, bottom = total_h - top;
      left = total_w / 2, right = total_w - left;
      break;
    }
    case Padding2d::Mode::Valid:
      break;
  }
  ConvGeometry g{};
  g.n = x.size(0), g.c = c, g.h = x.size(2), g.w = x.size(3);
  g.oc = oc, g.kh = kh, g.kw = kw;
  g.stride_h = stride[0], g.stride_w = stride[1];
  g.pad_top = top, g.pad_left = left;
  g.dilation_h = dilation[0], g.dilation_w = dilation[1];
  g.groups = groups;
  g.oh = output_size(op, x, weight, g.h + top + bottom, kh, dilation[0], stride[0]);
  g.ow = output_size(op, x, weight, g.w + left + right, kw, dilation[1], stride[1]);
  return conv_detail::conv(x, weight, bias, g);
}

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, std::int64_t stride, Padding2d padding,
              std::int64_t dilation, std::int64_t groups) {
  if (x.dim() != 3 || weight.dim() != 3)
    throw Error(fmt::format("conv1d: expected a 3-D input [N, C, L] and a 3-D weight [OC, C/groups, K], got shapes "
                            "{} and {}",
                            shape_str(x.shape()), shape_str(weight.shape())));
  if (stride < 1 || dilation < 1)
    throw Error(fmt::format("conv1d: stride and dilation must be positive, got {} and {}", stride, dilation));
  const Padding2d pad2 = padding.mode() == Padding2d::Mode::Explicit ? Padding2d(0, padding.pair()[1]) : padding;
  return squeeze(conv2d(unsqueeze(x, 2), unsqueeze(weight, 2), bias, {1, stride}, pad2, {1, dilation}, groups), 2);
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias, IntPair stride, IntPair padding,
                        IntPair output_padding, std::int64_t groups, IntPair dilation) {
  const char* op = "conv_transpose2d";
  check_conv_arguments(op, "[C, OC/groups, KH, KW]", x, weight, bias, stride, dilation, groups);
  if (padding[0] < 0 || padding[1] < 0)
    throw Error(fmt::format("{}: padding must be non-negative, got {}", op, pair_str(padding)));
  for (int d = 0; d < 2; ++d)
    if (output_padding[d] < 0 || (output_padding[d] >= stride[d] && output_padding[d] >= dilation[d]))
      throw Error(fmt::format("{}: output_padding {} must be non-negative and smaller than stride {} or dilation {}",
                              op, pair_str(output_padding), pair_str(stride), pair_str(dilation)));
  const std::int64_t c = x.size(1);
  if (weight.size(0) != c || c % groups != 0 || weight.size(1) == 0)
    throw Error(fmt::format("{}: input of shape {} ({} channels) does not match weight of shape {} with groups={}", op,
                            shape_str(x.shape()), c, shape_str(weight.shape()), groups));
  const std::int64_t out_channels = weight.size(1) * groups;
  check_bias(op, bias, out_channels);
  // The geometry of the convolution whose input gradient this is: its output is our input.
  ConvGeometry g{};
  g.n = x.size(0), g.c = out_channels, g.oc = c;
  g.oh = x.size(2), g.ow = x.size(3);
  g.kh = weight.size(2), g.kw = weight.size(3);
  g.stride_h = stride[0], g.stride_w = stride[1];
  g.pad_top = padding[0], g.pad_left = padding[1];
  g.dilation_h = dilation[0], g.dilation_w = dilation[1];
  g.groups = groups;
  g.h = (g.oh - 1) * stride[0] - 2 * padding[0] + dilation[0] * (g.kh - 1) + output_padding[0] + 1;
  g.w = (g.ow - 1) * stride[1] - 2 * padding[1] + dilation[1] * (g.kw - 1) + output_padding[1] + 1;
  if (g.h < 1 || g.w < 1 || g.kh < 1 || g.kw < 1)
    throw Error(fmt::format("{}: input of shape {} with weight {}, stride {}, padding {} gives an empty output ({}x{})",
                            op, shape_str(x.shape()), shape_str(weight.shape()), pair_str(stride), pair_str(padding),
                            g.h, g.w));
  Tensor out = conv_detail::conv_input_grad(x, weight, g);
  return bias.defined() ? out + reshape(bias, {1, out_channels, 1, 1}) : out;
}

}  // namespace xgrad
