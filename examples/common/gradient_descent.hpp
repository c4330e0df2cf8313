// Full-batch gradient descent with momentum for the small examples: p ← p − lr·v, v ← μ·v + ∇p.
// (The examples keep to nn and ops; xg::optim::SGD does the same with param groups and options.)
#pragma once
#include <vector>

#include <xgrad/xgrad.hpp>

namespace examples {

class GradientDescent {
 public:
  GradientDescent(std::vector<xg::Tensor> params, double lr, double momentum = 0.0)
      : params_(std::move(params)), lr_(lr), momentum_(momentum) {}

  void step() {
    xg::NoGradGuard no_grad;  // parameter updates are not part of any graph
    if (velocity_.empty())
      for (const auto& p : params_) velocity_.push_back(xg::zeros_like(p));
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const xg::Tensor g = params_[i].grad();
      if (!g.defined()) continue;
      velocity_[i].mul_(momentum_).add_(g);
      params_[i].add_(velocity_[i], -lr_);
    }
  }
  void zero_grad() {
    for (auto& p : params_) p.set_grad(xg::Tensor());
  }

 private:
  std::vector<xg::Tensor> params_, velocity_;
  double lr_, momentum_;
};

}  // namespace examples
