// conv2d forward and forward + backward in xgrad (float32, stride 1, padding 1, bias) at the shapes of
// bench/conv_shapes.hpp, timed as bench/conv_torch.cpp and bench/conv_torch.py time libtorch and
// PyTorch. The backward is autograd::grad of the output with a fixed upstream gradient (no
// accumulation into .grad on either side). Prints "<shape>_fwd_ms" and "<shape>_step_ms" lines, and
// the step's rate as "<shape>_step_GFLOPs" (xgrad only).
// Usage: bench_conv <threads> [--keep-memory]
#include <cstdio>
#include <cstdlib>

#include <xgrad/xgrad.hpp>

#include "bench_util.hpp"
#include "conv_shapes.hpp"

int main(int argc, char** argv) {
  bench::apply_malloc_option(argc, argv);
  xg::set_num_threads(argc > 1 ? std::atoi(argv[1]) : 1);
  xg::manual_seed(0);
  for (const bench::ConvShape& s : bench::conv_shapes()) {
    const auto x = xg::randn({s.batch, s.in_channels, s.height, s.width}).requires_grad_(s.input_grad);
    const auto w = (xg::randn({s.out_channels, s.in_channels, s.kernel, s.kernel}) * 0.1).requires_grad_();
    const auto b = xg::zeros({s.out_channels}).requires_grad_();
    const auto g = xg::randn({s.batch, s.out_channels, s.height, s.width});
    std::vector<xg::Tensor> wrt{w, b};
    if (s.input_grad) wrt.push_back(x);
    const int n = bench::iterations(s);
    const double fwd = [&] {
      xg::NoGradGuard no_grad;
      return bench::best_seconds(5, n, [&] { xg::conv2d(x, w, b, 1, 1); });
    }();
    const double step = bench::best_seconds(5, n, [&] {
      const auto y = xg::conv2d(x, w, b, 1, 1);
      xg::autograd::grad({y}, wrt, {g});
    });
    const double step_flops = bench::forward_flops(s) * (s.input_grad ? 3.0 : 2.0);
    std::printf("%s_fwd_ms %.4f\n%s_step_ms %.4f\n%s_step_GFLOPs %.1f\n", s.name, fwd * 1e3, s.name, step * 1e3, s.name,
                step_flops / step * 1e-9);
  }
  return 0;
}
