// all_reduce and broadcast on plain tensors, and their errors (thrown on every rank, never a hang).
#include <doctest/doctest.h>

#include "support.hpp"

using namespace dist_test;

TEST_CASE("the job has ranks 0..world_size-1") {
  CHECK(xd::is_initialized());
  CHECK(xd::world_size() >= 2);
  CHECK(xd::rank() >= 0);
  CHECK(xd::rank() < xd::world_size());
  CHECK(sum_over_ranks(xd::rank()) == xd::world_size() * (xd::world_size() - 1) / 2.0);
  xd::barrier();
}

TEST_CASE("all_reduce sums, averages, takes max and min in place, for each dtype") {
  const double r = xd::rank(), n = xd::world_size();
  for (const auto dtype : {xg::kFloat32, xg::kFloat64}) {
    const auto sum = xg::tensor({r, 2 * r, 1.5}, {3}, dtype);
    const auto version = sum.version();
    xd::all_reduce(sum);
    CHECK(sum.to_vector() == std::vector<double>{n * (n - 1) / 2, n * (n - 1), 1.5 * n});
    CHECK(sum.version() > version);
    const auto mean = xg::tensor({r, 4.0}, {2}, dtype);
    xd::all_reduce(mean, xd::Op::Mean);
    CHECK(mean.to_vector() == std::vector<double>{(n - 1) / 2, 4.0});
    const auto max = xg::tensor({r, -r}, {2}, dtype), min = xg::tensor({r, -r}, {2}, dtype);
    xd::all_reduce(max, xd::Op::Max);
    xd::all_reduce(min, xd::Op::Min);
    CHECK(max.to_vector() == std::vector<double>{n - 1, 0});
    CHECK(min.to_vector() == std::vector<double>{0, -(n - 1)});
  }
  const auto counts = xg::tensor(std::vector<std::int64_t>{xd::rank(), 1}, {2});
  xd::all_reduce(counts);
  CHECK(counts.to_vector() == std::vector<double>{n * (n - 1) / 2, n});
}

TEST_CASE("broadcast copies the root's values to every rank") {
  const int root = xd::world_size() - 1;
  const auto t = xg::full({2, 2}, 10.0 * xd::rank(), xg::kFloat64);
  xd::broadcast(t, root);
  CHECK(t.to_vector() == std::vector<double>(4, 10.0 * root));
}

TEST_CASE("a collective on tensors of different shapes throws on every rank, naming both shapes") {
  const bool odd = xd::rank() % 2 == 1;
  const std::string message = error_of([&] { xd::all_reduce(xg::zeros({odd ? 3 : 4})); });
  CHECK(sum_over_ranks(message.empty() ? 0 : 1) == xd::world_size());
  CHECK(contains(message, "all_reduce: the tensor is [3] (float32) on rank 1 but [4] (float32) on rank 0"));

  const std::string dtype_message =
      error_of([&] { xd::broadcast(xg::zeros({2}, odd ? xg::kFloat64 : xg::kFloat32)); });
  CHECK(contains(dtype_message, "broadcast: the tensor is [2] (float64) on rank 1 but [2] (float32) on rank 0"));

  // After the errors the ranks are still in step.
  const auto ok = xg::ones({1});
  xd::all_reduce(ok);
  CHECK(ok.item<double>() == xd::world_size());
}

TEST_CASE("collective errors every rank sees alike") {
  const std::string mean_of_ints =
      error_of([] { xd::all_reduce(xg::tensor(std::vector<std::int64_t>{1}, {1}), xd::Op::Mean); });
  CHECK(contains(mean_of_ints, "all_reduce: Op::Mean needs a floating-point tensor, got int64"));
  const auto weight = xg::zeros({2}, xg::kFloat32, true);
  CHECK(contains(error_of([&] { xd::all_reduce(weight); }), "all_reduce: a tensor that requires grad"));
  {
    xg::NoGradGuard no_grad;
    xd::all_reduce(weight);  // allowed outside autograd, as every in-place change
  }
  CHECK(contains(error_of([] { xd::broadcast(xg::zeros({1}), 99); }), "broadcast: root rank 99 is out of range"));
}
