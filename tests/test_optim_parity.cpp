// Optimizer trajectories equal torch's: 50 steps of every optimizer and notable option, in float64,
// on a Rosenbrock function and on a small MLP (fixtures from scripts/make_optim_fixtures.py).
#include <doctest/doctest.h>

#include "optim_test_support.hpp"

using namespace optim_test;

namespace {

constexpr double kTolerance = 1e-10;

struct Trajectory {
  std::vector<double> losses;
  std::vector<std::vector<double>> finals;
};

// Runs the fixture's number of steps: zero_grad, loss (negated for maximize runs), backward, step.
template <class Loss>
Trajectory run(xg::optim::Optimizer& opt, const std::vector<xg::Tensor>& params, int steps, bool negate, Loss loss_fn) {
  Trajectory t;
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    xg::Tensor loss = loss_fn();
    t.losses.push_back(loss.item<double>());
    (negate ? -loss : loss).backward();
    opt.step();
  }
  for (const auto& p : params) t.finals.push_back(p.to_vector());
  return t;
}

// Compares one run with its fixture entry; returns the worst error over losses and parameters.
double compare(const Trajectory& got, const json& want) {
  double worst = max_error(got.losses, want["losses"].get<std::vector<double>>());
  const auto& finals = want["final"];
  REQUIRE(got.finals.size() == finals.size());
  for (std::size_t i = 0; i < finals.size(); ++i)
    worst = std::max(worst, max_error(got.finals[i], finals[i].get<std::vector<double>>()));
  return worst;
}

std::vector<xg::Tensor> mlp_params(const json& mlp, xg::Dtype dtype = xg::kFloat64) {
  std::vector<xg::Tensor> params;
  for (const json& p : mlp["params"])
    params.push_back(xg::tensor(p["values"].get<std::vector<double>>(), shape_of(p["shape"]), dtype, true));
  return params;
}

}  // namespace

TEST_CASE("every optimizer follows torch's trajectory on the Rosenbrock function") {
  const json fx = load_fixture("optim_trajectories.json");
  const int steps = fx["steps"];
  double worst_overall = 0;
  CHECK(fx["rosenbrock"]["runs"].size() == 24);
  for (const json& r : fx["rosenbrock"]["runs"]) {
    const std::string name = r["name"];
    CAPTURE(name);
    auto x = f64(fx["rosenbrock"]["x0"].get<std::vector<double>>(), {4}, true);
    auto opt = make_optimizer(r["optimizer"], {x}, r["options"]);
    const Trajectory t = run(*opt, {x}, steps, r["negate"], [&] { return rosenbrock(x); });
    const double worst = compare(t, r);
    CHECK(worst <= kTolerance);
    worst_overall = std::max(worst_overall, worst);
  }
  MESSAGE("Rosenbrock: worst error against torch over all runs: " << worst_overall);
}

TEST_CASE("every optimizer follows torch's trajectory on a small MLP, param groups included") {
  const json fx = load_fixture("optim_trajectories.json");
  const json& mlp = fx["mlp"];
  const int steps = fx["steps"];
  const auto x = f64(mlp["x"].get<std::vector<double>>(), shape_of(mlp["x_shape"]));
  const auto y = f64(mlp["y"].get<std::vector<double>>(), shape_of(mlp["y_shape"]));
  double worst_overall = 0;
  int runs = 0;
  for (const json& r : mlp["runs"]) {
    const std::string name = r["name"];
    CAPTURE(name);
    auto params = mlp_params(mlp);
    auto opt = make_optimizer(r["optimizer"], params, r["options"], r.value("groups", json()));
    const Trajectory t = run(*opt, params, steps, r["negate"], [&] { return mlp_loss(params, x, y); });
    const double worst = compare(t, r);
    CHECK(worst <= kTolerance);
    worst_overall = std::max(worst_overall, worst);
    ++runs;
  }
  CHECK(runs >= 27);  // 24 single-group runs and 3 with param groups
  MESSAGE("MLP: worst error against torch over " << runs << " runs: " << worst_overall);
}

TEST_CASE("float32 parameters follow the float64 trajectory to float32 accuracy") {
  const json fx = load_fixture("optim_trajectories.json");
  const json& mlp = fx["mlp"];
  const auto x = f64(mlp["x"].get<std::vector<double>>(), shape_of(mlp["x_shape"])).to(xg::kFloat32);
  const auto y = f64(mlp["y"].get<std::vector<double>>(), shape_of(mlp["y_shape"])).to(xg::kFloat32);
  for (const json& r : mlp["runs"]) {
    if (r.contains("groups")) continue;
    const std::string name = r["name"];
    CAPTURE(name);
    auto params = mlp_params(mlp, xg::kFloat32);
    auto opt = make_optimizer(r["optimizer"], params, r["options"]);
    const Trajectory t = run(*opt, params, fx["steps"], r["negate"], [&] { return mlp_loss(params, x, y); });
    for (const auto& p : params) CHECK(p.dtype() == xg::kFloat32);
    CHECK(compare(t, r) <= 2e-4);
  }
}
