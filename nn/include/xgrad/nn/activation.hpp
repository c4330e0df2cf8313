// Activation layers: modules around the differentiable activation ops, with torch's names and defaults.
#pragma once
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "xgrad/elementwise.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/nn/options_arg.hpp"
#include "xgrad/softmax.hpp"

namespace xgrad::nn {

namespace functional {
// approximate = "none" (exact erf form) or "tanh" (0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))).
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
}  // namespace functional

// libtorch's ReLUOptions: ReLU(ReLUOptions().inplace(true)) overwrites its input (relu_), which
// saves the memory of a second activation; under autograd it is recorded as torch records relu_.
struct ReLUOptions {
  ReLUOptions(bool inplace = false) : inplace_(inplace) {}
  XGRAD_ARG(bool, inplace);
};

class ReLUImpl : public Module {
 public:
  explicit ReLUImpl(const ReLUOptions& options_ = {}) : options(options_) {}
  Tensor forward(Tensor x) const { return options.inplace() ? x.relu_() : relu(x); }
  std::string extra_repr() const override { return options.inplace() ? "inplace=true" : ""; }
  ReLUOptions options;
};
XGRAD_MODULE(ReLU);

class TanhImpl : public Module {
 public:
  Tensor forward(const Tensor& x) const { return xgrad::tanh(x); }
};
XGRAD_MODULE(Tanh);

class SigmoidImpl : public Module {
 public:
  Tensor forward(const Tensor& x) const { return sigmoid(x); }
};
XGRAD_MODULE(Sigmoid);

class ELUImpl : public Module {
 public:
  explicit ELUImpl(double alpha_ = 1.0) : alpha(alpha_) {}
  Tensor forward(const Tensor& x) const { return elu(x, alpha); }
  std::string extra_repr() const override { return fmt::format("alpha={}", alpha); }
  double alpha;
};
XGRAD_MODULE(ELU);

class LeakyReLUImpl : public Module {
 public:
  explicit LeakyReLUImpl(double negative_slope_ = 0.01) : negative_slope(negative_slope_) {}
  Tensor forward(const Tensor& x) const { return leaky_relu(x, negative_slope); }
  std::string extra_repr() const override { return fmt::format("negative_slope={}", negative_slope); }
  double negative_slope;
};
XGRAD_MODULE(LeakyReLU);

class GELUImpl : public Module {
 public:
  explicit GELUImpl(std::string approximate = "none");
  Tensor forward(const Tensor& x) const { return functional::gelu(x, approximate); }
  std::string extra_repr() const override { return "approximate='" + approximate + "'"; }
  std::string approximate;
};
XGRAD_MODULE(GELU);

class SoftmaxImpl : public Module {
 public:
  explicit SoftmaxImpl(std::int64_t dim_) : dim(dim_) {}
  Tensor forward(const Tensor& x) const { return softmax(x, dim); }
  std::string extra_repr() const override { return fmt::format("dim={}", dim); }
  std::int64_t dim;
};
XGRAD_MODULE(Softmax);

class LogSoftmaxImpl : public Module {
 public:
  explicit LogSoftmaxImpl(std::int64_t dim_) : dim(dim_) {}
  Tensor forward(const Tensor& x) const { return log_softmax(x, dim); }
  std::string extra_repr() const override { return fmt::format("dim={}", dim); }
  std::int64_t dim;
};
XGRAD_MODULE(LogSoftmax);

}  // namespace xgrad::nn
