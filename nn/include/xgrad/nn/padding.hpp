// functional::pad with libtorch's builder: F::pad(x, F::PadFuncOptions({1, 1, 2, 2}).mode(xg::kReflect)).
#pragma once
#include <cstdint>
#include <vector>

#include "xgrad/nn/options_arg.hpp"
#include "xgrad/pad.hpp"

namespace xgrad::nn {

class PadFuncOptions {
 public:
  PadFuncOptions(std::vector<std::int64_t> pad) : pad_(std::move(pad)) {}
  XGRAD_ARG(std::vector<std::int64_t>, pad);
  XGRAD_ARG(PadMode, mode) = kConstant;
  XGRAD_ARG(double, value) = 0.0;
};

namespace functional {
inline Tensor pad(const Tensor& x, const PadFuncOptions& o) { return xgrad::pad(x, o.pad(), o.mode(), o.value()); }
}  // namespace functional

}  // namespace xgrad::nn
