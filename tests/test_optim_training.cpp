// Training with every optimizer: a 2-hidden-layer MLP built from plain ops learns a non-linear
// function; early stopping stops at the right epoch and restores the best weights.
#include <doctest/doctest.h>

#include <cmath>

#include "optim_test_support.hpp"

using namespace optim_test;
namespace o = xg::optim;

namespace {

// x in [-1.5, 1.5] -> sin(3x): one input, two tanh hidden layers of 16, one output.
struct Net {
  std::vector<xg::Tensor> params;  // w1 [16,1], b1, w2 [16,16], b2, w3 [1,16], b3

  Net() {
    xg::manual_seed(7);
    const auto layer = [&](std::int64_t out, std::int64_t in) {
      const double scale = 1.0 / std::sqrt(static_cast<double>(in));
      params.push_back((xg::rand({out, in}, xg::kFloat64) * 2.0 - 1.0) * scale);
      params.push_back((xg::rand({out}, xg::kFloat64) * 2.0 - 1.0) * scale);
    };
    layer(16, 1);
    layer(16, 16);
    layer(1, 16);
    for (auto& p : params) p.requires_grad_();
  }
  xg::Tensor forward(const xg::Tensor& x) const {
    const auto h1 = xg::tanh(xg::linear(x, params[0], params[1]));
    const auto h2 = xg::tanh(xg::linear(h1, params[2], params[3]));
    return xg::linear(h2, params[4], params[5]);
  }
  xg::StateDict state_dict() const {
    xg::StateDict s;
    const char* names[] = {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"};
    for (std::size_t i = 0; i < params.size(); ++i) s.insert(names[i], params[i].detach());
    return s;
  }
};

xg::Tensor mse(const xg::Tensor& a, const xg::Tensor& b) { return ((a - b) * (a - b)).mean(); }

struct Data {
  xg::Tensor x, y;
  Data() {
    x = xg::linspace(-1.5, 1.5, 64, xg::kFloat64).reshape({64, 1});
    y = xg::sin(x * 3.0);
  }
};

}  // namespace

TEST_CASE("a 2-hidden-layer MLP learns sin(3x) with every optimizer") {
  const Data data;
  struct Case {
    std::string type;
    json options;
    int steps;
  };
  const Case cases[] = {
      {"SGD", {{"lr", 0.1}, {"momentum", 0.9}}, 1500},
      {"SGD", {{"lr", 0.05}, {"momentum", 0.9}, {"nesterov", true}}, 1500},
      {"Adam", {{"lr", 0.01}}, 800},
      {"AdamW", {{"lr", 0.01}}, 800},
      {"RMSprop", {{"lr", 0.003}}, 800},
      {"Adagrad", {{"lr", 0.1}}, 1500},
      {"Adadelta", {{"lr", 1.0}}, 2000},
  };
  for (const Case& c : cases) {
    CAPTURE(c.type);
    CAPTURE(c.options.dump());
    Net net;
    auto opt = make_optimizer(c.type, net.params, c.options);
    const double initial = mse(net.forward(data.x), data.y).item<double>();
    for (int step = 0; step < c.steps; ++step) {
      opt->zero_grad();
      mse(net.forward(data.x), data.y).backward();
      opt->step();
    }
    const double final_loss = mse(net.forward(data.x), data.y).item<double>();
    MESSAGE(c.type << " " << c.options.dump() << ": mse " << initial << " -> " << final_loss);
    CHECK(initial > 0.3);        // sin(3x) is far from what the untrained net computes
    CHECK(final_loss < 0.01);    // and the trained one fits it closely
  }
}

TEST_CASE("early stopping stops after `patience` epochs without improvement and restores the best weights") {
  // A scripted validation curve: improves until epoch 3, then wobbles without beating it by min_delta.
  const std::vector<double> curve = {1.0, 0.8, 0.65, 0.60, 0.61, 0.595, 0.62, 0.40, 0.30};
  auto w = xg::zeros({2, 2}, xg::kFloat64, true);
  auto b = xg::zeros({2}, xg::kFloat64, true);
  xg::StateDict live;
  live.insert("w", w.detach());
  live.insert("b", b.detach());

  o::EarlyStopping stopper(/*patience=*/3, /*min_delta=*/0.01);
  std::int64_t stopped_at = -1;
  for (std::size_t epoch = 0; epoch < curve.size(); ++epoch) {
    {
      xg::NoGradGuard no_grad;  // "training": the weights of epoch e are all e
      w.fill_(static_cast<double>(epoch));
      b.fill_(-static_cast<double>(epoch));
    }
    if (stopper.step(curve[epoch], live)) {
      stopped_at = static_cast<std::int64_t>(epoch);
      break;
    }
  }
  // 0.61, 0.595 (not below 0.60 − 0.01) and 0.62 are three bad epochs: stop at epoch 6.
  CHECK(stopped_at == 6);
  CHECK(stopper.best_epoch() == 3);
  CHECK(stopper.best() == 0.60);
  CHECK(stopper.num_bad_epochs() == 3);
  CHECK(stopper.best_state().at("w").to_vector() == std::vector<double>(4, 3.0));

  stopper.restore_best(live);
  CHECK(w.to_vector() == std::vector<double>(4, 3.0));
  CHECK(b.to_vector() == std::vector<double>(2, -3.0));
  CHECK(w.requires_grad());

  o::EarlyStopping strict(3, 0.0);  // without min_delta, 0.595 is an improvement: no stop yet
  for (std::size_t epoch = 0; epoch <= 6; ++epoch) CHECK_FALSE(strict.step(curve[epoch]));
  CHECK(strict.best_epoch() == 5);
}

TEST_CASE("early stopping in max mode, on a real training run, with clear errors") {
  o::EarlyStopping stopper(2, 0.0, "max");
  CHECK_FALSE(stopper.step(0.5));
  CHECK_FALSE(stopper.step(0.7));
  CHECK_FALSE(stopper.step(0.7));  // equal is not better
  CHECK(stopper.step(0.6));
  CHECK(stopper.best() == 0.7);
  CHECK_THROWS_WITH_AS(stopper.best_state(), doctest::Contains("no state was saved"), xg::Error);
  CHECK_THROWS_WITH_AS(o::EarlyStopping(3, 0.0, "maximum"), doctest::Contains("\"maximum\""), xg::Error);
  CHECK_THROWS_WITH_AS(o::EarlyStopping(3, -0.1), doctest::Contains("min_delta"), xg::Error);

  // Training that overfits a tiny noisy set: validation loss rises eventually; the restored
  // weights give back the best validation loss seen.
  const Data data;
  Net net;
  o::Adam opt(net.params, {.lr = 0.05});
  o::EarlyStopping early(5);
  const auto val_x = xg::linspace(-1.4, 1.4, 16, xg::kFloat64).reshape({16, 1});
  const auto val_y = xg::sin(val_x * 3.0) + 0.3;  // shifted: the fit gets worse again at some point
  std::int64_t epochs = 0;
  for (; epochs < 400; ++epochs) {
    opt.zero_grad();
    mse(net.forward(data.x), data.y).backward();
    opt.step();
    double val;
    {
      xg::NoGradGuard no_grad;
      val = mse(net.forward(val_x), val_y).item<double>();
    }
    if (early.step(val, net.state_dict())) break;
  }
  CHECK(early.should_stop());
  CHECK(epochs == early.best_epoch() + 5);
  early.restore_best(net.state_dict());
  xg::NoGradGuard no_grad;
  CHECK(mse(net.forward(val_x), val_y).item<double>() == doctest::Approx(early.best()).epsilon(1e-12));
}
