// Per-op overhead of xgrad: a chain of elementwise ops on a 1-element float32 tensor, forward plus
// backward, and a 2-op graph built and back-propagated in a loop. Prints "name value" lines that
// bench/run.sh pairs with bench/per_op_torch.cpp's output.
#include <cstdio>

#include <xgrad/xgrad.hpp>

#include "bench_util.hpp"

int main(int argc, char** argv) {
  bench::apply_malloc_option(argc, argv);
  constexpr int kChain = 10000;  // steps of y = y * 1.0001 + 0.0001: two ops each
  auto x = xg::ones({1}).requires_grad_();
  const double chain = bench::best_seconds(5, 5, [&] {
    auto y = x;
    for (int i = 0; i < kChain; ++i) y = y * 1.0001 + 0.0001;
    y.backward();
  });
  const double graph = bench::best_seconds(5, 20000, [&] {
    auto y = x * 1.0001 + 0.0001;
    y.backward();
  });
  const double forward_only = bench::best_seconds(5, 5, [&] {
    xg::NoGradGuard no_grad;
    auto y = x;
    for (int i = 0; i < kChain; ++i) y = y * 1.0001 + 0.0001;
  });
  std::printf("per_op_chain_us %.4f\n", chain / (2 * kChain) * 1e6);
  std::printf("two_op_graph_us %.4f\n", graph * 1e6);
  std::printf("per_op_no_grad_us %.4f\n", forward_only / (2 * kChain) * 1e6);
  return 0;
}
