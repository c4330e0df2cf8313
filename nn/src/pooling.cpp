// Printing of the pooling layers (their forwards are inline, over the ops in xgrad/pool.hpp).
#include "xgrad/nn/pooling.hpp"

#include <fmt/format.h>

namespace xgrad::nn {

namespace {
std::string pair_str(IntPair p) { return fmt::format("({}, {})", p[0], p[1]); }
IntPair stride_or_kernel(IntPair stride, IntPair kernel) { return stride == IntPair(0) ? kernel : stride; }
}  // namespace

std::string MaxPool2dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}", pair_str(options.kernel_size()),
                     pair_str(stride_or_kernel(options.stride(), options.kernel_size())), pair_str(options.padding()),
                     pair_str(options.dilation()));
}
std::string AvgPool2dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", pair_str(options.kernel_size()),
                     pair_str(stride_or_kernel(options.stride(), options.kernel_size())), pair_str(options.padding()));
}
std::string AdaptiveAvgPool2dImpl::extra_repr() const {
  return fmt::format("output_size={}", pair_str(options.output_size()));
}

}  // namespace xgrad::nn
