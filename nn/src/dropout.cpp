// Inverted dropout as x · mask, the mask a constant of 0 and 1/(1−p): MulBackward gives the gradient
// (g · mask), so dropout needs no backward of its own and works under create_graph.
#include "xgrad/nn/dropout.hpp"

#include <random>

#include "xgrad/arithmetic.hpp"
#include "xgrad/detail/tensor_impl.hpp"
#include "xgrad/random.hpp"

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
  Tensor mask = make_tensor(x.shape(), x.dtype());
  const double scale = 1.0 / (1.0 - p);
  Generator::global().with_engine([&](std::mt19937_64& engine) {
    std::bernoulli_distribution keep(1.0 - p);
    dispatch(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* m = mask.data_ptr<T>();
      for (std::int64_t i = 0, n_ = mask.numel(); i < n_; ++i) m[i] = keep(engine) ? static_cast<T>(scale) : T(0);
    });
  });
  return x * mask;
}

}  // namespace functional
}  // namespace xgrad::nn
