// The optimizer contract: options and defaults, param groups, zero_grad, in-place steps without a
// graph, by-name options, state_dict round trips, and the error messages.
#include <doctest/doctest.h>

#include "optim_test_support.hpp"

using namespace optim_test;
namespace o = xg::optim;

namespace {

std::vector<xg::Tensor> two_params() {
  return {xg::tensor({1.0, -2.0, 3.0, 0.5, 0.25, -1.0}, {2, 3}, xg::kFloat64, true),
          xg::tensor({0.5, 1.5}, {2}, xg::kFloat64, true)};
}

// A small least-squares loss over the two parameters, for steps with real gradients.
xg::Tensor quadratic(const std::vector<xg::Tensor>& p) {
  auto target = xg::tensor({0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, {2, 3}, xg::kFloat64);
  return ((p[0] - target) * (p[0] - target)).sum() + (p[1] * p[1] * p[1] * p[1]).sum();
}

void train(o::Optimizer& opt, const std::vector<xg::Tensor>& params, int steps) {
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    quadratic(params).backward();
    opt.step();
  }
}

}  // namespace

TEST_CASE("options are aggregates with torch's names, defaults and order") {
  const o::SGDOptions sgd{.lr = 0.1, .momentum = 0.9, .dampening = 0.0, .weight_decay = 1e-4, .nesterov = true};
  CHECK(sgd.nesterov);
  CHECK(o::AdamOptions{}.betas == std::pair{0.9, 0.999});
  CHECK(o::AdamOptions{}.eps == 1e-8);
  CHECK(o::AdamWOptions{}.weight_decay == 1e-2);
  CHECK(o::RMSpropOptions{}.lr == 1e-2);
  CHECK(o::RMSpropOptions{}.alpha == 0.99);
  CHECK(o::AdagradOptions{}.eps == 1e-10);
  CHECK(o::AdadeltaOptions{}.lr == 1.0);
  CHECK(o::AdadeltaOptions{}.eps == 1e-6);

  auto params = two_params();
  o::Adam adam(params, {.lr = 1e-3});
  CHECK(adam.defaults().lr == 1e-3);
  CHECK(adam.option_names() == std::vector<std::string>{"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"});
  CHECK(std::get<std::pair<double, double>>(adam.option(0, "betas")) == std::pair{0.9, 0.999});
  CHECK(adam.name() == "Adam");
}

TEST_CASE("param groups take their own options or inherit the defaults") {
  auto params = two_params();
  o::SGD opt({{.params = {params[0]}}, {.params = {params[1]}, .options = o::SGDOptions{.lr = 0.5}}},
             {.lr = 0.1, .momentum = 0.9});
  REQUIRE(opt.num_param_groups() == 2);
  CHECK(opt.options(0).momentum == 0.9);  // inherited
  CHECK(opt.lr(1) == 0.5);
  CHECK(opt.options(1).momentum == 0.0);  // a group's own options are complete: torch's aggregate defaults

  auto extra = xg::zeros({3}, xg::kFloat64, true);
  opt.add_param_group({.params = {extra}});
  CHECK(opt.num_param_groups() == 3);
  CHECK(opt.lr(2) == 0.1);
  CHECK(opt.parameters().size() == 3);
  CHECK_THROWS_WITH_AS(opt.add_param_group({.params = {params[0]}}),
                       doctest::Contains("appears more than once"), xg::Error);

  // Per-group lr really is per group.
  for (auto& p : opt.parameters()) p.set_grad(xg::ones_like(p));
  const double before0 = params[0].to_vector()[0], before1 = params[1].to_vector()[0];
  opt.step();
  CHECK(before0 - params[0].to_vector()[0] == doctest::Approx(0.1));
  CHECK(before1 - params[1].to_vector()[0] == doctest::Approx(0.5));
}

