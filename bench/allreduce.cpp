// The gradient all-reduce alone, without training: GradientReducer::reduce() on the parameters of the
// Fashion-MNIST model (784-256-10, float32, 795 KiB) with every rank arriving together (a barrier
// before each call), so the time is the transfer and the copies, not waiting for a slower rank.
// Run under mpirun: mpirun -np 2 build/bench/bench_allreduce [steps] [bucket_bytes]
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <xgrad/distributed.hpp>
#include <xgrad/xgrad.hpp>

int main(int argc, char** argv) {
  namespace xd = xgrad::distributed;
  xd::Environment mpi(argc, argv);
  const int steps = argc > 1 ? std::atoi(argv[1]) : 2000;
  const std::size_t bucket_bytes = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : std::size_t{25} << 20;
  xg::nn::Sequential net(xg::nn::Linear(784, 256), xg::nn::ReLU(), xg::nn::Linear(256, 10));
  for (auto& p : net->parameters()) p.set_grad(xg::randn(p.shape()));
  xd::GradientReducer reducer(net->named_parameters(), {.bucket_bytes = bucket_bytes});
  for (int i = 0; i < 50; ++i) reducer.reduce();  // warm-up: buffers, shared-memory segments
  reducer.reset_stats();
  for (int i = 0; i < steps; ++i) {
    xd::barrier();
    reducer.reduce();
  }
  const auto& s = reducer.stats();
  const double mpi_ms = 1e3 * s.mpi_seconds / steps, total_ms = 1e3 * s.total_seconds / steps;
  const double sizes = xd::world_size();
  const auto worst = xg::tensor({mpi_ms, total_ms}, {2}, xg::kFloat64);
  xd::all_reduce(worst, xd::Op::Max);
  if (xd::rank() == 0)
    fmt::print("all-reduce of {:.1f} KiB in {} bucket(s), {} ranks: {:.3f} ms in MPI, {:.3f} ms in reduce() (slowest "
               "rank, mean of {} calls)\n",
               s.bytes / 1024.0 / steps, reducer.num_buckets(), sizes, worst.to_vector()[0], worst.to_vector()[1],
               steps);
  return 0;
}
