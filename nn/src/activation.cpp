#include "xgrad/nn/activation.hpp"

#include <cmath>

#include "xgrad/arithmetic.hpp"

namespace xgrad::nn {

namespace {
void check_approximate(const char* what, const std::string& approximate) {
  if (approximate != "none" && approximate != "tanh")
    throw Error(fmt::format("{}: approximate must be 'none' or 'tanh', got '{}'", what, approximate));
}
}  // namespace

GELUImpl::GELUImpl(std::string approximate_) : approximate(std::move(approximate_)) {
  check_approximate("GELU", approximate);
}

namespace functional {
Tensor gelu(const Tensor& x, const std::string& approximate) {
  check_approximate("gelu", approximate);
  if (approximate == "none") return xgrad::gelu(x);
  // The tanh form is a composition of differentiable ops: no backward of its own.
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + xgrad::tanh(k * (x + 0.044715 * x * x * x)));
}
}  // namespace functional

}  // namespace xgrad::nn
