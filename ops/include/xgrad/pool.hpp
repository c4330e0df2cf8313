// Pooling over NCHW (or CHW) tensors, as torch's max_pool2d / avg_pool2d / adaptive_avg_pool2d.
// Sizes are (height, width) pairs (conv.hpp's IntPair); a stride of {0, 0} means "the kernel size",
// torch's default. Arguments in torch's order.
//
// ceil_mode rounds the output size up instead of down, as torch: the extra last window may hang off
// the bottom/right edge, but must start inside the input or its left/top padding (else it is
// dropped). Elements past the edge are not part of any window.
#pragma once
#include <tuple>

#include "xgrad/conv.hpp"

namespace xgrad {

// (values, indices): indices are int64 positions in the flattened H·W plane of each (n, c), as
// torch. A NaN in a window wins (as torch, the last one). The gradient flows to the chosen element.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, IntPair kernel, IntPair stride = {0, 0},
                                                   IntPair padding = {0, 0}, IntPair dilation = {1, 1},
                                                   bool ceil_mode = false);
Tensor max_pool2d(const Tensor& x, IntPair kernel, IntPair stride = {0, 0}, IntPair padding = {0, 0},
                  IntPair dilation = {1, 1}, bool ceil_mode = false);

// Window means. The divisor, as torch: divisor_override when given (non-zero); else with
// count_include_pad the window's extent clipped to the padded input (kh·kw except for a ceil_mode
// window hanging past the padding); without it the count of real input elements in the window.
Tensor avg_pool2d(const Tensor& x, IntPair kernel, IntPair stride = {0, 0}, IntPair padding = {0, 0},
                  bool ceil_mode = false, bool count_include_pad = true, std::int64_t divisor_override = 0);

// Means over windows [floor(i·H/OH), ceil((i+1)·H/OH)) (likewise for W), any output size.
Tensor adaptive_avg_pool2d(const Tensor& x, IntPair output_size);

}  // namespace xgrad
