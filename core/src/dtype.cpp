#include "xgrad/dtype.hpp"

#include <cmath>
#include <cstring>

namespace xgrad {

const char* dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::Bool: return "bool";
    case Dtype::Int64: return "int64";
    case Dtype::BFloat16: return "bfloat16";
    case Dtype::Float32: return "float32";
    case Dtype::Float64: return "float64";
  }
  return "?";
}

bool is_floating_point(Dtype dtype) {
  return dtype == Dtype::Float32 || dtype == Dtype::Float64 || dtype == Dtype::BFloat16;
}

BFloat16::BFloat16(float value) {
  std::uint32_t u;
  std::memcpy(&u, &value, sizeof u);
  if (std::isnan(value)) {
    bits = static_cast<std::uint16_t>((u >> 16) | 0x40);  // stays a (quiet) NaN
    return;
  }
  u += 0x7fff + ((u >> 16) & 1);  // round to nearest, ties to even
  bits = static_cast<std::uint16_t>(u >> 16);
}

BFloat16::operator float() const {
  const std::uint32_t u = static_cast<std::uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &u, sizeof value);
  return value;
}

}  // namespace xgrad
