// Printing of the pooling layers and avg_pool2d's optional divisor (the other forwards are inline,
// over the ops in xgrad/pool.hpp).
#include "xgrad/nn/pooling.hpp"

#include <fmt/format.h>

#include "xgrad/error.hpp"

namespace xgrad::nn {

namespace {
std::string pair_str(IntPair p) { return fmt::format("({}, {})", p[0], p[1]); }
IntPair stride_or_kernel(IntPair stride, IntPair kernel) { return stride == IntPair(0) ? kernel : stride; }
}  // namespace

namespace functional {
Tensor avg_pool2d(const Tensor& x, const AvgPool2dFuncOptions& o) {
  const auto& divisor = o.divisor_override();
  if (divisor && *divisor < 1)
    throw Error(fmt::format("avg_pool2d: divisor_override must be positive, got {} (input shape {})", *divisor,
                            shape_str(x.shape())));
  return xgrad::avg_pool2d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(), o.count_include_pad(),
                           divisor.value_or(0));
}
}  // namespace functional

std::string MaxPool2dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}", pair_str(options.kernel_size()),
                     pair_str(stride_or_kernel(options.stride(), options.kernel_size())), pair_str(options.padding()),
                     pair_str(options.dilation()), options.ceil_mode() ? "True" : "False");
}
std::string AvgPool2dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", pair_str(options.kernel_size()),
                     pair_str(stride_or_kernel(options.stride(), options.kernel_size())), pair_str(options.padding()));
}
std::string AdaptiveAvgPool2dImpl::extra_repr() const {
  return fmt::format("output_size={}", pair_str(options.output_size()));
}

}  // namespace xgrad::nn
