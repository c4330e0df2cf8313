// The libtorch side of bench/mlp.cpp: the same MLP training step (float32, cross-entropy, Adam),
// the same sizes, data and thread count. With --bf16 the forward runs under libtorch's CPU autocast
// (bfloat16), as torch.autocast("cpu") does; --ftz flushes denormals (torch.set_flush_denormal).
// Usage: bench_mlp_torch <threads> <batch> <widths...> [--keep-memory] [--bf16]
#include <ATen/autocast_mode.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bench_util.hpp"
#include "mlp_args.hpp"

int main(int argc, char** argv) {
  bench::apply_malloc_option(argc, argv);
  const bench::MlpArgs args = bench::parse_mlp_args(argc, argv);
  torch::set_num_threads(args.threads);
  torch::manual_seed(0);
  torch::nn::Sequential net;
  for (std::size_t i = 0; i + 1 < args.sizes.size(); ++i) {
    net->push_back(torch::nn::Linear(args.sizes[i], args.sizes[i + 1]));
    if (i + 2 < args.sizes.size()) net->push_back(torch::nn::ReLU());
  }
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3));
  auto x = torch::randn({args.batch, args.sizes.front()});
  auto y = torch::randint(0, args.sizes.back(), {args.batch}, torch::kLong);
  bool bf16 = false;
  for (int i = 1; i < argc; ++i) {
    bf16 |= std::strcmp(argv[i], "--bf16") == 0;
    if (std::strcmp(argv[i], "--ftz") == 0) at::globalContext().setFlushDenormal(true);
  }
  auto step = [&] {
    opt.zero_grad();
    torch::Tensor logits;
    if (bf16) {  // what torch.autocast("cpu", dtype=torch.bfloat16) does around the forward
      at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
      at::autocast::set_cpu_enabled(true);
      logits = net->forward(x);
      at::autocast::set_cpu_enabled(false);
      at::autocast::clear_cache();
    } else {
      logits = net->forward(x);
    }
    auto loss = torch::nn::functional::cross_entropy(logits, y);
    loss.backward();
    opt.step();
  };
  for (int i = 0; i < 20; ++i) step();  // warm-up
  const double seconds = bench::best_seconds(5, args.steps, step);
  std::printf("step_ms %.4f\n", seconds * 1e3);
  bench::print_rss(step, args.rss_steps);
  return 0;
}
