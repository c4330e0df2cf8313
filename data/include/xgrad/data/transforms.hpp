// Normalization transforms for whole data tensors (applied once, before batching).
#pragma once
#include <cstdint>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad::data {

// Pixels in [0, max_value] (255 for 8-bit images) scaled to [0, 1], as float32 (float64 stays float64).
Tensor scale_to_unit(const Tensor& images, double max_value = 255.0);

// (t - mean) / std with one mean and std for every element (torchvision's Normalize for one channel).
Tensor normalize(const Tensor& t, double mean, double std);
// One mean and std per index along `dim` (channels: dim 1 of an [N, C, H, W] batch).
Tensor normalize(const Tensor& t, const std::vector<double>& mean, const std::vector<double>& std,
                 std::int64_t dim = 1);

// Per-feature standardization fitted on training data, then applied unchanged to validation and
// test data (sklearn's StandardScaler): features with zero spread are only centered.
struct Standardizer {
  Tensor mean;  // [1, features...]
  Tensor std;   // [1, features...], population std (as sklearn), zeros replaced by 1

  static Standardizer fit(const Tensor& data);  // statistics over dim 0 of [N, features...]
  Tensor operator()(const Tensor& data) const;
};

}  // namespace xgrad::data
