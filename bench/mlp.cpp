// One MLP training step in xgrad (float32, ReLU, cross-entropy, Adam), timed like bench/mlp_torch.cpp,
// plus the step's gemm-bound limit: the same gemm calls the step needs (forward x·Wᵀ, backward
// G·W and Gᵀ·X, no input gradient for the first layer), timed alone through OpenBLAS.
// Usage: bench_mlp <threads> <batch> <widths...> [--keep-memory]
#include <cblas.h>

#include <cstdio>
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
  std::vector<std::vector<float>> a, bm, c;
  for (const Gemm& g : gemms) {
    flops += 2.0 * g.m * g.n * g.k;
    a.emplace_back(g.m * g.k, 0.5f);
    bm.emplace_back(g.k * g.n, 0.25f);
    c.emplace_back(g.m * g.n, 0.0f);
  }
  const double seconds = bench::best_seconds(5, 20, [&] {
    for (std::size_t i = 0; i < gemms.size(); ++i) {
      const Gemm& g = gemms[i];
      cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans, g.m, g.n, g.k,
                  1.0f, a[i].data(), g.ta ? g.m : g.k, bm[i].data(), g.tb ? g.k : g.n, 0.0f, c[i].data(), g.n);
    }
  });
  return {seconds, flops};
}

}  // namespace

int main(int argc, char** argv) {
  bench::apply_malloc_option(argc, argv);
  const bench::MlpArgs args = bench::parse_mlp_args(argc, argv);
  openblas_set_num_threads(args.threads);
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
