// Pooling over NCHW (or CHW) tensors, as torch's max_pool2d / avg_pool2d / adaptive_avg_pool2d.
// Sizes are (height, width) pairs (conv.hpp's IntPair); a stride of {0, 0} means "the kernel size",
// torch's default.
#pragma once
#include <tuple>

#include "xgrad/conv.hpp"

namespace xgrad {

// (values, indices): indices are int64 positions in the flattened H·W plane of each (n, c), as
// torch. A NaN in a window wins (as torch, the last one). The gradient flows to the chosen element.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, IntPair kernel, IntPair stride = {0, 0},
                                                   IntPair padding = {0, 0}, IntPair dilation = {1, 1});
Tensor max_pool2d(const Tensor& x, IntPair kernel, IntPair stride = {0, 0}, IntPair padding = {0, 0},
                  IntPair dilation = {1, 1});

// Window means; with count_include_pad the divisor is always kh·kw, else the count of real elements.
Tensor avg_pool2d(const Tensor& x, IntPair kernel, IntPair stride = {0, 0}, IntPair padding = {0, 0},
                  bool count_include_pad = true);

// Means over windows [floor(i·H/OH), ceil((i+1)·H/OH)) (likewise for W), any output size.
Tensor adaptive_avg_pool2d(const Tensor& x, IntPair output_size);

}  // namespace xgrad
