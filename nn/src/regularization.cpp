#include "xgrad/nn/regularization.hpp"

#include <fmt/format.h>

#include "xgrad/arithmetic.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/reduce.hpp"

namespace xgrad::nn {

Tensor l2_penalty(const std::vector<Tensor>& parameters, double beta) {
  Tensor total;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const Tensor& p = parameters[i];
    if (!p.defined() || !p.is_floating_point())
      throw Error(fmt::format("l2_penalty: parameter {} must be a defined floating-point tensor", i));
    const Tensor term = sum(p * p);
    total = total.defined() ? total + term : term;
  }
  if (!total.defined()) return scalar_tensor(0.0);
  return total * beta;
}

}  // namespace xgrad::nn
