// Options of the losses: aggregates with torch's field order and defaults, for designated
// initializers ({.ignore_index = 0, .reduction = "sum"}). `reduction` is "mean", "sum" or "none".
// The functional forms and the loss modules take the same options.
#pragma once
#include <cstdint>
#include <string>

#include "xgrad/tensor.hpp"

namespace xgrad::nn {

struct MSELossOptions {
  std::string reduction = "mean";
};

struct L1LossOptions {
  std::string reduction = "mean";
};

struct BCELossOptions {
  Tensor weight = {};  // broadcast against the input: a rescaling per element
  std::string reduction = "mean";
};

struct BCEWithLogitsLossOptions {
  Tensor weight = {};
  std::string reduction = "mean";
  Tensor pos_weight = {};  // weight of positive examples, broadcast along the last dimension (per class)
};

struct CrossEntropyLossOptions {
  Tensor weight = {};  // [C]: a weight per class
  std::int64_t ignore_index = -100;
  double label_smoothing = 0.0;
  std::string reduction = "mean";
};

struct NLLLossOptions {
  Tensor weight = {};
  std::int64_t ignore_index = -100;
  std::string reduction = "mean";
};

struct HuberLossOptions {
  std::string reduction = "mean";
  double delta = 1.0;
};

struct SmoothL1LossOptions {
  std::string reduction = "mean";
  double beta = 1.0;
};

struct KLDivLossOptions {
  std::string reduction = "mean";  // also "batchmean": the sum divided by the batch size
  bool log_target = false;
};

namespace functional {
// libtorch's names for the functional options.
using MSELossFuncOptions = MSELossOptions;
using L1LossFuncOptions = L1LossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
using HuberLossFuncOptions = HuberLossOptions;
using SmoothL1LossFuncOptions = SmoothL1LossOptions;
using KLDivFuncOptions = KLDivLossOptions;
}  // namespace functional

}  // namespace xgrad::nn
