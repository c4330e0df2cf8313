// Raw bytes of a tensor's contiguous storage, for row copies that need no per-dtype code.
#pragma once
#include <cstddef>

#include <fmt/format.h>

#include "xgrad/error.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad::data::detail {

inline std::byte* tensor_bytes(const Tensor& t) {
  if (!t.is_contiguous())
    throw Error(fmt::format("tensor_bytes: a strided view of shape {} has no dense bytes; call contiguous() first",
                            shape_str(t.shape())));
  switch (t.dtype()) {
    case kFloat32: return reinterpret_cast<std::byte*>(t.data_ptr<float>());
    case kFloat64: return reinterpret_cast<std::byte*>(t.data_ptr<double>());
    case kInt64: return reinterpret_cast<std::byte*>(t.data_ptr<std::int64_t>());
    case kBool: return reinterpret_cast<std::byte*>(t.data_ptr<bool>());
    case kBFloat16: return reinterpret_cast<std::byte*>(t.data_ptr<BFloat16>());
  }
  throw Error("tensor_bytes: unknown dtype");
}

}  // namespace xgrad::data::detail
