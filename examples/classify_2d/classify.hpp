// Two-class 2-D data (two interleaving half moons with Gaussian noise) classified twice:
//   a sigmoid output trained with binary cross-entropy, and a 2-way softmax trained with cross-entropy.
// Accuracy is measured on the training set and on a separate test set drawn from the same moons.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <xgrad/xgrad.hpp>


namespace classify_example {

namespace nn = xg::nn;
namespace F = xg::nn::functional;

struct Data {
  xg::Tensor x;       // [N, 2] float64
  xg::Tensor labels;  // [N] int64: 0 upper moon, 1 lower moon
};

// n points per moon; angles uniform in [0, π], noise N(0, noise²) on both coordinates.
inline Data make_moons(std::int64_t n, double noise) {
  const xg::Tensor t = xg::rand({n}, xg::kFloat64) * M_PI;
  const auto angle = t.to_vector();
  const auto jitter = (xg::randn({2 * n, 2}, xg::kFloat64) * noise).to_vector();
  std::vector<double> points;
  std::vector<std::int64_t> labels;
  for (std::int64_t i = 0; i < 2 * n; ++i) {
    const double a = angle[static_cast<std::size_t>(i % n)];
    const bool lower = i >= n;
    points.push_back((lower ? 1.0 - std::cos(a) : std::cos(a)) + jitter[static_cast<std::size_t>(2 * i)]);
    points.push_back((lower ? 0.5 - std::sin(a) : std::sin(a)) + jitter[static_cast<std::size_t>(2 * i + 1)]);
    labels.push_back(lower ? 1 : 0);
  }
  return {xg::tensor(points, {2 * n, 2}, xg::kFloat64), xg::tensor(labels, {2 * n}, xg::kInt64)};
}

inline nn::Sequential make_net(std::int64_t outputs) {
  return nn::Sequential(nn::Linear(2, 16, true, xg::kFloat64), nn::Tanh(), nn::Linear(16, 16, true, xg::kFloat64),
                        nn::Tanh(), nn::Linear(16, outputs, true, xg::kFloat64));
}

// Class predictions: a sigmoid head (1 output) thresholds at 0.5, a softmax head takes the argmax.
inline xg::Tensor predict(nn::Sequential& net, const xg::Tensor& x) {
  xg::NoGradGuard no_grad;
  const xg::Tensor out = net(x);
  if (out.size(1) == 1) return xg::reshape(xg::gt(xg::sigmoid(out), 0.5).to(xg::kInt64), {-1});
  return xg::argmax(xg::softmax(out, 1), 1);
}

inline double accuracy(nn::Sequential& net, const Data& d) {
  return xg::mean(xg::eq(predict(net, d.x), d.labels).to(xg::kFloat64)).item<double>();
}

struct Result {
  std::string head;
  double first_loss = 0, final_loss = 0, train_accuracy = 0, test_accuracy = 0;
};

// head "sigmoid": sigmoid(f(x)) with binary_cross_entropy; head "softmax": f(x) ∈ R² with cross_entropy.
inline Result train(nn::Sequential& net, const std::string& head, const Data& train_set, const Data& test_set,
                    int steps = 600, bool verbose = false) {
  const bool sigmoid_head = head == "sigmoid";
  const xg::Tensor y_float = xg::reshape(train_set.labels.to(xg::kFloat64), {-1, 1});
  xg::optim::SGD gd(net->parameters(), {.lr = 0.1, .momentum = 0.9});
  Result r{head};
  for (int step = 0; step < steps; ++step) {
    gd.zero_grad();
    const xg::Tensor out = net(train_set.x);
    const xg::Tensor loss =
        sigmoid_head ? F::binary_cross_entropy(xg::sigmoid(out), y_float) : F::cross_entropy(out, train_set.labels);
    if (step == 0) r.first_loss = loss.item<double>();
    r.final_loss = loss.item<double>();
    if (verbose && step % 100 == 0) fmt::print("  [{}] step {:>4}  loss {:.4f}\n", head, step, r.final_loss);
    loss.backward();
    gd.step();
  }
  r.train_accuracy = accuracy(net, train_set);
  r.test_accuracy = accuracy(net, test_set);
  return r;
}

struct Run {
  Data train_set, test_set;
  nn::Sequential sigmoid_net{nullptr}, softmax_net{nullptr};
  Result sigmoid, softmax;
};

inline Run run(std::uint64_t seed = 0, int steps = 600, bool verbose = false) {
  xg::manual_seed(seed);
  Run r;
  r.train_set = make_moons(100, 0.1);
  r.test_set = make_moons(100, 0.1);
  r.sigmoid_net = make_net(1);
  r.softmax_net = make_net(2);
  r.sigmoid = train(r.sigmoid_net, "sigmoid", r.train_set, r.test_set, steps, verbose);
  r.softmax = train(r.softmax_net, "softmax", r.train_set, r.test_set, steps, verbose);
  return r;
}

}  // namespace classify_example
