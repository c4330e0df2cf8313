// Element types a tensor can hold and torch's promotion rules between them.
#pragma once
#include <cstddef>
#include <cstdint>

namespace xgrad {

// Declared in promotion order: promote_types takes the later of two.
enum class Dtype : std::uint8_t { Bool, Int64, BFloat16, Float32, Float64 };

inline constexpr Dtype kBool = Dtype::Bool;
inline constexpr Dtype kInt64 = Dtype::Int64;
inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
// bfloat16: float32's exponent with 8 bits of mantissa. A storage and matrix-product type: tensors
// convert to and from it, print, save and load, and matmul/linear read it (AutocastGuard); the other
// ops compute in float32 and ask for a conversion first.
inline constexpr Dtype kBFloat16 = Dtype::BFloat16;

// One bfloat16 value: the upper half of a float32, rounded to nearest even.
struct BFloat16 {
  std::uint16_t bits = 0;
  BFloat16() = default;
  explicit BFloat16(float value);
  explicit operator float() const;
};

// Bytes per element (inline: every strided access computes its first element's address with it).
inline std::size_t element_size(Dtype dtype) {
  switch (dtype) {
    case Dtype::Bool: return 1;
    case Dtype::BFloat16: return 2;
    case Dtype::Float32: return 4;
    case Dtype::Int64:
    case Dtype::Float64: return 8;
  }
  return 0;
}
const char* dtype_name(Dtype dtype);  // "float32", as torch prints it without the "torch." prefix
bool is_floating_point(Dtype dtype);

// float64 > float32 > bfloat16 > int64 > bool, as torch promotes tensor-tensor operands.
inline Dtype promote_types(Dtype a, Dtype b) { return a > b ? a : b; }

}  // namespace xgrad
