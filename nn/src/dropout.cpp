// Inverted dropout as x · mask, the mask a constant of 0 and 1/(1−p): MulBackward0 gives the gradient
// (g · mask), so dropout needs no backward of its own and works under create_graph.
#include "xgrad/nn/dropout.hpp"

#include "xgrad/arithmetic.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"

namespace xgrad::nn {

namespace {
void check_p(const char* what, double p) {
  if (!(p >= 0.0 && p <= 1.0)) throw Error(fmt::format("{}: probability p must be in [0, 1], got {}", what, p));
}
}  // namespace

DropoutImpl::DropoutImpl(double p_) : p(p_) { check_p("Dropout", p); }

namespace functional {

Tensor dropout(const Tensor& x, double p, bool training) {
  check_p("dropout", p);
  if (!x.is_floating_point())
    throw Error(fmt::format("dropout: input must be floating point, got {} of shape {}", dtype_name(x.dtype()),
                            shape_str(x.shape())));
  if (!training || p == 0.0) return x;
  if (p == 1.0) return x * 0.0;  // everything dropped (NaN stays NaN, as torch)
  Tensor mask = empty(x.shape(), x.dtype());
  mask.bernoulli_(1.0 - p).mul_(1.0 / (1.0 - p));  // kept elements scaled, so the expectation is x
  return x * mask;
}

}  // namespace functional
}  // namespace xgrad::nn
