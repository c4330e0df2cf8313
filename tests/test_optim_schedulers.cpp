// LR schedulers: every scheduler's lr (and OneCycleLR's and CyclicLR's momentum) over 100 steps
// equals torch's, chained and sequential schedulers compose as in torch, ReduceLROnPlateau follows
// torch on a scripted metric, and every schedule resumed from its state_dict goes on as torch's.
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
  if (type == "CyclicLR")
    return std::make_unique<o::CyclicLR>(
        opt, per_group(a["base_lr"]), per_group(a["max_lr"]), a.value("step_size_up", 2000),
        optional_int(a, "step_size_down"), a.value("mode", std::string("triangular")), a.value("gamma", 1.0), nullptr,
        "cycle", a.value("cycle_momentum", true), per_group(a.value("base_momentum", json(0.8))),
        per_group(a.value("max_momentum", json(0.9))));
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
  CHECK(fx["runs"].size() == 21);
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
      if (i == 55) {  // halfway: go on with a new chain loaded from this one's state
        auto opt2 = make_two_group_optimizer("SGD");
        o::StepLR step2(*opt2, 10, 0.5);
        o::ExponentialLR exponential2(*opt2, 0.99);
        o::ChainedScheduler chain2({&step2, &exponential2});
        opt2->load_state_dict(opt->state_dict());
        chain2.load_state_dict(chain.state_dict());
        CHECK(chain2.get_last_lr() == chain.get_last_lr());
        for (std::size_t j = i + 1; j < r["lrs"].size(); ++j) {
          chain2.step();
          CHECK(max_error(chain2.get_last_lr(), r["lrs"][j].get<std::vector<double>>()) <= kTolerance);
        }
        CHECK_THROWS_WITH_AS(o::ChainedScheduler({&step2}).load_state_dict(xg::StateDict{}),
                             doctest::Contains("ChainedScheduler.load_state_dict: missing keys 'schedulers.0.*'"),
                             xg::Error);
      }
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

namespace {

// The schedulers of a fixture entry, made on `opt` in order.
std::vector<std::unique_ptr<o::LRScheduler>> make_schedulers(o::Optimizer& opt, const json& entries) {
  std::vector<std::unique_ptr<o::LRScheduler>> out;
  for (const json& s : entries) out.push_back(make_scheduler(opt, s["type"], s["args"]));
  return out;
}

std::vector<o::LRScheduler*> pointers(const std::vector<std::unique_ptr<o::LRScheduler>>& schedulers) {
  std::vector<o::LRScheduler*> out;
  for (const auto& s : schedulers) out.push_back(s.get());
  return out;
}

}  // namespace

TEST_CASE("SequentialLR hands over at its milestones as torch's does") {
  const json fx = load_fixture("optim_schedulers.json");
  CHECK(fx["sequential"].size() == 4);
  for (const json& r : fx["sequential"]) {
    const std::string name = r["name"];
    CAPTURE(name);
    auto opt = make_two_group_optimizer("SGD");
    auto schedulers = make_schedulers(*opt, r["schedulers"]);
    o::SequentialLR sequence(*opt, pointers(schedulers), r["milestones"].get<std::vector<std::int64_t>>());
    double worst = max_error(sequence.get_last_lr(), r["lrs"][0].get<std::vector<double>>());
    for (std::size_t step = 1; step < r["lrs"].size(); ++step) {
      opt->step();
      sequence.step();
      worst = std::max(worst, max_error(sequence.get_last_lr(), r["lrs"][step].get<std::vector<double>>()));
      CHECK(opt->lr(0) == sequence.get_last_lr()[0]);
    }
    CHECK(worst <= kTolerance);
  }
}

