// Element types a tensor can hold and torch's promotion rules between them.
#pragma once
#include <cstddef>
#include <cstdint>

namespace xgrad {

enum class Dtype : std::uint8_t { Bool, Int64, Float32, Float64 };

inline constexpr Dtype kBool = Dtype::Bool;
inline constexpr Dtype kInt64 = Dtype::Int64;
inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;

std::size_t element_size(Dtype dtype);
const char* dtype_name(Dtype dtype);  // "float32", as torch prints it without the "torch." prefix
bool is_floating_point(Dtype dtype);

// float64 > float32 > int64 > bool, as torch promotes tensor-tensor operands.
inline Dtype promote_types(Dtype a, Dtype b) { return a > b ? a : b; }

}  // namespace xgrad
