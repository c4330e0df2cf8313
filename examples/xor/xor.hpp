// XOR with the network of Goodfellow, Bengio & Courville, "Deep Learning", §6.1:
//   f(x) = wᵀ·max{0, Wᵀx + c} + b,  W = [[1, 1], [1, 1]], c = [0, −1], w = [1, −2], b = 0
// solves XOR exactly. The same 2-2-1 ReLU network trained from random initial weights (mean squared
// error, gradient descent) reaches 100% too; some initializations stall (a dead ReLU or the linear
// solution), so training restarts from the next seed when one does, and says so.
#pragma once
#include <cstdint>
#include <vector>

#include <fmt/format.h>
#include <xgrad/xgrad.hpp>


namespace xor_example {

namespace nn = xg::nn;

struct XorNet : nn::Module {
  nn::Linear hidden{2, 2, true, xg::kFloat64};  // h = max{0, Wᵀx + c}: Linear's weight is Wᵀ ([out, in])
  nn::Linear output{2, 1, true, xg::kFloat64};  // f = wᵀh + b
  XorNet() {
    register_module("hidden", hidden);
    register_module("output", output);
  }
  xg::Tensor forward(const xg::Tensor& x) { return output(xg::relu(hidden(x))); }
};

inline xg::Tensor inputs() { return xg::tensor({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2}, xg::kFloat64); }
inline xg::Tensor targets() { return xg::tensor({0, 1, 1, 0}, {4, 1}, xg::kFloat64); }

// The book's solution, loaded by torch's parameter names.
inline void load_goodfellow_weights(XorNet& net) {
  xg::StateDict book;
  book.insert("hidden.weight", xg::tensor({1, 1, 1, 1}, {2, 2}, xg::kFloat64));  // Wᵀ
  book.insert("hidden.bias", xg::tensor({0, -1}, {2}, xg::kFloat64));            // c
  book.insert("output.weight", xg::tensor({1, -2}, {1, 2}, xg::kFloat64));       // wᵀ
  book.insert("output.bias", xg::tensor({0}, {1}, xg::kFloat64));                // b
  net.load_state_dict(book);
}

inline std::vector<double> goodfellow_outputs() {
  XorNet net;
  load_goodfellow_weights(net);
  xg::NoGradGuard no_grad;
  return net.forward(inputs()).to_vector();
}

inline double accuracy(const xg::Tensor& outputs) {
  const auto out = outputs.to_vector(), want = targets().to_vector();
  int right = 0;
  for (std::size_t i = 0; i < out.size(); ++i) right += (out[i] > 0.5) == (want[i] > 0.5);
  return right / static_cast<double>(out.size());
}

struct TrainResult {
  int attempts = 0;
  std::uint64_t seed = 0;
  double loss = 0;
  double accuracy = 0;
  std::vector<double> outputs;
};

// Trains from random initializations (seeds first_seed, first_seed + 1, ...) until one classifies all
// four points and the loss is below 0.01, or max_attempts have run.
inline TrainResult train_from_random(std::uint64_t first_seed = 1, int max_attempts = 20, int steps = 1500,
                                     bool verbose = false) {
  const xg::Tensor x = inputs(), y = targets();
  TrainResult r;
  for (r.attempts = 1; r.attempts <= max_attempts; ++r.attempts) {
    r.seed = first_seed + static_cast<std::uint64_t>(r.attempts - 1);
    xg::manual_seed(r.seed);
    XorNet net;
    xg::optim::SGD gd(net.parameters(), {.lr = 0.1, .momentum = 0.5});
    for (int step = 0; step < steps; ++step) {
      gd.zero_grad();
      const xg::Tensor loss = nn::functional::mse_loss(net.forward(x), y);
      loss.backward();
      gd.step();
    }
    xg::NoGradGuard no_grad;
    const xg::Tensor out = net.forward(x);
    r.loss = nn::functional::mse_loss(out, y).item<double>();
    r.accuracy = accuracy(out);
    r.outputs = out.to_vector();
    if (r.accuracy == 1.0 && r.loss < 0.01) return r;
    if (verbose)
      fmt::print("  seed {}: stalled at loss {:.4f}, accuracy {:.0f}% - restarting from the next seed\n", r.seed,
                 r.loss, 100 * r.accuracy);
  }
  r.attempts = max_attempts;
  return r;
}

}  // namespace xor_example
