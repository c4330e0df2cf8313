// What the safetensors reader and writer share: dtype codes and byte order.
#pragma once
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "xgrad/dtype.hpp"

namespace xgrad::nn::safetensors {

inline const char* dtype_code(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32:
      return "F32";
    case Dtype::Float64:
      return "F64";
    case Dtype::Int64:
      return "I64";
    case Dtype::BFloat16:
      return "BF16";
    case Dtype::Bool:
      return "BOOL";
  }
  return "?";
}

inline std::optional<Dtype> dtype_from_code(const std::string& code) {
  if (code == "F32") return kFloat32;
  if (code == "F64") return kFloat64;
  if (code == "I64") return kInt64;
  if (code == "BOOL") return kBool;
  if (code == "BF16") return kBFloat16;
  return std::nullopt;
}

// Codes the format defines that xgrad has no dtype for (a clearer error than "unknown").
inline bool is_other_safetensors_code(const std::string& code) {
  static const char* codes[] = {"F16", "F8_E4M3", "F8_E5M2", "I8", "I16", "I32", "U8", "U16", "U32", "U64"};
  return std::any_of(std::begin(codes), std::end(codes), [&](const char* c) { return code == c; });
}

// The file is little-endian; on a big-endian host each element's bytes are reversed in place.
inline void to_or_from_little_endian(unsigned char* data, std::size_t nbytes, std::size_t element) {
  if constexpr (std::endian::native == std::endian::big) {
    for (std::size_t i = 0; i + element <= nbytes; i += element) std::reverse(data + i, data + i + element);
  } else {
    (void)data, (void)nbytes, (void)element;
  }
}

inline void put_u64_le(unsigned char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline std::uint64_t get_u64_le(const unsigned char* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(in[i]) << (8 * i);
  return v;
}

// The reference implementation refuses headers above 100 MB; so do we (a corrupt length field
// must not make us allocate gigabytes).
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

}  // namespace xgrad::nn::safetensors
