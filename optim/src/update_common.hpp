// Small helpers shared by the optimizers' update loops.
#pragma once
#include <string>

#include <fmt/format.h>

#include "xgrad/dtype.hpp"
#include "xgrad/error.hpp"

// The kernels take restrict pointers: a parameter, its gradient and its state never overlap, and
// saying so lets the compiler vectorize the fused loops.
#if defined(__GNUC__) || defined(__clang__)
#define XGRAD_RESTRICT __restrict__
#else
#define XGRAD_RESTRICT
#endif

namespace xgrad::optim::detail {

// Calls f(T{}) with T = float or double for the parameter's dtype.
template <class F>
void dispatch_floating(Dtype dtype, F&& f) {
  if (dtype == kFloat64)
    f(double{});
  else
    f(float{});
}

inline void require(bool ok, const std::string& where, const char* what, double value) {
  if (!ok) throw Error(fmt::format("{}: invalid {}: {}", where, what, value));
}

}  // namespace xgrad::optim::detail
