// The libtorch side of bench/conv.cpp: the same convolutions, data sizes, thread count and timing.
// Usage: bench_conv_torch <threads> [--keep-memory]
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>

#include "bench_util.hpp"
#include "conv_shapes.hpp"

int main(int argc, char** argv) {
  bench::apply_malloc_option(argc, argv);
  torch::set_num_threads(argc > 1 ? std::atoi(argv[1]) : 1);
  torch::manual_seed(0);
  for (const bench::ConvShape& s : bench::conv_shapes()) {
    const auto x = torch::randn({s.batch, s.in_channels, s.height, s.width}).requires_grad_(s.input_grad);
    const auto w = (torch::randn({s.out_channels, s.in_channels, s.kernel, s.kernel}) * 0.1).requires_grad_();
    const auto b = torch::zeros({s.out_channels}).requires_grad_();
    const auto g = torch::randn({s.batch, s.out_channels, s.height, s.width});
    std::vector<torch::Tensor> wrt{w, b};
    if (s.input_grad) wrt.push_back(x);
    const int n = bench::iterations(s);
    const double fwd = [&] {
      torch::NoGradGuard no_grad;
      return bench::best_seconds(5, n, [&] { torch::conv2d(x, w, b, 1, 1); });
    }();
    const double step = bench::best_seconds(5, n, [&] {
      const auto y = torch::conv2d(x, w, b, 1, 1);
      torch::autograd::grad({y}, wrt, {g});
    });
    std::printf("%s_fwd_ms %.4f\n%s_step_ms %.4f\n", s.name, fwd * 1e3, s.name, step * 1e3);
  }
  return 0;
}
