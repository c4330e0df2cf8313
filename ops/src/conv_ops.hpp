// The three primitives every convolution is made of. With y = conv(x, w) (cross-correlation, as
// torch), all three are bilinear, and each one's gradients are the other two:
//
//   op                          inputs   d/d first input             d/d second input
//   y  = conv(x, w)             x, w     gx = conv_input_grad(g, w)   gw = conv_weight_grad(x, g)
//   gx = conv_input_grad(g, w)  g, w     dg = conv(h, w)              dw = conv_weight_grad(h, g)
//   gw = conv_weight_grad(x, g) x, g     dx = conv_input_grad(g, h)   dg = conv(x, h)
//
// (h: the gradient arriving at the op's output). Recording each with its backward in terms of the
// others makes every order of derivative work. conv_input_grad is also conv_transpose2d's forward.
#pragma once
#include <cstdint>

#include "xgrad/detail/node.hpp"

namespace xgrad::conv_detail {

// Everything fixed by the shapes and options of one convolution, the forward's view:
// x [n, c, h, w] -> y [n, oc, oh, ow], weight [oc, c / groups, kh, kw].
struct ConvGeometry {
  std::int64_t n, c, h, w;
  std::int64_t oc, oh, ow;
  std::int64_t kh, kw;
  std::int64_t stride_h, stride_w;
  std::int64_t pad_top, pad_left;  // the bottom / right padding is implied by oh / ow
  std::int64_t dilation_h, dilation_w;
  std::int64_t groups;

  std::int64_t c_per_group() const { return c / groups; }
  std::int64_t oc_per_group() const { return oc / groups; }
  Shape input_shape() const { return {n, c, h, w}; }
  Shape output_shape() const { return {n, oc, oh, ow}; }
  Shape weight_shape() const { return {oc, c / groups, kh, kw}; }
};

Tensor conv(const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g);
Tensor conv_input_grad(const Tensor& grad_out, const Tensor& weight, const ConvGeometry& g);
Tensor conv_weight_grad(const Tensor& x, const Tensor& grad_out, const ConvGeometry& g);

// The unrecorded kernels (conv_kernels.cpp): contiguous inputs of one floating dtype in,
// a fresh tensor out.
namespace raw {
Tensor conv(const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g);
Tensor conv_input_grad(const Tensor& grad_out, const Tensor& weight, const ConvGeometry& g);
// With bias_grad, also the bias gradient Σ over (n, y, x) of grad_out, where the kernel can sum it on
// its own pass over grad_out (oneDNN's primitive); otherwise *bias_grad is left undefined.
Tensor conv_weight_grad(const Tensor& x, const Tensor& grad_out, const ConvGeometry& g, Tensor* bias_grad = nullptr);
}  // namespace raw

// The float32 fast path on oneDNN's convolution primitives (conv_dnnl.cpp): the raw kernels' results
// for dense float32 inputs, or an undefined tensor where oneDNN has no primitive for the geometry
// (the caller then runs im2col + gemm). XGRAD_CONV_IM2COL=1 in the environment turns it off.
namespace dnnl_conv {
Tensor conv(const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g);
Tensor conv_input_grad(const Tensor& grad_out, const Tensor& weight, const ConvGeometry& g);
Tensor conv_weight_grad(const Tensor& x, const Tensor& grad_out, const ConvGeometry& g, Tensor* bias_grad = nullptr);
}  // namespace dnnl_conv

}  // namespace xgrad::conv_detail
