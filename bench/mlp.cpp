// One MLP training step in xgrad (float32, ReLU, cross-entropy, Adam), timed like bench/mlp_torch.cpp,
// plus the step's gemm-bound limit: the same products the step needs (forward x·Wᵀ, backward G·W
// and Gᵀ·X, no input gradient for the first layer), timed alone through xgrad's own gemm (oneDNN),
// with their rate in GFLOP/s. With --bf16 the step and the products run under AutocastGuard.
// --ftz flushes denormals (set_flush_denormal, as torch.set_flush_denormal): trained on one fixed
// batch, the network memorizes it, its softmax saturates and the gradients turn denormal, which
// costs Intel cores a slow path per operation (the deep step ran 2.5x slower on both sides).
// Usage: bench_mlp <threads> <batch> <widths...> [--keep-memory] [--bf16] [--ftz] [--rss N]
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include <xgrad/xgrad.hpp>

#include "bench_util.hpp"
#include "mlp_args.hpp"

namespace {

// Seconds for the step's gemms alone, and their FLOP count.
std::pair<double, double> gemm_bound(const bench::MlpArgs& args) {
  struct Gemm {
    bool ta, tb;
    long m, n, k;
  };
  std::vector<Gemm> gemms;
  const long b = args.batch;
  for (std::size_t l = 0; l + 1 < args.sizes.size(); ++l) {
    const long in = args.sizes[l], out = args.sizes[l + 1];
    gemms.push_back({false, true, b, out, in});             // forward  X·Wᵀ
    gemms.push_back({true, false, out, in, b});             // backward Gᵀ·X
    if (l > 0) gemms.push_back({false, false, b, in, out});  // backward G·W
  }
  double flops = 0;
  std::vector<xg::Tensor> a, bm;
  for (const Gemm& g : gemms) {
    flops += 2.0 * g.m * g.n * g.k;
    a.push_back(xg::full(g.ta ? xg::Shape{g.k, g.m} : xg::Shape{g.m, g.k}, 0.5));
    bm.push_back(xg::full(g.tb ? xg::Shape{g.n, g.k} : xg::Shape{g.k, g.n}, 0.25));
  }
  xg::NoGradGuard no_grad;
  const double seconds = bench::best_seconds(5, 20, [&] {
    for (std::size_t i = 0; i < gemms.size(); ++i) xg::mm_transposed(a[i], bm[i], gemms[i].ta, gemms[i].tb);
  });
  return {seconds, flops};
}

}  // namespace

int main(int argc, char** argv) {
  bench::apply_malloc_option(argc, argv);
  const bench::MlpArgs args = bench::parse_mlp_args(argc, argv);
  xg::set_num_threads(args.threads);
  bool bf16 = false, ftz = false;
  for (int i = 1; i < argc; ++i) {
    bf16 |= std::strcmp(argv[i], "--bf16") == 0;
    ftz |= std::strcmp(argv[i], "--ftz") == 0;
  }
  if (ftz) xg::set_flush_denormal(true);
  std::optional<xg::AutocastGuard> autocast;
  if (bf16) autocast.emplace(xg::kBFloat16);
  xg::manual_seed(0);
  xg::nn::Sequential net;
  for (std::size_t i = 0; i + 1 < args.sizes.size(); ++i) {
    net->push_back(xg::nn::Linear(args.sizes[i], args.sizes[i + 1]));
    if (i + 2 < args.sizes.size()) net->push_back(xg::nn::ReLU());
  }
  xg::optim::Adam opt(net->parameters(), {.lr = 1e-3});
  auto x = xg::randn({args.batch, args.sizes.front()});
  auto y = xg::randint(0, args.sizes.back(), {args.batch});
  auto step = [&] {
    opt.zero_grad();
    auto loss = xg::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    opt.step();
  };
  for (int i = 0; i < 20; ++i) step();
  const double seconds = bench::best_seconds(5, args.steps, step);
  const auto [gemm_seconds, flops] = gemm_bound(args);
  std::printf("step_ms %.4f\n", seconds * 1e3);
  std::printf("gemm_bound_ms %.4f\n", gemm_seconds * 1e3);
  std::printf("gemm_GFLOPs %.2f\n", flops / gemm_seconds / 1e9);
  std::printf("fraction_of_gemm_bound %.3f\n", gemm_seconds / seconds);
  bench::print_rss(step, args.rss_steps);
  return 0;
}
