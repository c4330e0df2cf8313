// GradientReducer and broadcast_parameters: data-parallel training equals one process on the whole
// batch; replicas stay identical; buckets of any size give the same gradients; mismatched models
// throw on every rank.
#include <doctest/doctest.h>

#include <memory>

#include "support.hpp"

using namespace dist_test;

namespace {

constexpr std::int64_t kSteps = 5;
constexpr std::int64_t kGlobalBatch = 12;

using MakeOptimizer = std::function<std::unique_ptr<xg::optim::Optimizer>(std::vector<xg::Tensor>)>;

// kSteps steps on rows [begin, begin + length) of each global batch; with a reducer, the gradients
// are averaged over the ranks between backward() and step().
void train(xg::nn::Sequential& net, const MakeOptimizer& make_optimizer, xg::Dtype dtype, std::int64_t begin,
           std::int64_t length, xd::GradientReducer* reducer) {
  auto opt = make_optimizer(net->parameters());
  for (std::int64_t step = 0; step < kSteps; ++step) {
    const Batch batch = global_batch(step, dtype);
    opt->zero_grad();
    const auto logits = net->forward(batch.x.narrow(0, begin, length));
    xg::nn::functional::cross_entropy(logits, batch.y.narrow(0, begin, length)).backward();
    if (reducer) reducer->reduce();
    opt->step();
  }
}

struct Case {
  const char* name;
  MakeOptimizer make;
};

std::vector<Case> optimizers() {
  return {{"SGD with momentum",
           [](std::vector<xg::Tensor> p) {
             return std::make_unique<xg::optim::SGD>(p, xg::optim::SGDOptions{.lr = 0.1, .momentum = 0.9});
           }},
          {"Adam", [](std::vector<xg::Tensor> p) {
             return std::make_unique<xg::optim::Adam>(p, xg::optim::AdamOptions{.lr = 0.01});
           }}};
}

}  // namespace

TEST_CASE("ranks with a shard each of the global batch end where one process on the whole batch ends") {
  const std::int64_t ranks = xd::world_size(), rank = xd::rank();
  CHECK(kGlobalBatch % ranks == 0);  // the shards below need an even split
  const std::int64_t shard = kGlobalBatch / ranks;
  for (const auto dtype : {xg::kFloat32, xg::kFloat64}) {
    const double tolerance = dtype == xg::kFloat32 ? 1e-6 : 1e-12;
    for (const Case& c : optimizers()) {
      const std::string what = std::string(c.name) + ", " + xg::dtype_name(dtype);
      CAPTURE(what);
      // The single-process reference, computed by every rank: rank 0's initial weights, whole batches.
      auto reference = mlp(dtype, 1);
      train(reference, c.make, dtype, 0, kGlobalBatch, nullptr);

      // Each rank starts from different weights; broadcast_parameters makes them rank 0's.
      auto net = mlp(dtype, 1 + 7 * static_cast<std::uint64_t>(rank));
      CHECK(spread_across_ranks(net->parameters()) > 0.01);
      xd::broadcast_parameters(net->named_parameters());
      CHECK(spread_across_ranks(net->parameters()) == 0.0);
      CHECK(max_abs_difference(net->parameters(), mlp(dtype, 1)->parameters()) == 0.0);

      xd::GradientReducer reducer(net->named_parameters());
      train(net, c.make, dtype, rank * shard, shard, &reducer);
      const double difference = max_over_ranks(max_abs_difference(net->parameters(), reference->parameters()));
      CHECK(difference <= tolerance);
      CHECK(spread_across_ranks(net->parameters()) == 0.0);  // the replicas agree bit for bit
      // The weights did move: the comparison above is not between two untouched models.
      CHECK(max_abs_difference(net->parameters(), mlp(dtype, 1)->parameters()) > 1e-3);
      if (rank == 0) MESSAGE(what, ": largest difference from one process ", difference);
    }
  }
}

namespace {

// Parameters of both dtypes and several sizes, each with a gradient of base + rank.
struct GradientSet {
  std::vector<xg::Tensor> params;
  std::vector<xg::Tensor> expected_mean;
};

GradientSet gradients_of_every_rank() {
  GradientSet s;
  xg::manual_seed(5);
  const std::vector<xg::Shape> shapes = {{3, 4}, {4}, {1}, {7, 2}, {5}, {2, 2, 2}};
  const double mean_rank = (xd::world_size() - 1) / 2.0;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const auto dtype = i % 3 == 1 ? xg::kFloat64 : xg::kFloat32;
    auto p = xg::randn(shapes[i], dtype).requires_grad_();
    const auto base = xg::randn(shapes[i], dtype);
    p.set_grad(base + static_cast<double>(xd::rank()));
    s.params.push_back(p);
    s.expected_mean.push_back(base + mean_rank);
  }
  return s;
}

std::vector<xg::Tensor> grads(const std::vector<xg::Tensor>& params) {
  std::vector<xg::Tensor> g;
  for (const auto& p : params) g.push_back(p.grad());
  return g;
}

}  // namespace

