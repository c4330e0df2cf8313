// LR schedulers: every scheduler's lr (and OneCycleLR's momentum) over 100 steps equals torch's,
// chained schedulers compose as in torch, ReduceLROnPlateau follows torch on a scripted metric.
#include <doctest/doctest.h>

#include "optim_test_support.hpp"

using namespace optim_test;
namespace o = xg::optim;

namespace {

constexpr double kTolerance = 1e-12;

// The optimizers of the fixture script: two groups with their own lr (and betas for Adam).
std::unique_ptr<o::Optimizer> make_two_group_optimizer(const std::string& type) {
  auto a = xg::zeros({2}, xg::kFloat64, true), b = xg::zeros({3}, xg::kFloat64, true);
  if (type == "SGD")
    return std::make_unique<o::SGD>(
        std::vector<o::ParamGroup<o::SGDOptions>>{{.params = {a}},
                                                  {.params = {b}, .options = o::SGDOptions{.lr = 0.01, .momentum = 0.9}}},
        o::SGDOptions{.lr = 0.1, .momentum = 0.9});
  if (type == "Adam")
    return std::make_unique<o::Adam>(
        std::vector<o::ParamGroup<o::AdamOptions>>{
            {.params = {a}}, {.params = {b}, .options = o::AdamOptions{.lr = 0.002, .betas = {0.8, 0.99}}}},
        o::AdamOptions{.lr = 0.001});
  REQUIRE(type == "Adagrad");
  return std::make_unique<o::Adagrad>(
      std::vector<o::ParamGroup<o::AdagradOptions>>{{.params = {a}},
                                                    {.params = {b}, .options = o::AdagradOptions{.lr = 0.05}}},
      o::AdagradOptions{.lr = 0.1});
}

o::PerGroup per_group(const json& j) {
  if (j.is_array()) return o::PerGroup(j.get<std::vector<double>>());
  return o::PerGroup(j.get<double>());
}

std::optional<std::int64_t> optional_int(const json& args, const char* key) {
  if (!args.contains(key)) return std::nullopt;
  return args[key].get<std::int64_t>();
}

// The same lambdas as the fixture script's.
double lambda_factor(std::int64_t epoch) { return 1.0 / (1.0 + 0.05 * static_cast<double>(epoch)); }
double multiplicative_factor(std::int64_t epoch) { return epoch % 3 == 0 ? 0.9 : 0.98; }

std::unique_ptr<o::LRScheduler> make_scheduler(o::Optimizer& opt, const std::string& type, const json& a) {
  if (type == "StepLR") return std::make_unique<o::StepLR>(opt, a["step_size"], a.value("gamma", 0.1));
  if (type == "MultiStepLR")
    return std::make_unique<o::MultiStepLR>(opt, a["milestones"].get<std::vector<std::int64_t>>(), a.value("gamma", 0.1));
  if (type == "ExponentialLR") return std::make_unique<o::ExponentialLR>(opt, a["gamma"]);
  if (type == "CosineAnnealingLR")
    return std::make_unique<o::CosineAnnealingLR>(opt, a["T_max"], a.value("eta_min", 0.0));
  if (type == "LinearLR")
    return std::make_unique<o::LinearLR>(opt, a.value("start_factor", 1.0 / 3), a.value("end_factor", 1.0),
                                         a.value("total_iters", 5));
  if (type == "ConstantLR")
    return std::make_unique<o::ConstantLR>(opt, a.value("factor", 1.0 / 3), a.value("total_iters", 5));
  if (type == "PolynomialLR")
    return std::make_unique<o::PolynomialLR>(opt, a.value("total_iters", 5), a.value("power", 1.0));
  if (type == "CosineAnnealingWarmRestarts")
    return std::make_unique<o::CosineAnnealingWarmRestarts>(opt, a["T_0"], a.value("T_mult", 1),
                                                            a.value("eta_min", 0.0));
  if (type == "LambdaLR") return std::make_unique<o::LambdaLR>(opt, lambda_factor);
  if (type == "MultiplicativeLR") return std::make_unique<o::MultiplicativeLR>(opt, multiplicative_factor);
  REQUIRE(type == "OneCycleLR");
  return std::make_unique<o::OneCycleLR>(
      opt, per_group(a["max_lr"]), optional_int(a, "total_steps"), optional_int(a, "epochs"),
      optional_int(a, "steps_per_epoch"), a.value("pct_start", 0.3), a.value("anneal_strategy", std::string("cos")),
      a.value("cycle_momentum", true), per_group(a.value("base_momentum", json(0.85))),
      per_group(a.value("max_momentum", json(0.95))), a.value("div_factor", 25.0), a.value("final_div_factor", 1e4),
      a.value("three_phase", false));
}

std::vector<double> momenta(const o::Optimizer& opt, const std::string& option) {
  std::vector<double> out;
  for (std::size_t g = 0; g < opt.num_param_groups(); ++g) {
    const auto v = opt.option(g, option);
    out.push_back(option == "betas" ? std::get<std::pair<double, double>>(v).first : std::get<double>(v));
  }
  return out;
}

}  // namespace

