// One training step of the trainer's --model cnn (examples/fashion_mnist/cnn_model.cpp, rebuilt here
// so bench/ does not depend on examples/): batch 128 of 1x28x28, Adam, cross-entropy, dropout on.
// Prints "cnn_step_ms", "forward_ms" and, per layer kind, its part of the forward
// ("<kind>_fwd_ms"), to see where a step goes (perf on this binary shows the backward's), and the
// first max-pool alone.
// Usage: bench_cnn_step <threads> [--keep-memory] [--steps N]
// --steps N runs N training steps and nothing else (for perf record).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <xgrad/xgrad.hpp>

#include "bench_util.hpp"

namespace nn = xgrad::nn;

int main(int argc, char** argv) {
  bench::apply_malloc_option(argc, argv);
  xg::set_num_threads(argc > 1 ? std::atoi(argv[1]) : 1);
  xg::manual_seed(0);
  // The layers in order, each with its kind, so the forward can also be timed stage by stage.
  std::vector<std::pair<std::string, std::function<xg::Tensor(const xg::Tensor&)>>> stages;
  std::vector<xg::Tensor> params;
  auto add = [&](const std::string& kind, auto layer) {
    for (const auto& p : layer->parameters()) params.push_back(p);
    stages.emplace_back(kind, [layer](const xg::Tensor& t) { return layer->forward(t); });
  };
  for (auto [in, out] : {std::pair<std::int64_t, std::int64_t>{1, 32}, {32, 64}}) {
    add("conv2d", nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)));
    add("batch_norm", nn::BatchNorm2d(out));
    add("relu", nn::ReLU());
    add("max_pool2d", nn::MaxPool2d(nn::MaxPool2dOptions(2)));
  }
  add("dropout", nn::Dropout(0.25));
  add("flatten", nn::Flatten());
  add("linear", nn::Linear(64 * 7 * 7, 128));
  add("relu", nn::ReLU());
  add("dropout", nn::Dropout(0.25));
  add("linear", nn::Linear(128, 10));
  xg::optim::Adam opt(params, {.lr = 1e-3});
  const auto x = xg::randn({128, 1, 28, 28});
  const auto y = xg::randint(0, 10, {128});
  const auto forward = [&] {
    xg::Tensor h = x;
    for (const auto& stage : stages) h = stage.second(h);
    return h;
  };
  const auto step = [&] {
    opt.zero_grad();
    xg::nn::functional::cross_entropy(forward(), y).backward();
    opt.step();
  };
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--steps") {
      for (int k = std::atoi(argv[i + 1]); k > 0; --k) step();
      return 0;
    }
  std::printf("cnn_step_ms %.4f\n", bench::best_seconds(5, 10, step) * 1e3);
  std::printf("forward_ms %.4f\n", bench::best_seconds(5, 10, forward) * 1e3);

  // The forward stage by stage (with autograd recording, as in training), summed per kind.
  std::map<std::string, double> per_kind;
  const int reps = 20;
  for (int rep = 0; rep < reps; ++rep) {
    xg::Tensor h = x;
    for (const auto& [kind, fn] : stages) {
      const auto start = std::chrono::steady_clock::now();
      h = fn(h);
      per_kind[kind] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / reps;
    }
  }
  for (const auto& [kind, seconds] : per_kind) std::printf("%s_fwd_ms %.4f\n", kind.c_str(), seconds * 1e3);

  // The first max-pool alone (its window search and gather), without autograd.
  const auto pool_in = xg::randn({128, 32, 28, 28});
  xg::NoGradGuard no_grad;
  std::printf("max_pool2d_128x32x28x28_ms %.4f\n",
              bench::best_seconds(5, 20, [&] { xg::max_pool2d_with_indices(pool_in, 2); }) * 1e3);
  return 0;
}
