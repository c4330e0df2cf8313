// The convolutions bench/conv.cpp and its references time (bench/conv_torch.cpp; conv_torch.py
// repeats this table): the trainer's --model cnn layers at its batch of 128, and a ResNet stage's
// 3x3, 64 -> 64 channel convolution at 56x56, batch 8. All stride 1, padding 1, with bias.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace bench {

struct ConvShape {
  const char* name;
  std::int64_t batch, in_channels, height, width, out_channels, kernel;
  bool input_grad;  // false for a network's first layer: nothing upstream wants its input's gradient
};

inline const std::vector<ConvShape>& conv_shapes() {
  static const std::vector<ConvShape> shapes = {
      {"fashion_conv1", 128, 1, 28, 28, 32, 3, false},
      {"fashion_conv2", 128, 32, 14, 14, 64, 3, true},
      {"resnet_64x56x56", 8, 64, 56, 56, 64, 3, true},
  };
  return shapes;
}

// Multiply-adds x 2 of the forward; the backward does the same again per gradient it computes.
inline double forward_flops(const ConvShape& s) {
  return 2.0 * s.batch * s.out_channels * s.height * s.width * s.in_channels * s.kernel * s.kernel;
}

// Calls per timing: about 0.1 GFLOP-seconds of work at 100 GFLOP/s, between 2 and 200.
inline int iterations(const ConvShape& s) {
  return static_cast<int>(std::clamp(1e10 / (3.0 * forward_flops(s)), 2.0, 200.0));
}

}  // namespace bench