TEST_CASE("every scheduler's lr sequence over 100 steps equals torch's") {
  const json fx = load_fixture("optim_schedulers.json");
  double worst_overall = 0;
  CHECK(fx["runs"].size() == 18);
  for (const json& r : fx["runs"]) {
    const std::string name = r["name"];
    CAPTURE(name);
    auto opt = make_two_group_optimizer(r["optimizer"]);
    std::vector<std::unique_ptr<o::LRScheduler>> schedulers;
    for (const json& s : r["schedulers"]) schedulers.push_back(make_scheduler(*opt, s["type"], s["args"]));
    const auto& lrs = r["lrs"];
    const bool has_momenta = r.contains("momenta");
    double worst = max_error(schedulers.back()->get_last_lr(), lrs[0].get<std::vector<double>>());
    for (std::size_t step = 1; step < lrs.size(); ++step) {
      opt->step();
      for (auto& s : schedulers) s->step();
      worst = std::max(worst, max_error(schedulers.back()->get_last_lr(), lrs[step].get<std::vector<double>>()));
      if (has_momenta)
        worst = std::max(worst, max_error(momenta(*opt, r["momentum_option"]), r["momenta"][step].get<std::vector<double>>()));
    }
    CHECK(worst <= kTolerance);
    worst_overall = std::max(worst_overall, worst);
  }
  MESSAGE("schedulers: worst lr error against torch: " << worst_overall);
}

TEST_CASE("ChainedScheduler steps its schedulers together, as two separate schedulers do") {
  const json fx = load_fixture("optim_schedulers.json");
  for (const json& r : fx["runs"]) {
    if (r["name"] != "chain_step_exponential") continue;
    auto opt = make_two_group_optimizer("SGD");
    o::StepLR step(*opt, 10, 0.5);
    o::ExponentialLR exponential(*opt, 0.99);
    o::ChainedScheduler chain({&step, &exponential});
    for (std::size_t i = 1; i < r["lrs"].size(); ++i) {
      chain.step();
      CHECK(max_error(chain.get_last_lr(), r["lrs"][i].get<std::vector<double>>()) <= kTolerance);
    }
  }
}

TEST_CASE("ReduceLROnPlateau follows torch on a scripted metric") {
  const json fx = load_fixture("optim_schedulers.json");
  const auto metrics = fx["plateau"]["metrics"].get<std::vector<double>>();
  for (const json& r : fx["plateau"]["runs"]) {
    const std::string name = r["name"];
    CAPTURE(name);
    const json& a = r["args"];
    auto opt = make_two_group_optimizer("SGD");
    o::ReduceLROnPlateau plateau(*opt, a.value("mode", std::string("min")), a.value("factor", 0.1),
                                 a.value("patience", 10), a.value("threshold", 1e-4),
                                 a.value("threshold_mode", std::string("rel")), a.value("cooldown", 0),
                                 per_group(a.value("min_lr", json(0.0))), a.value("eps", 1e-8));
    double worst = 0;
    int reductions = 0;
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      const double before = opt->lr(0);
      plateau.step(r["negate"].get<bool>() ? -metrics[i] : metrics[i]);
      reductions += opt->lr(0) < before;
      worst = std::max(worst, max_error(plateau.get_last_lr(), r["lrs"][i].get<std::vector<double>>()));
    }
    CHECK(worst <= kTolerance);
    CHECK(reductions >= 3);  // the script's curve plateaus: every run lowers the lr several times
  }
}

