// Elementwise and reduction throughput of xgrad on 1M float32 values (no autograd): add with
// broadcasting, exp, sum over each axis, softmax over the last axis of [1024, 1024].
// Prints "name GB/s" lines (bytes read + written per second) for bench/run.sh.
#include <cstdio>

#include <xgrad/xgrad.hpp>

#include "bench_util.hpp"

int main(int argc, char** argv) {
  bench::apply_malloc_option(argc, argv);
  xg::NoGradGuard no_grad;
  const std::int64_t n = 1024;
  auto a = xg::rand({n, n});
  auto row = xg::rand({n});
  const double mb = n * n * 4.0;  // bytes of one [1024, 1024] float32 tensor
  auto report = [&](const char* name, double bytes, double seconds) { std::printf("%s %.3f\n", name, bytes / seconds / 1e9); };
  report("add_broadcast_GBps", 2 * mb, bench::best_seconds(30, 50, [&] { auto c = a + row; }));
  report("add_same_shape_GBps", 3 * mb, bench::best_seconds(30, 50, [&] { auto c = a + a; }));
  report("exp_GBps", 2 * mb, bench::best_seconds(30, 50, [&] { auto c = xg::exp(a); }));
  report("sum_dim0_GBps", mb, bench::best_seconds(30, 50, [&] { auto c = xg::sum(a, {0}); }));
  report("sum_dim1_GBps", mb, bench::best_seconds(30, 50, [&] { auto c = xg::sum(a, {1}); }));
  report("sum_all_GBps", mb, bench::best_seconds(30, 50, [&] { auto c = xg::sum(a); }));
  report("softmax_last_GBps", 2 * mb, bench::best_seconds(30, 50, [&] { auto c = xg::softmax(a, 1); }));
  return 0;
}
