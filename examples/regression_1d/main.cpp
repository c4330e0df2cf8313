// Fits y = sin(x) with a 1-16-1 tanh network and prints the loss as it falls.
#include <fmt/format.h>

#include "regression.hpp"

int main() {
  fmt::print("regression_1d: y = sin(x) on 64 points in [-3, 3], network 1-16-1 (tanh), MSE + {} * ridge\n",
             regression_example::kRidge);
  const auto r = regression_example::train(3000, 300, 0, /*verbose=*/true);
  fmt::print("autograd vs hand-derived gradients at the start: max difference {:.2e}\n", r.gradient_difference);
  fmt::print("final mean squared error {:.2e}\n", r.final_mse);
  const bool ok =
      r.gradient_difference < 1e-12 && r.final_mse < 1e-3 && r.losses.back().second < r.losses.front().second;
  fmt::print("{}\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