TEST_CASE("ReduceLROnPlateau takes a one-element tensor and rejects bad arguments") {
  auto opt = make_two_group_optimizer("SGD");
  o::ReduceLROnPlateau plateau(*opt, "min", 0.5, 0);
  plateau.step(xg::scalar_tensor(1.0, xg::kFloat64));
  plateau.step(xg::scalar_tensor(2.0, xg::kFloat32));  // worse, patience 0: halve
  CHECK(opt->lr(0) == doctest::Approx(0.05));
  CHECK_THROWS_WITH_AS(plateau.step(xg::zeros({2})), doctest::Contains("one-element"), xg::Error);
  CHECK_THROWS_WITH_AS(o::ReduceLROnPlateau(*opt, "lowest"), doctest::Contains("\"lowest\""), xg::Error);
  CHECK_THROWS_WITH_AS(o::ReduceLROnPlateau(*opt, "min", 1.5), doctest::Contains("factor"), xg::Error);
  CHECK_THROWS_WITH_AS(o::ReduceLROnPlateau(*opt, "min", 0.1, 10, 1e-4, "rel", 0, {0.1, 0.2, 0.3}),
                       doctest::Contains("expected 2 values for min_lr"), xg::Error);
}

TEST_CASE("schedulers share the optimizer's initial lr and report errors clearly") {
  auto opt = make_two_group_optimizer("SGD");
  o::LinearLR warmup(*opt, 0.5, 1.0, 4);
  CHECK(opt->lr(0) == doctest::Approx(0.05));
  o::CosineAnnealingLR cosine(*opt, 10);
  // The second scheduler's base lr is the group's initial lr, not the warmed-down current one.
  CHECK(cosine.base_lrs() == std::vector<double>{0.1, 0.01});
  CHECK(opt->initial_lr(0).value() == 0.1);

  auto adagrad = make_two_group_optimizer("Adagrad");
  CHECK_THROWS_WITH_AS(o::OneCycleLR(*adagrad, 0.1, 10), doctest::Contains("Adagrad has neither"), xg::Error);
  CHECK_THROWS_WITH_AS(o::OneCycleLR(*adagrad, 0.1), doctest::Contains("total_steps"), xg::Error);
  o::OneCycleLR cycle(*adagrad, 0.1, 3, std::nullopt, std::nullopt, 0.3, "cos", false);
  for (int i = 0; i < 3; ++i) cycle.step();
  CHECK_THROWS_WITH_AS(cycle.step(), doctest::Contains("tried to step 5 times, but total_steps is 3"), xg::Error);
  CHECK_THROWS_WITH_AS(o::StepLR(*opt, 0), doctest::Contains("step_size"), xg::Error);
  CHECK_THROWS_WITH_AS(o::LambdaLR(*opt, std::vector<o::LambdaLR::Lambda>{lambda_factor}),
                       doctest::Contains("expected 2 lr_lambdas"), xg::Error);
}

TEST_CASE("a scheduled lr is what the optimizer uses") {
  auto w = xg::ones({1}, xg::kFloat64, true);
  o::SGD opt({w}, {.lr = 1.0});
  o::StepLR schedule(opt, 1, 0.5);
  for (double expected_lr : {1.0, 0.5, 0.25}) {
    const double before = w.item<double>();
    w.set_grad(xg::ones({1}, xg::kFloat64));
    opt.step();
    schedule.step();
    CHECK(before - w.item<double>() == doctest::Approx(expected_lr));
  }
}
