// Padding of the trailing dimensions, as torch::nn::functional::pad: constant, reflect, replicate
// or circular, the mode named by a libtorch-style tag (xg::kReflect, as torch::kReflect). The same
// tags name a convolution's padding_mode (with xg::kZeros for its default), as libtorch's.
#pragma once
#include <cstdint>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {

struct ZerosMode {};
struct ConstantMode {};
struct ReflectMode {};
struct ReplicateMode {};
struct CircularMode {};
inline constexpr ZerosMode kZeros{};
inline constexpr ConstantMode kConstant{};
inline constexpr ReflectMode kReflect{};
inline constexpr ReplicateMode kReplicate{};
inline constexpr CircularMode kCircular{};

// What pad() fills the border with. Built from the tags, so only pad's modes are accepted.
class PadMode {
 public:
  enum class Kind { Constant, Reflect, Replicate, Circular };
  constexpr PadMode(ConstantMode) : kind_(Kind::Constant) {}
  constexpr PadMode(ReflectMode) : kind_(Kind::Reflect) {}
  constexpr PadMode(ReplicateMode) : kind_(Kind::Replicate) {}
  constexpr PadMode(CircularMode) : kind_(Kind::Circular) {}
  constexpr Kind kind() const { return kind_; }
  bool operator==(const PadMode&) const = default;

 private:
  Kind kind_;
};

// A convolution layer's padding_mode: kZeros (the convolution pads) or a mode pad() applies first.
class ConvPaddingMode {
 public:
  enum class Kind { Zeros, Reflect, Replicate, Circular };
  constexpr ConvPaddingMode(ZerosMode) : kind_(Kind::Zeros) {}
  constexpr ConvPaddingMode(ReflectMode) : kind_(Kind::Reflect) {}
  constexpr ConvPaddingMode(ReplicateMode) : kind_(Kind::Replicate) {}
  constexpr ConvPaddingMode(CircularMode) : kind_(Kind::Circular) {}
  constexpr Kind kind() const { return kind_; }
  bool operator==(const ConvPaddingMode&) const = default;
  // The mode pad() uses; kZeros maps to kConstant (value 0).
  PadMode pad_mode() const;
  const char* name() const;  // "zeros", "reflect", ... as torch prints them

 private:
  Kind kind_;
};

// pad = {left, right} for the last dimension, then {top, bottom} for the one before, and so on (torch's
// order). Negative amounts crop; the crop happens first and the border is made from what remains.
// reflect mirrors without repeating the edge (each amount below the dimension's size), replicate
// repeats the edge, circular wraps (each amount at most the size). Differentiable to any order: every
// mode is a crop, a gather of source indices (index_select) and, for constant, a concatenation.
Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pad, PadMode mode = kConstant, double value = 0.0);

}  // namespace xgrad
