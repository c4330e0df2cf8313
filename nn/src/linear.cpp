#include "xgrad/nn/linear.hpp"

#include <cmath>

#include <fmt/format.h>

#include "xgrad/factories.hpp"
#include "xgrad/linalg.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::nn {

LinearImpl::LinearImpl(std::int64_t in, std::int64_t out, bool with_bias, Dtype dtype)
    : in_features(in), out_features(out) {
  if (in < 0 || out < 0)
    throw Error(fmt::format("Linear: feature counts must be non-negative, got in {} and out {}", in, out));
  if (!is_floating_point(dtype))
    throw Error(fmt::format("Linear: dtype must be floating point, got {}", dtype_name(dtype)));
  weight = register_parameter("weight", empty({out, in}, dtype));
  if (with_bias) bias = register_parameter("bias", empty({out}, dtype));
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor LinearImpl::forward(const Tensor& x) const { return linear(x, weight, bias); }

std::string LinearImpl::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", in_features, out_features,
                     bias.defined() ? "True" : "False");
}

}  // namespace xgrad::nn
