// The libtorch side of bench/per_op.cpp: the same chain and the same 2-op graph, 1 intra-op thread.
#include <torch/torch.h>

#include <cstdio>

#include "bench_util.hpp"

int main(int argc, char** argv) {
  bench::apply_malloc_option(argc, argv);
  torch::set_num_threads(1);
  constexpr int kChain = 10000;
  auto x = torch::ones({1}).requires_grad_();
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
    torch::NoGradGuard no_grad;
    auto y = x;
    for (int i = 0; i < kChain; ++i) y = y * 1.0001 + 0.0001;
  });
  std::printf("per_op_chain_us %.4f\n", chain / (2 * kChain) * 1e6);
  std::printf("two_op_graph_us %.4f\n", graph * 1e6);
  std::printf("per_op_no_grad_us %.4f\n", forward_only / (2 * kChain) * 1e6);
  return 0;
}