TEST_CASE("options can be read and changed by name; unknown names and wrong kinds are errors") {
  auto params = two_params();
  o::SGD opt(params, {.lr = 0.1});
  opt.set_option(0, "momentum", 0.9);
  opt.set_option(0, "nesterov", true);
  CHECK(opt.options().nesterov);
  CHECK(opt.has_option("dampening"));
  CHECK_FALSE(opt.has_option("betas"));
  CHECK_THROWS_WITH_AS(opt.set_option(0, "betas", std::pair{0.9, 0.99}),
                       doctest::Contains("SGD: param group 0 has no option 'betas'"), xg::Error);
  CHECK_THROWS_WITH_AS(opt.set_option(0, "nesterov", 1.0),
                       doctest::Contains("SGD: option 'nesterov' of param group 0 is a bool, got a number"), xg::Error);
  CHECK_THROWS_WITH_AS(opt.set_option(0, "lr", true), doctest::Contains("'lr' of param group 0 is a number, got a bool"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(opt.set_option(0, "lr", -1.0), doctest::Contains("invalid learning rate: -1"), xg::Error);
  CHECK(opt.lr() == 0.1);  // a rejected value changes nothing
  CHECK_THROWS_WITH_AS(opt.set_option(0, "momentum", 0.0), doctest::Contains("Nesterov"), xg::Error);
  CHECK_THROWS_WITH_AS(opt.option(3, "lr"), doctest::Contains("param group 3 does not exist"), xg::Error);

  // A value set directly through options() is checked when the step runs.
  opt.options().weight_decay = -0.5;
  CHECK_THROWS_WITH_AS(opt.step(), doctest::Contains("SGD (param group 0): invalid weight_decay value: -0.5"),
                       xg::Error);
}

TEST_CASE("bad parameters and options are refused, naming the optimizer and the parameter") {
  auto good = xg::zeros({2, 3}, xg::kFloat64, true);
  auto frozen = xg::zeros({4, 5}, xg::kFloat32);
  CHECK_THROWS_WITH_AS(o::SGD({good, frozen}),
                       doctest::Contains("SGD: parameter 1 of param group 0 (shape [4, 5], dtype float32) does not "
                                         "require grad"),
                       xg::Error);
  auto derived = good * 2.0;
  CHECK_THROWS_WITH_AS(o::Adam({derived}), doctest::Contains("Adam: parameter 0 of param group 0"), xg::Error);
  CHECK_THROWS_WITH_AS(o::Adam({derived}), doctest::Contains("not a leaf"), xg::Error);
  CHECK_THROWS_WITH_AS(o::RMSprop({good, good}), doctest::Contains("appears more than once"), xg::Error);
  CHECK_THROWS_WITH_AS(o::Adagrad(std::vector<xg::Tensor>{}), doctest::Contains("Adagrad: param group 0 has an empty"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(o::Adadelta({xg::Tensor()}), doctest::Contains("undefined"), xg::Error);
  CHECK_THROWS_WITH_AS(o::Adam({good}, {.betas = {0.9, 1.0}}),
                       doctest::Contains("Adam (defaults): invalid beta parameter at index 1: 1"), xg::Error);
  CHECK_THROWS_WITH_AS(o::SGD({good}, {.lr = 0.1, .nesterov = true}), doctest::Contains("Nesterov momentum requires"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(
      o::AdamW({{.params = {good}, .options = o::AdamWOptions{.eps = -1.0}}}),
      doctest::Contains("AdamW (param group 0): invalid epsilon value: -1"), xg::Error);

  o::SGD opt({good}, {.lr = 0.1});
  good.set_grad(xg::zeros({2, 3}, xg::kFloat32));
  CHECK_THROWS_WITH_AS(opt.step(),
                       doctest::Contains("gradient of parameter 0 of param group 0 has dtype float32 and shape [2, 3], "
                                         "but the parameter has dtype float64"),
                       xg::Error);
}

TEST_CASE("zero_grad drops gradients by default and zeroes them in place on request") {
  auto params = two_params();
  o::Adam opt(params);
  quadratic(params).backward();
  REQUIRE(params[0].grad().defined());
  opt.zero_grad();
  CHECK_FALSE(params[0].grad().defined());
  CHECK_FALSE(params[1].grad().defined());

  quadratic(params).backward();
  const xg::Tensor grad = params[0].grad();
  opt.zero_grad(/*set_to_none=*/false);
  CHECK(params[0].grad().is_same(grad));
  CHECK(grad.to_vector() == std::vector<double>(6, 0.0));
}

TEST_CASE("a step updates in place, bumps the version, records no graph and skips params without grad") {
  auto params = two_params();
  auto spare = xg::ones({3}, xg::kFloat64, true);
  o::Adam opt({params[0], params[1], spare}, {.lr = 0.1});
  const auto* storage_before = params[0].data_ptr<double>();
  const auto version_before = params[0].version();
  quadratic(params).backward();  // spare gets no gradient
  opt.step();
  CHECK(params[0].data_ptr<double>() == storage_before);
  CHECK(params[0].version() > version_before);
  CHECK(params[0].is_leaf());
  CHECK(params[0].requires_grad());
  CHECK(params[0].grad_fn_name().empty());
  CHECK(spare.to_vector() == std::vector<double>{1, 1, 1});
  const auto state = opt.state_dict();
  CHECK(state.contains("state.0.exp_avg"));
  CHECK_FALSE(state.contains("state.2.exp_avg"));  // no gradient yet: no state, as torch
  CHECK_FALSE(state.contains("state.0.max_exp_avg_sq"));

  // A tensor saved for backward before the step now refuses to be used.
  auto y = (params[0] * params[0]).sum();
  quadratic(params).backward();
  opt.step();
  CHECK_THROWS_AS(y.backward(), xg::Error);
}

TEST_CASE("step(closure) evaluates the loss with grad mode on and returns it") {
  auto params = two_params();
  o::SGD opt(params, {.lr = 0.01});
  xg::NoGradGuard no_grad;  // the closure still records its graph
  const double before = quadratic(params).item<double>();
  auto loss = opt.step([&] {
    opt.zero_grad();
    auto l = quadratic(params);
    l.backward();
    return l;
  });
  CHECK(loss.item<double>() == doctest::Approx(before));
  CHECK(quadratic(params).item<double>() < before);
}

TEST_CASE("state_dict round trip: a restored optimizer continues exactly where the saved one was") {
  for (const std::string type : {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"}) {
    CAPTURE(type);
    const json options = {{"lr", type == "SGD" ? 0.01 : 0.02}, {"momentum", 0.5}, {"amsgrad", true},
                          {"centered", true}, {"lr_decay", 0.1}};
    auto a = two_params();
    auto opt_a = make_optimizer(type, a, options);
    train(*opt_a, a, 5);
    const xg::StateDict saved = opt_a->state_dict();

    std::vector<xg::Tensor> b;
    for (const auto& p : a) b.push_back(p.detach().clone().requires_grad_());
    auto opt_b = make_optimizer(type, b, json{{"lr", 0.5}});  // other options: the state brings them
    opt_b->load_state_dict(saved);
    CHECK(opt_b->lr() == opt_a->lr());
    train(*opt_a, a, 5);
    train(*opt_b, b, 5);
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].to_vector() == b[i].to_vector());
  }
}

TEST_CASE("state_dict keys and the errors of load_state_dict") {
  auto params = two_params();
  o::Adam adam(params, {.lr = 0.1, .amsgrad = true});
  train(adam, params, 2);
  auto state = adam.state_dict();
  for (const char* key : {"state.0.step", "state.0.exp_avg", "state.1.max_exp_avg_sq", "param_groups.0.lr",
                          "param_groups.0.betas", "param_groups.0.amsgrad", "param_groups.0.params"})
    CHECK(state.contains(key));
  CHECK(state.at("state.1.step").item<std::int64_t>() == 2);
  CHECK(state.at("param_groups.0.params").to_vector() == std::vector<double>{0, 1});
  // Saved buffers are copies, not the live state.
  {
    xg::Tensor saved = state.at("state.0.exp_avg");
    saved.fill_(123.0);
  }
  CHECK(adam.state_dict().at("state.0.exp_avg").to_vector()[0] != 123.0);

  auto wrong_kind = adam.state_dict();
  wrong_kind.insert("param_groups.0.amsgrad", xg::scalar_tensor(1.0, xg::kFloat64));
  CHECK_THROWS_WITH_AS(adam.load_state_dict(wrong_kind),
                       doctest::Contains("Adam: load_state_dict: option 'amsgrad' of param group 0 must be a bool"),
                       xg::Error);
  CHECK(adam.options().amsgrad);

  auto wrong_shape = adam.state_dict();
  wrong_shape.insert("state.1.exp_avg", xg::zeros({5}, xg::kFloat64));
  CHECK_THROWS_WITH_AS(adam.load_state_dict(wrong_shape),
                       doctest::Contains("'state.1.exp_avg' has shape [5], but parameter 1 has shape [2]"), xg::Error);

  auto sgd_params = two_params();
  o::SGD sgd(sgd_params, {.lr = 0.1, .momentum = 0.9});
  CHECK_THROWS_WITH_AS(sgd.load_state_dict(adam.state_dict()),
                       doctest::Contains("SGD: load_state_dict: 'param_groups.0.betas' is not an option of SGD"),
                       xg::Error);

  o::Adam two_groups({{.params = {params[0]}}, {.params = {params[1]}}});
  CHECK_THROWS_WITH_AS(two_groups.load_state_dict(adam.state_dict()),
                       doctest::Contains("the state has 1 param groups, the optimizer has 2"), xg::Error);
}

TEST_CASE("float32 and float64 parameters can share one optimizer") {
  auto p32 = xg::tensor({1.0, 2.0}, {2}, xg::kFloat32, true);
  auto p64 = xg::tensor({1.0, 2.0}, {2}, xg::kFloat64, true);
  for (const std::string type : {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"}) {
    CAPTURE(type);
    auto opt = make_optimizer(type, {p32, p64}, json{{"lr", 0.1}, {"momentum", 0.9}});
    for (int i = 0; i < 3; ++i) {
      opt->zero_grad();
      ((p32 * p32).sum() + (p64 * p64).sum()).backward();
      opt->step();
    }
    CHECK(p32.dtype() == xg::kFloat32);
    const auto a = p32.to_vector(), b = p64.to_vector();
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-5));
    CHECK(a[0] != 1.0);
  }
}