TEST_CASE("any bucket size gives the same averaged gradients") {
  auto tiny = gradients_of_every_rank(), huge = gradients_of_every_rank(), medium = gradients_of_every_rank();
  xd::GradientReducer one_each(tiny.params, {.bucket_bytes = 1});
  xd::GradientReducer one_per_dtype(huge.params, {.bucket_bytes = std::size_t{1} << 30});
  xd::GradientReducer some(medium.params, {.bucket_bytes = 64});
  CHECK(one_each.num_buckets() == tiny.params.size());
  CHECK(one_per_dtype.num_buckets() == 2);  // float32 and float64 never share a bucket
  CHECK(some.num_buckets() > 2);
  CHECK(some.num_buckets() < medium.params.size());

  const auto before = tiny.params[0].grad();
  one_each.reduce();
  one_per_dtype.reduce();
  some.reduce();
  CHECK(tiny.params[0].grad().is_same(before));  // averaged in place
  CHECK(max_abs_difference(grads(tiny.params), grads(huge.params)) == 0.0);
  CHECK(max_abs_difference(grads(medium.params), grads(huge.params)) == 0.0);
  CHECK(max_abs_difference(grads(huge.params), huge.expected_mean) <= 1e-6);
  for (std::size_t i = 0; i < huge.params.size(); ++i) CHECK(huge.params[i].grad().dtype() == huge.params[i].dtype());

  const auto& stats = one_each.stats();
  CHECK(stats.reductions == 1);
  CHECK(stats.mpi_calls == static_cast<std::int64_t>(tiny.params.size()));
  CHECK(stats.bytes > 0);
  CHECK(stats.mpi_seconds >= 0);
  CHECK(stats.mpi_seconds <= stats.total_seconds);
  one_each.reset_stats();
  CHECK(one_each.stats().reductions == 0);
}

TEST_CASE("a gradient missing on some ranks counts as zeros; missing on all, it stays missing") {
  auto used_by_rank0 = xg::ones({3}, xg::kFloat64).requires_grad_();
  auto unused = xg::ones({2}).requires_grad_();
  auto used_everywhere = xg::ones({2}).requires_grad_();
  if (xd::rank() == 0) used_by_rank0.set_grad(xg::full({3}, 6.0, xg::kFloat64));
  used_everywhere.set_grad(xg::full({2}, 2.0));
  xd::GradientReducer reducer({used_by_rank0, unused, used_everywhere});
  reducer.reduce();
  CHECK(used_by_rank0.grad().defined());
  CHECK(used_by_rank0.grad().to_vector() == std::vector<double>(3, 6.0 / xd::world_size()));
  CHECK_FALSE(unused.grad().defined());
  CHECK(used_everywhere.grad().to_vector() == std::vector<double>(2, 2.0));
}

namespace {

// A model whose second layer is 4 wide on even ranks and 5 wide on odd ones.
xg::nn::Sequential uneven_model() {
  const std::int64_t width = xd::rank() % 2 == 1 ? 5 : 4;
  return xg::nn::Sequential(xg::nn::Linear(4, width), xg::nn::ReLU(), xg::nn::Linear(width, 2));
}

// A model with one more layer on odd ranks.
xg::nn::Sequential deeper_on_odd_ranks() {
  xg::nn::Sequential net(xg::nn::Linear(4, 4), xg::nn::ReLU());
  if (xd::rank() % 2 == 1) net->push_back(xg::nn::Linear(4, 3));
  return net;
}

}  // namespace

TEST_CASE("parameters that differ between ranks throw on every rank, naming the parameter and both shapes") {
  const auto everyone = [](const std::string& message) { return sum_over_ranks(message.empty() ? 0 : 1); };
  const double ranks = xd::world_size();

  auto uneven = uneven_model();
  const std::string shape = error_of([&] { xd::broadcast_parameters(uneven->named_parameters()); });
  CHECK(everyone(shape) == ranks);
  CHECK(contains(shape, "broadcast_parameters: parameter 0 ('0.weight') is [5, 4] (float32) on rank 1 but [4, 4] "
                        "(float32) on rank 0"));
  const std::string in_reducer = error_of([&] { xd::GradientReducer reducer(uneven->named_parameters()); });
  CHECK(everyone(in_reducer) == ranks);
  CHECK(contains(in_reducer, "GradientReducer: parameter 0 ('0.weight') is [5, 4] (float32) on rank 1"));
  const std::string unnamed = error_of([&] { xd::broadcast_parameters(uneven->parameters()); });
  CHECK(contains(unnamed, "parameter 0 is [5, 4] (float32) on rank 1 but [4, 4] (float32) on rank 0"));

  auto deeper = deeper_on_odd_ranks();
  const std::string count = error_of([&] { xd::GradientReducer reducer(deeper->named_parameters()); });
  CHECK(everyone(count) == ranks);
  CHECK(contains(count, "GradientReducer: rank 1 has 4 parameters but rank 0 has 2: parameter 2 ('2.weight') "
                        "[3, 4] (float32) exists only on rank 1"));

  auto mixed = mlp(xd::rank() % 2 == 1 ? xg::kFloat64 : xg::kFloat32, 1);
  const std::string dtype = error_of([&] { xd::broadcast_parameters(mixed->named_parameters()); });
  CHECK(contains(dtype, "parameter 0 ('0.weight') is [16, 6] (float64) on rank 1 but [16, 6] (float32) on rank 0"));

  // The ranks are still in step afterwards: a matching model goes through.
  auto same = mlp(xg::kFloat32, 3 + static_cast<std::uint64_t>(xd::rank()));
  xd::broadcast_parameters(same->named_parameters());
  CHECK(spread_across_ranks(same->parameters()) == 0.0);
}

TEST_CASE("GradientReducer rejects what it cannot average, on every rank alike") {
  const auto index = xg::zeros({2}, xg::kInt64);
  CHECK(contains(error_of([&] { xd::GradientReducer r({index}); }),
                 "GradientReducer: parameter 0 is int64; only float32 and float64 gradients are averaged"));
  CHECK(contains(error_of([] { xd::GradientReducer r({xg::zeros({1})}, {.bucket_bytes = 0}); }),
                 "bucket_bytes must be at least 1"));
}
