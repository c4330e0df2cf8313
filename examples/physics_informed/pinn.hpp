// A physics-informed toy: a small MLP u(x) learns the solution of u'' = f on [0, 1] with u(0) = u(1) = 0
// and f(x) = −π² sin(πx) (so u(x) = sin(πx)) from the equation alone, never seeing u. The loss holds the
// second derivative of the network with respect to its input, taken by autograd::grad with
// create_graph = true twice; training then differentiates through those derivatives (third order).
#pragma once
#include <cmath>
#include <numbers>
#include <vector>

#include <xgrad/xgrad.hpp>

namespace pinn {

namespace nn = xg::nn;

inline nn::Sequential make_net(std::uint64_t seed = 0) {
  xg::manual_seed(seed);
  return nn::Sequential(nn::Linear(1, 16, true, xg::kFloat64), nn::Tanh(), nn::Linear(16, 16, true, xg::kFloat64),
                        nn::Tanh(), nn::Linear(16, 1, true, xg::kFloat64));
}

inline xg::Tensor source(const xg::Tensor& x) {
  const double pi = std::numbers::pi;
  return -pi * pi * xg::sin(pi * x);
}

// u''(x) at each row of x [N, 1]. Row i of u depends on row i of x only, so the gradient of Σu is the
// column of u'(x_i), and the gradient of Σu' the column of u''(x_i).
inline xg::Tensor second_derivative(nn::Sequential& net, const xg::Tensor& x) {
  const auto u = net(x);
  const auto du = xg::autograd::grad({u.sum()}, {x}, {}, true, /*create_graph=*/true)[0];
  return xg::autograd::grad({du.sum()}, {x}, {}, true, /*create_graph=*/true)[0];
}

struct Problem {
  xg::Tensor x;         // collocation points [N, 1], requires grad
  xg::Tensor boundary;  // [[0], [1]]
};

inline Problem make_problem(std::int64_t points = 32) {
  return {xg::reshape(xg::linspace(0.0, 1.0, points, xg::kFloat64), {points, 1}).requires_grad_(),
          xg::tensor({0.0, 1.0}, {2, 1}, xg::kFloat64)};
}

// Mean squared residual of the equation plus the boundary conditions.
inline xg::Tensor loss(nn::Sequential& net, const Problem& p) {
  const auto residual = second_derivative(net, p.x) - source(p.x.detach());
  return xg::mean(residual * residual) + xg::mean(xg::pow(net(p.boundary), 2.0));
}

// The largest |u(x) − sin(πx)| on a fine grid.
inline double max_error(nn::Sequential& net) {
  xg::NoGradGuard no_grad;
  const auto x = xg::reshape(xg::linspace(0.0, 1.0, 201, xg::kFloat64), {201, 1});
  return xg::max(xg::abs(net(x) - xg::sin(std::numbers::pi * x))).item<double>();
}

struct Result {
  std::vector<std::pair<int, double>> losses;  // (step, loss) every `report_every` steps
  double max_error = 0;
};

inline Result train(nn::Sequential& net, int steps, int report_every = 0, double lr = 1e-2) {
  const Problem p = make_problem();
  xg::optim::Adam adam(net->parameters(), {.lr = lr});
  Result r;
  for (int step = 0; step <= steps; ++step) {
    adam.zero_grad();
    const auto l = loss(net, p);
    if (report_every > 0 && step % report_every == 0) r.losses.emplace_back(step, l.item<double>());
    if (step == steps) break;
    l.backward();
    adam.step();
  }
  r.max_error = max_error(net);
  return r;
}

}  // namespace pinn
