// Runs one generic lambda for whatever dtype a tensor holds:
//   visit_dtype(t.dtype(), [&](auto tag) { using T = decltype(tag); T* p = t.data_ptr<T>(); ... });
// f gets a value-initialized element of the C++ type the dtype stores: float for float32, double for
// float64, std::int64_t for int64, bool for bool. bfloat16 throws xgrad::Error: it is a storage and
// matrix-product type, generic kernels compute in float32 (convert with .to(xgrad::kFloat32) first).
#pragma once
#include <cstdint>
#include <utility>

#include "xgrad/dtype.hpp"

namespace xgrad {

// What visit_dtype does for bfloat16 (out of line: the message is built in one place).
[[noreturn]] void throw_bfloat16_unsupported();

template <class F>
decltype(auto) visit_dtype(Dtype dtype, F&& f) {
  switch (dtype) {
    case Dtype::Float32: return std::forward<F>(f)(float{});
    case Dtype::Float64: return std::forward<F>(f)(double{});
    case Dtype::Int64: return std::forward<F>(f)(std::int64_t{});
    case Dtype::BFloat16: throw_bfloat16_unsupported();
    case Dtype::Bool: break;
  }
  return std::forward<F>(f)(bool{});
}

}  // namespace xgrad
