// XOR: the Goodfellow et al. network with the book's weights, then the same network trained.
#include <fmt/format.h>

#include "xor.hpp"

int main() {
  const auto book = xor_example::goodfellow_outputs();
  fmt::print("Goodfellow et al. (§6.1) weights: f(x) = wᵀ max{{0, Wᵀx + c}} + b\n");
  const char* rows[] = {"[0, 0]", "[0, 1]", "[1, 0]", "[1, 1]"};
  bool exact = true;
  const double want[] = {0, 1, 1, 0};
  for (int i = 0; i < 4; ++i) {
    fmt::print("  x = {} -> f(x) = {}\n", rows[i], book[static_cast<std::size_t>(i)]);
    exact = exact && book[static_cast<std::size_t>(i)] == want[i];
  }
  fmt::print("{}\n\n", exact ? "exact: XOR solved" : "NOT exact");

  fmt::print("the same 2-2-1 ReLU network from random initial weights (MSE, gradient descent):\n");
  const auto r = xor_example::train_from_random(1, 20, 1500, /*verbose=*/true);
  for (int i = 0; i < 4; ++i)
    fmt::print("  x = {} -> f(x) = {:.4f}\n", rows[i], r.outputs[static_cast<std::size_t>(i)]);
  fmt::print("seed {} (attempt {}): loss {:.2e}, accuracy {:.0f}%\n", r.seed, r.attempts, r.loss, 100 * r.accuracy);
  return exact && r.accuracy == 1.0 ? 0 : 1;
}