TEST_CASE("a schedule stopped, saved and loaded into new objects goes on as torch's uninterrupted one") {
  const json fx = load_fixture("optim_schedulers.json");
  constexpr std::size_t kStop = 37;
  int resumed = 0;
  for (const json& r : fx["runs"]) {
    const std::string name = r["name"];
    CAPTURE(name);
    const auto& lrs = r["lrs"];
    auto opt = make_two_group_optimizer(r["optimizer"]);
    auto schedulers = make_schedulers(*opt, r["schedulers"]);
    for (std::size_t step = 1; step <= kStop; ++step)
      for (auto& s : schedulers) s->step();
    const xg::StateDict opt_state = opt->state_dict();
    std::vector<xg::StateDict> states;
    for (auto& s : schedulers) states.push_back(s->state_dict());

    // A new optimizer and new schedulers, made the way the first ones were, then loaded; every
    // other run loads the schedulers before the optimizer (either order must work).
    auto opt2 = make_two_group_optimizer(r["optimizer"]);
    auto schedulers2 = make_schedulers(*opt2, r["schedulers"]);
    if (resumed % 2 == 0) opt2->load_state_dict(opt_state);
    for (std::size_t i = 0; i < schedulers2.size(); ++i) schedulers2[i]->load_state_dict(states[i]);
    if (resumed % 2 == 1) opt2->load_state_dict(opt_state);
    CHECK(schedulers2.back()->last_epoch() == static_cast<std::int64_t>(kStop));
    CHECK(max_error(schedulers2.back()->get_last_lr(), lrs[kStop].get<std::vector<double>>()) <= kTolerance);

    double worst = 0;
    for (std::size_t step = kStop + 1; step < lrs.size(); ++step) {
      for (auto& s : schedulers2) s->step();
      worst = std::max(worst, max_error(schedulers2.back()->get_last_lr(), lrs[step].get<std::vector<double>>()));
      if (r.contains("momenta"))
        worst = std::max(worst, max_error(momenta(*opt2, r["momentum_option"]), r["momenta"][step].get<std::vector<double>>()));
    }
    CHECK(worst <= kTolerance);
    ++resumed;
  }
  CHECK(resumed == 21);

  for (const json& r : fx["sequential"]) {
    const std::string name = r["name"];
    CAPTURE(name);
    const auto milestones = r["milestones"].get<std::vector<std::int64_t>>();
    auto opt = make_two_group_optimizer("SGD");
    auto schedulers = make_schedulers(*opt, r["schedulers"]);
    o::SequentialLR sequence(*opt, pointers(schedulers), milestones);
    for (std::size_t step = 1; step <= kStop; ++step) sequence.step();
    const xg::StateDict opt_state = opt->state_dict(), state = sequence.state_dict();

    auto opt2 = make_two_group_optimizer("SGD");
    auto schedulers2 = make_schedulers(*opt2, r["schedulers"]);
    o::SequentialLR sequence2(*opt2, pointers(schedulers2), milestones);
    opt2->load_state_dict(opt_state);
    sequence2.load_state_dict(state);
    double worst = 0;
    for (std::size_t step = kStop + 1; step < r["lrs"].size(); ++step) {
      sequence2.step();
      worst = std::max(worst, max_error(sequence2.get_last_lr(), r["lrs"][step].get<std::vector<double>>()));
    }
    CHECK(worst <= kTolerance);
  }
}

TEST_CASE("ReduceLROnPlateau resumed from its state_dict goes on as torch's") {
  const json fx = load_fixture("optim_schedulers.json");
  const auto metrics = fx["plateau"]["metrics"].get<std::vector<double>>();
  const json& r = fx["plateau"]["runs"][1];  // max mode, cooldown: the most state to carry over
  const json& a = r["args"];
  const auto make = [&](o::Optimizer& opt) {
    return o::ReduceLROnPlateau(opt, "max", a["factor"], a["patience"], a["threshold"], "abs", a["cooldown"],
                                per_group(a["min_lr"]));
  };
  constexpr std::size_t kStop = 43;
  auto opt = make_two_group_optimizer("SGD");
  auto plateau = make(*opt);
  for (std::size_t i = 0; i < kStop; ++i) plateau.step(-metrics[i]);
  auto opt2 = make_two_group_optimizer("SGD");
  auto plateau2 = make(*opt2);
  opt2->load_state_dict(opt->state_dict());
  plateau2.load_state_dict(plateau.state_dict());
  CHECK(plateau2.best() == plateau.best());
  CHECK(plateau2.num_bad_epochs() == plateau.num_bad_epochs());
  double worst = 0;
  for (std::size_t i = kStop; i < metrics.size(); ++i) {
    plateau2.step(-metrics[i]);
    worst = std::max(worst, max_error(plateau2.get_last_lr(), r["lrs"][i].get<std::vector<double>>()));
  }
  CHECK(worst <= kTolerance);
}

