// One optimizer step over 1M float32 parameters (the update loop alone: gradients are fixed).
// Prints "<name> <µs per step>" lines, as bench/optim_step_torch.py does for torch.optim, so the two
// can be compared side by side:
//   build/bench/optim_step && /usr/bin/python3 bench/optim_step_torch.py
#include <cstdio>
#include <functional>
#include <memory>

#include <xgrad/xgrad.hpp>

#include "bench_util.hpp"

namespace {

constexpr std::int64_t kNumel = 1 << 20;

// µs per step of `opt` over `param`, whose gradient stays fixed.
double time_steps(xg::optim::Optimizer& opt) {
  for (int i = 0; i < 5; ++i) opt.step();  // state allocated, caches warm
  return 1e6 * bench::best_seconds(5, 40, [&] { opt.step(); });
}

template <class Opt>
void run(const char* name, xg::Dtype dtype, const typename Opt::Options& options) {
  xg::manual_seed(0);
  auto param = xg::randn({kNumel}, dtype).requires_grad_();
  param.set_grad(xg::randn({kNumel}, dtype) * 1e-3);
  Opt opt({param}, options);
  std::printf("%s %.1f\n", name, time_steps(opt));
}

}  // namespace

int main(int argc, char** argv) {
  bench::apply_malloc_option(argc, argv);
  namespace o = xg::optim;
  run<o::Adam>("adam_us", xg::kFloat32, {.lr = 1e-3});
  run<o::Adam>("adam_amsgrad_us", xg::kFloat32, {.lr = 1e-3, .amsgrad = true});
  run<o::AdamW>("adamw_us", xg::kFloat32, {.lr = 1e-3});
  run<o::SGD>("sgd_momentum_us", xg::kFloat32, {.lr = 1e-3, .momentum = 0.9});
  run<o::RMSprop>("rmsprop_us", xg::kFloat32, {.lr = 1e-3});
  run<o::Adam>("adam_float64_us", xg::kFloat64, {.lr = 1e-3});
  return 0;
}
