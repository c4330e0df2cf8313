// Linear: y = x·Wᵀ + b with W [out, in] and b [out], as torch.nn.Linear (one fused gemm).
#pragma once
#include <cstdint>

#include "xgrad/nn/linear_options.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class LinearImpl : public Module {
 public:
  // torch's initialization: W ~ kaiming_uniform(a = √5), i.e. U(±1/√in); b ~ U(±1/√in).
  LinearImpl(std::int64_t in_features, std::int64_t out_features, bool bias = true, Dtype dtype = kFloat32);
  explicit LinearImpl(const LinearOptions& options, Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x) const;
  // Draws fresh initial values, as torch's reset_parameters().
  void reset_parameters();
  std::string extra_repr() const override;

  std::int64_t in_features, out_features;
  Tensor weight;  // [out, in]
  Tensor bias;    // [out], undefined without bias
};
XGRAD_MODULE(Linear);

}  // namespace xgrad::nn
