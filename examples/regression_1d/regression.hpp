// 1-D regression: a shallow network ŷ = W₂·tanh(W₁x + b₁) + b₂ (16 hidden units) fits y = sin(x) on
// [−3, 3] by full-batch gradient descent on the mean squared error plus a ridge term β·(‖W₁‖² + ‖W₂‖²).
// Before training, autograd's gradients are compared with the hand-derived backpropagation formulas.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <xgrad/xgrad.hpp>


namespace regression_example {

namespace nn = xg::nn;
namespace F = xg::nn::functional;

inline constexpr double kRidge = 1e-4;

struct Data {
  xg::Tensor x, y;  // [N, 1]
};

inline Data make_data(std::int64_t n = 64) {
  const xg::Tensor x = xg::reshape(xg::linspace(-3, 3, n, xg::kFloat64), {n, 1});
  return {x, xg::sin(x)};
}

inline nn::Sequential make_net(std::int64_t hidden = 16) {
  return nn::Sequential(nn::Linear(1, hidden, true, xg::kFloat64), nn::Tanh(),
                        nn::Linear(hidden, 1, true, xg::kFloat64));
}

// The training objective: MSE plus the ridge penalty on the weights (not the biases).
inline xg::Tensor objective(nn::Sequential& net, const Data& d) {
  const auto& w1 = net->at<nn::LinearImpl>(0).weight;
  const auto& w2 = net->at<nn::LinearImpl>(2).weight;
  return F::mse_loss(net(d.x), d.y) + nn::l2_penalty({w1, w2}, kRidge);
}

// The largest difference between autograd's gradients and the backpropagation formulas
//   e = 2(ŷ − y)/N,  dW₂ = eᵀh + 2βW₂,  db₂ = Σe,  dz = (e·W₂) ⊙ (1 − h²),  dW₁ = dzᵀx + 2βW₁,  db₁ = Σ dz
inline double max_gradient_difference(nn::Sequential& net, const Data& d) {
  net->zero_grad();
  objective(net, d).backward();
  auto& l1 = net->at<nn::LinearImpl>(0);
  auto& l2 = net->at<nn::LinearImpl>(2);
  xg::NoGradGuard no_grad;
  const double n = static_cast<double>(d.x.size(0));
  const xg::Tensor h = xg::tanh(xg::matmul(d.x, l1.weight.t()) + l1.bias);
  const xg::Tensor e = (xg::matmul(h, l2.weight.t()) + l2.bias - d.y) * (2.0 / n);
  const xg::Tensor dz = xg::matmul(e, l2.weight) * (1.0 - h * h);
  const std::vector<std::pair<xg::Tensor, xg::Tensor>> pairs = {
      {l2.weight.grad(), xg::matmul(e.t(), h) + 2.0 * kRidge * l2.weight},
      {l2.bias.grad(), xg::sum(e, {0})},
      {l1.weight.grad(), xg::matmul(dz.t(), d.x) + 2.0 * kRidge * l1.weight},
      {l1.bias.grad(), xg::sum(dz, {0})}};
  double worst = 0;
  for (const auto& [autograd, by_hand] : pairs)
    worst = std::max(worst, xg::max(xg::abs(autograd - by_hand)).item<double>());
  net->zero_grad();
  return worst;
}

struct Result {
  double gradient_difference = 0;
  std::vector<std::pair<int, double>> losses;  // (step, objective) every `report_every` steps
  double final_mse = 0;
};

inline Result train(int steps = 3000, int report_every = 300, std::uint64_t seed = 0, bool verbose = false) {
  xg::manual_seed(seed);
  const Data d = make_data();
  nn::Sequential net = make_net();
  Result r;
  r.gradient_difference = max_gradient_difference(net, d);
  xg::optim::SGD gd(net->parameters(), {.lr = 0.05, .momentum = 0.9});
  for (int step = 0; step <= steps; ++step) {
    gd.zero_grad();
    const xg::Tensor loss = objective(net, d);
    if (step % report_every == 0) {
      r.losses.emplace_back(step, loss.item<double>());
      if (verbose) fmt::print("  step {:>5}  loss {:.6f}\n", step, loss.item<double>());
    }
    if (step == steps) break;
    loss.backward();
    gd.step();
  }
  xg::NoGradGuard no_grad;
  r.final_mse = F::mse_loss(net(d.x), d.y).item<double>();
  return r;
}

}  // namespace regression_example