TEST_CASE("CyclicLR and SequentialLR check their arguments; a scheduler's state must fit") {
  auto opt = make_two_group_optimizer("SGD");
  CHECK_THROWS_WITH_AS(o::CyclicLR(*opt, 0.01, 0.1, 10, std::nullopt, "sawtooth"), doctest::Contains("\"sawtooth\""),
                       xg::Error);
  CHECK_THROWS_WITH_AS(o::CyclicLR(*opt, 0.01, 0.1, 0), doctest::Contains("step_size_up must be positive"), xg::Error);
  CHECK_THROWS_WITH_AS(o::CyclicLR(*opt, {0.01, 0.02, 0.03}, 0.1), doctest::Contains("expected 2 values for base_lr"),
                       xg::Error);
  auto adagrad = make_two_group_optimizer("Adagrad");
  CHECK_THROWS_WITH_AS(o::CyclicLR(*adagrad, 0.01, 0.1), doctest::Contains("Adagrad has neither"), xg::Error);
  // A custom scale: halve the amplitude every step ("iterations").
  o::CyclicLR custom(*adagrad, 0.0, 1.0, 2, std::nullopt, "triangular", 1.0,
                     [](double step) { return std::pow(0.5, step); }, "iterations", false);
  custom.step();  // step 1: halfway up (0.5), scaled by 0.5^1
  CHECK(adagrad->lr(0) == doctest::Approx(0.25));

  o::StepLR first(*opt, 5);
  o::ExponentialLR second(*opt, 0.9);
  CHECK_THROWS_WITH_AS(o::SequentialLR(*opt, {&first, &second}, {3, 6}), doctest::Contains("2 schedulers need 1 milestones, got 2"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(o::SequentialLR(*adagrad, {&first, &second}, {3}),
                       doctest::Contains("scheduler 0 (StepLR) belongs to another optimizer"), xg::Error);
  o::StepLR third(*opt, 5);
  CHECK_THROWS_WITH_AS(o::SequentialLR(*opt, {&first, &second, &third}, {6, 3}), doctest::Contains("increasing order, got [6, 3]"),
                       xg::Error);

  xg::StateDict state = first.state_dict();
  CHECK(state.keys() == std::vector<std::string>{"last_epoch", "step_count", "base_lrs", "last_lr"});
  xg::StateDict three_groups = state;
  three_groups.insert("base_lrs", xg::tensor({0.1, 0.1, 0.1}, {3}, xg::kFloat64));
  CHECK_THROWS_WITH_AS(first.load_state_dict(three_groups),
                       doctest::Contains("StepLR.load_state_dict: 'base_lrs' holds 3 values, but the optimizer has 2"),
                       xg::Error);
  xg::StateDict wrong_dtype = state;
  wrong_dtype.insert("last_epoch", xg::scalar_tensor(3.0, xg::kFloat32));
  CHECK_THROWS_WITH_AS(first.load_state_dict(wrong_dtype), doctest::Contains("'last_epoch' must be a 0-d tensor of int64"),
                       xg::Error);
  o::CosineAnnealingWarmRestarts restarts(*opt, 4);
  CHECK_THROWS_WITH_AS(restarts.load_state_dict(state), doctest::Contains("CosineAnnealingWarmRestarts.load_state_dict: missing key 'T_i'"),
                       xg::Error);
  CHECK(first.last_epoch() == 0);  // the failed loads changed nothing
  CHECK(restarts.last_epoch() == 0);
}

TEST_CASE("restart and rewind_initial_step: SequentialLR's moves are public methods of every scheduler") {
  auto p = xg::zeros({2}, xg::kFloat64, true);
  o::SGD opt({p}, o::SGDOptions{.lr = 1.0});
  o::StepLR step(opt, 2, 0.1);
  step.step();
  step.step();  // epoch 2: one decay
  CHECK(step.get_last_lr()[0] == doctest::Approx(0.1).epsilon(kTolerance));
  step.restart();  // epoch 0 from the base lr, as torch's step(0)
  CHECK(step.last_epoch() == 0);
  CHECK(opt.lr(0) == 1.0);
  step.rewind_initial_step(/*step_again=*/false);  // the constructor's step taken back, lrs untouched
  CHECK(step.last_epoch() == -1);
  CHECK(opt.lr(0) == 1.0);
  step.rewind_initial_step(/*step_again=*/true);  // taken back and taken again: as just constructed
  CHECK(step.last_epoch() == -1);
  step.step();
  step.step();
  CHECK(step.last_epoch() == 1);
  CHECK(opt.lr(0) == 1.0);
  step.step();
  CHECK(opt.lr(0) == doctest::Approx(0.1).epsilon(kTolerance));
}
