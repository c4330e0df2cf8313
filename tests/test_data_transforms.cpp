// Splits and normalization transforms.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include <xgrad/xgrad.hpp>

namespace xd = xgrad::data;

TEST_CASE("random_split: disjoint subsets covering the dataset, reproducible by seed") {
  const xd::TensorDataset ds(xg::arange(0, 20, 1).reshape({20, 1}), xg::arange(0, 20, 1, xg::kInt64));
  const auto parts = xd::random_split(ds, {12, 5, 3}, 42);
  REQUIRE(parts.size() == 3);
  std::set<std::int64_t> all;
  for (const auto& p : parts)
    for (auto i : p.indices()) CHECK(all.insert(i).second);
  CHECK(all.size() == 20);
  CHECK(parts[1].get(0).target.item<std::int64_t>() == parts[1].indices()[0]);
  CHECK(parts[0].indices() != std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});  // shuffled

  CHECK(xd::random_split(ds, {12, 5, 3}, 42)[0].indices() == parts[0].indices());
  CHECK(xd::random_split(ds, {12, 5, 3}, 43)[0].indices() != parts[0].indices());

  // A subset's batches go through the parent's fast path and keep the subset's order.
  const auto batch = parts[2].get_batch(std::vector<std::int64_t>{2, 0});
  CHECK(batch.target.to_vector() ==
        std::vector<double>{static_cast<double>(parts[2].indices()[2]), static_cast<double>(parts[2].indices()[0])});

  CHECK_THROWS_WITH_AS(xd::random_split(ds, {10, 5}, 0), doctest::Contains("add up to 15, but the dataset has 20"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(parts[2].get(3), doctest::Contains("index 3 is out of range for a dataset of 3"), xg::Error);

  const auto split = xd::train_val_split(ds, 0.25, 1);
  CHECK(split.train.size() == 15);
  CHECK(split.val.size() == 5);
  CHECK_THROWS_AS(xd::train_val_split(ds, 1.5), xg::Error);
}

TEST_CASE("scale_to_unit and normalize") {
  const xg::Tensor pixels = xg::tensor({0.0, 51.0, 255.0}, {3});
  CHECK(xd::scale_to_unit(pixels).to_vector() == std::vector<double>{0.0, 0.2f, 1.0});
  const xg::Tensor ints = xg::tensor(std::vector<std::int64_t>{0, 255}, {2});
  CHECK(xd::scale_to_unit(ints).dtype() == xg::kFloat32);
  CHECK(xd::scale_to_unit(ints).to_vector() == std::vector<double>{0.0, 1.0});

  const xg::Tensor n = xd::normalize(xg::tensor({1.0, 3.0}, {2}, xg::kFloat64), 2.0, 0.5);
  CHECK(n.dtype() == xg::kFloat64);
  CHECK(n.to_vector() == std::vector<double>{-2.0, 2.0});
  CHECK_THROWS_WITH_AS(xd::normalize(pixels, 0.0, 0.0), doctest::Contains("std must be positive"), xg::Error);

  // Per channel along dim 1 of [N, C, H, W]: channel c of every sample uses mean[c] and std[c].
  const xg::Tensor images = xg::ones({2, 3, 2, 2});
  const xg::Tensor per_channel = xd::normalize(images, {0.0, 1.0, 2.0}, {1.0, 2.0, 4.0});
  CHECK(per_channel.shape() == xg::Shape{2, 3, 2, 2});
  const std::vector<double> v = per_channel.to_vector();
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::size_t c = (i / 4) % 3;
    CHECK(v[i] == (1.0 - c) / (c == 0 ? 1.0 : c == 1 ? 2.0 : 4.0));
  }
  CHECK_THROWS_WITH_AS(xd::normalize(images, {0.0, 1.0}, {1.0, 1.0}), doctest::Contains("2 means and 2 stds for dimension 1 of size 3"),
                       xg::Error);
}

TEST_CASE("Standardizer: fitted on training data, zero mean and unit spread there, reused unchanged") {
  const xg::Tensor train = xg::tensor({1.0, 10.0, 7.0, 3.0, 20.0, 7.0, 5.0, 30.0, 7.0}, {3, 3}, xg::kFloat64);
  const auto scaler = xd::Standardizer::fit(train);
  const xg::Tensor z = scaler(train);
  const std::vector<double> mean = xg::mean(z, {0}).to_vector();
  const std::vector<double> var = xg::var(z, {0}, /*unbiased=*/false).to_vector();
  CHECK(mean[0] == doctest::Approx(0.0));
  CHECK(mean[1] == doctest::Approx(0.0));
  CHECK(var[0] == doctest::Approx(1.0));
  CHECK(var[1] == doctest::Approx(1.0));
  CHECK(z.to_vector()[2] == 0.0);  // a constant feature is centered, not divided by zero
  // New data uses the training statistics: feature 0 has mean 3 and population std sqrt(8/3).
  const std::vector<double> other = scaler(xg::tensor({3.0 + std::sqrt(8.0 / 3.0), 20.0, 8.0}, {1, 3}, xg::kFloat64)).to_vector();
  CHECK(other[0] == doctest::Approx(1.0));
  CHECK(other[1] == doctest::Approx(0.0));
  CHECK(other[2] == doctest::Approx(1.0));
  CHECK_THROWS_WITH_AS(scaler(xg::zeros({2, 4})), doctest::Contains("fitted on samples of shape [3]"), xg::Error);
}
