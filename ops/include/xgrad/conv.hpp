// Convolutions over NCHW tensors, as torch::conv2d / conv1d / conv_transpose2d. Sizes are pairs
// (height, width); a single integer means the same value for both, and padding may also be
// xg::kSame (output as large as the input; stride 1 only, as torch) or xg::kValid (no padding).
// Every op here is differentiable to any order: a convolution's gradients are again convolutions.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "xgrad/tensor.hpp"

namespace xgrad {

// A (height, width) pair; one integer means both (libtorch's ExpandingArray<2>): 3 or {3, 2}.
class IntPair {
 public:
  constexpr IntPair(std::int64_t v = 0) : v_{v, v} {}
  constexpr IntPair(std::int64_t h, std::int64_t w) : v_{h, w} {}
  constexpr std::int64_t operator[](std::size_t i) const { return v_[i]; }
  std::int64_t& operator[](std::size_t i) { return v_[i]; }
  bool operator==(const IntPair&) const = default;

 private:
  std::array<std::int64_t, 2> v_;
};

struct SamePadding {};
struct ValidPadding {};
inline constexpr SamePadding kSame{};
inline constexpr ValidPadding kValid{};

// Padding of a convolution: explicit (per side, symmetric) or one of the two named modes.
class Padding2d {
 public:
  enum class Mode { Explicit, Same, Valid };
  Padding2d(std::int64_t p = 0) : pair_{p, p} {}
  Padding2d(IntPair p) : pair_(p) {}
  Padding2d(std::int64_t h, std::int64_t w) : pair_{h, w} {}  // .padding({1, 2})
  Padding2d(SamePadding) : mode_(Mode::Same) {}
  Padding2d(ValidPadding) : mode_(Mode::Valid) {}
  Mode mode() const { return mode_; }
  IntPair pair() const { return pair_; }  // meaningful for Explicit only

 private:
  Mode mode_ = Mode::Explicit;
  IntPair pair_{0, 0};
};

// x [N, C, H, W], weight [OC, C / groups, KH, KW], bias [OC] or undefined -> [N, OC, OH, OW] with
// OH = (H + 2·pad - dilation·(KH - 1) - 1) / stride + 1 (likewise OW).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), IntPair stride = {1, 1},
              Padding2d padding = 0, IntPair dilation = {1, 1}, std::int64_t groups = 1);

// x [N, C, L], weight [OC, C / groups, K]: conv2d over a height of 1.
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), std::int64_t stride = 1,
              Padding2d padding = 0, std::int64_t dilation = 1, std::int64_t groups = 1);

// The adjoint of conv2d in its input: x [N, IC, H, W], weight [IC, OC / groups, KH, KW] (torch's
// layout), bias [OC] -> [N, OC, OH, OW] with OH = (H - 1)·stride - 2·pad + dilation·(KH - 1)
// + output_padding + 1. Argument order as torch::conv_transpose2d.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), IntPair stride = {1, 1},
                        IntPair padding = {0, 0}, IntPair output_padding = {0, 0}, std::int64_t groups = 1,
                        IntPair dilation = {1, 1});

}  // namespace xgrad
