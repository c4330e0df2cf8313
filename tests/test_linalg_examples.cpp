// The issue-19 examples: the Gaussian-process fit against the same fit in PyTorch
// (tests/fixtures/gaussian_process.json, scripts/make_linalg_fixtures.py), and the physics-informed toy.
#include <doctest/doctest.h>

#include "../examples/gaussian_process/gp.hpp"
#include "../examples/physics_informed/pinn.hpp"
#include "torch_fixtures.hpp"

namespace {

using torch_fixtures::json;
using torch_fixtures::rel_error;

double rel(double got, double want) { return std::abs(got - want) / std::max(1e-3, std::abs(want)); }

}  // namespace

TEST_CASE("gaussian_process: likelihood, gradients, Adam fit and predictions match PyTorch") {
  const json fx = torch_fixtures::load("gaussian_process.json");
  auto [x, y] = gp::make_data();
  CHECK(rel_error(x, fx["x"]) < 1e-14);  // the same data on both sides (up to the last bit of libm)
  CHECK(rel_error(y, fx["y"]) < 1e-14);
  const auto init = fx["initial"].get<std::vector<double>>();
  gp::Hyper h = gp::make_hyper(init[0], init[1], init[2]);

  const auto nll = gp::negative_log_likelihood(x, y, h);
  CHECK(rel(nll.item<double>(), fx["initial_nll"]) < 1e-12);
  const auto grads = xg::autograd::grad({nll}, h.list());
  for (std::size_t i = 0; i < 3; ++i) CHECK(rel(grads[i].item<double>(), fx["initial_grads"][i]) < 1e-10);

  const auto result = gp::fit(x, y, h, fx["steps"].get<int>(), fx["lr"].get<double>());
  const auto history = fx["nll_history"].get<std::vector<double>>();
  REQUIRE(result.nll.size() == history.size());
  double worst = 0;
  for (std::size_t i = 0; i < history.size(); ++i) worst = std::max(worst, rel(result.nll[i], history[i]));
  CHECK(worst < 1e-10);
  const auto params = h.list();
  for (std::size_t i = 0; i < 3; ++i) CHECK(rel(params[i].item<double>(), fx["final_params"][i]) < 1e-10);
  CHECK(rel(result.final_nll, fx["final_nll"]) < 1e-10);
  CHECK(result.final_nll < result.nll.front() - 30.0);  // a real improvement, not a flat line

  const auto [mean, std] = gp::predict(x, y, h, torch_fixtures::tensor(fx["test_x"]));
  CHECK(rel_error(mean, fx["test_mean"]) < 1e-10);
  CHECK(rel_error(std, fx["test_std"]) < 1e-10);
}

TEST_CASE("physics_informed: autograd's u'' matches finite differences, and training solves the equation") {
  auto net = pinn::make_net(0);
  // Second derivative through create_graph vs the central difference (u(x+h) − 2u(x) + u(x−h)) / h².
  const auto x = xg::tensor({0.1, 0.45, 0.8}, {3, 1}, xg::kFloat64).requires_grad_();
  const auto d2 = pinn::second_derivative(net, x).to_vector();
  const double step = 1e-4;
  xg::NoGradGuard no_grad;
  const auto xd = x.detach();
  const auto u = net(xd).to_vector(), up = net(xd + step).to_vector(), um = net(xd - step).to_vector();
  for (std::size_t i = 0; i < 3; ++i) CHECK(d2[i] == doctest::Approx((up[i] - 2 * u[i] + um[i]) / (step * step)).epsilon(1e-5));
  // The same number from the functional API: the Hessian of x ↦ u(x) at a point.
  const auto h = xg::autograd::functional::hessian([&](const xg::Tensor& p) { return net(xg::reshape(p, {1, 1})).sum(); },
                                                   xg::tensor({0.45}, {1}, xg::kFloat64));
  CHECK(h.item<double>() == doctest::Approx(d2[1]).epsilon(1e-12));
}

TEST_CASE("physics_informed: training through second derivatives fits sin(pi x)") {
  auto net = pinn::make_net(0);
  const auto r = pinn::train(net, 1500, 500);
  CHECK(r.losses.back().second < 1e-3 * r.losses.front().second);
  CHECK(r.max_error < 1e-2);
}
