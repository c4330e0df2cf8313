// The libtorch side of bench/mlp.cpp: the same MLP training step (float32, cross-entropy, Adam),
// the same sizes, data and thread count. Usage: bench_mlp_torch <threads> <batch> <widths...> [--keep-memory]
#include <sys/resource.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
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
  auto step = [&] {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    opt.step();
  };
  for (int i = 0; i < 20; ++i) step();  // warm-up
  const double seconds = bench::best_seconds(5, args.steps, step);
  std::printf("step_ms %.4f\n", seconds * 1e3);
  bench::print_rss(step, args.rss_steps);
  return 0;
}
