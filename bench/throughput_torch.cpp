// The libtorch side of bench/throughput.cpp, same shapes and byte counts, 1 intra-op thread.
#include <torch/torch.h>

#include <cstdio>

#include "bench_util.hpp"

int main(int argc, char** argv) {
  bench::apply_malloc_option(argc, argv);
  torch::set_num_threads(1);
  torch::NoGradGuard no_grad;
  const int64_t n = 1024;
  auto a = torch::rand({n, n});
  auto row = torch::rand({n});
  const double mb = n * n * 4.0;
  auto report = [&](const char* name, double bytes, double seconds) { std::printf("%s %.3f\n", name, bytes / seconds / 1e9); };
  report("add_broadcast_GBps", 2 * mb, bench::best_seconds(30, 50, [&] { auto c = a + row; }));
  report("add_same_shape_GBps", 3 * mb, bench::best_seconds(30, 50, [&] { auto c = a + a; }));
  report("exp_GBps", 2 * mb, bench::best_seconds(30, 50, [&] { auto c = torch::exp(a); }));
  report("sum_dim0_GBps", mb, bench::best_seconds(30, 50, [&] { auto c = a.sum({0}); }));
  report("sum_dim1_GBps", mb, bench::best_seconds(30, 50, [&] { auto c = a.sum({1}); }));
  report("sum_all_GBps", mb, bench::best_seconds(30, 50, [&] { auto c = a.sum(); }));
  report("softmax_last_GBps", 2 * mb, bench::best_seconds(30, 50, [&] { auto c = torch::softmax(a, 1); }));
  return 0;
}
