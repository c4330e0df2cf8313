// DistributedSampler: disjoint shards that cover each epoch (padding or dropping as documented), and,
// through a DataLoader, per-rank batches that together are the single-process batches.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "support.hpp"

using namespace dist_test;

namespace {

// How often each sample index appears in all `replicas` shards of `epoch`, simulated in this process.
std::vector<int> coverage(std::int64_t n, int replicas, bool drop_last, std::int64_t epoch, bool shuffle = true) {
  std::vector<int> seen(static_cast<std::size_t>(n), 0);
  for (int r = 0; r < replicas; ++r) {
    const xd::DistributedSampler sampler(
        n, {.num_replicas = replicas, .rank = r, .shuffle = shuffle, .seed = 11, .drop_last = drop_last});
    for (std::int64_t i : sampler.order(epoch)) ++seen.at(static_cast<std::size_t>(i));
  }
  return seen;
}

}  // namespace

TEST_CASE("DistributedSampler: shards are disjoint, the same size, and cover the epoch (padding or dropping)") {
  for (std::int64_t n : {0, 1, 7, 12, 13}) {
    for (int replicas : {1, 2, 3, 4}) {
      CAPTURE(n);
      CAPTURE(replicas);
      const xd::DistributedSampler padded(n, {.num_replicas = replicas, .rank = 0});
      const xd::DistributedSampler dropped(n, {.num_replicas = replicas, .rank = 0, .drop_last = true});
      CHECK(padded.size() == (n + replicas - 1) / replicas);
      CHECK(dropped.size() == n / replicas);
      // Padding: every sample at least once, and only padding.size() * replicas - n repeats.
      const auto with_padding = coverage(n, replicas, false, 3);
      CHECK(std::all_of(with_padding.begin(), with_padding.end(), [](int c) { return c >= 1; }));
      std::int64_t total = 0;
      for (int c : with_padding) total += c;
      CHECK(total == padded.total_size());
      // Dropping: no sample twice, and only n - dropped.total_size() samples left out.
      const auto with_drop = coverage(n, replicas, true, 3);
      CHECK(std::all_of(with_drop.begin(), with_drop.end(), [](int c) { return c <= 1; }));
      CHECK(std::count(with_drop.begin(), with_drop.end(), 1) == dropped.total_size());
    }
  }
  // Unshuffled, rank r takes r, r + R, r + 2R, ...
  const xd::DistributedSampler plain(7, {.num_replicas = 3, .rank = 1, .shuffle = false});
  CHECK(plain.order(0) == std::vector<std::int64_t>{1, 4, 0});  // 7 padded to 9 with 0 and 1
  // Shuffled: the same epoch gives the same order, another epoch another order.
  const xd::DistributedSampler shuffled(100, {.num_replicas = 2, .rank = 1, .seed = 3});
  CHECK(shuffled.order(4) == shuffled.order(4));
  CHECK(shuffled.order(4) != shuffled.order(5));
}

TEST_CASE("DistributedSampler rejects bad arguments") {
  CHECK(contains(error_of([] { xd::DistributedSampler s(10, {.num_replicas = 2, .rank = 2}); }),
                 "DistributedSampler: rank 2 is out of range for 2 replicas"));
  CHECK(contains(error_of([] { xd::DistributedSampler s(10, {.num_replicas = 0, .rank = 0}); }),
                 "num_replicas must be at least 1"));
  CHECK(contains(error_of([] { xd::DistributedSampler s(-1, {.num_replicas = 1, .rank = 0}); }),
                 "the dataset size must be 0 or more"));
}

TEST_CASE("with the real ranks, each epoch's shards are disjoint and cover the dataset") {
  const std::int64_t n = 10 * xd::world_size();
  const xd::DistributedSampler sampler(n, {.seed = 2});  // rank and replicas from MPI
  CHECK(sampler.rank() == xd::rank());
  CHECK(sampler.num_replicas() == xd::world_size());
  for (std::int64_t epoch : {0, 1}) {
    const auto seen = xg::zeros({n}, xg::kInt64);
    for (std::int64_t i : sampler.order(epoch)) seen.data_ptr<std::int64_t>()[i] += 1;
    xd::all_reduce(seen);
    CHECK(seen.to_vector() == std::vector<double>(static_cast<std::size_t>(n), 1.0));
  }
}

TEST_CASE("through DataLoaders, the ranks' k-th batches together are one process's k-th batch") {
  const std::int64_t ranks = xd::world_size(), n = 8 * ranks, per_rank_batch = 3;
  const xg::data::TensorDataset dataset(xg::arange(0, static_cast<double>(n), 1).reshape({n, 1}),
                                        xg::arange(0, static_cast<double>(n), 1, xg::kInt64));
  const auto sampler = std::make_shared<xd::DistributedSampler>(n, xd::DistributedSamplerOptions{.seed = 9});
  xg::data::DataLoader mine(dataset, {.batch_size = per_rank_batch, .seed = 0, .sampler = sampler});
  xg::data::DataLoader whole(dataset, {.batch_size = per_rank_batch * ranks, .shuffle = true, .seed = 9});
  CHECK(mine.size() == whole.size());
  for (std::int64_t epoch : {0, 1, 2}) {
    mine.set_epoch(epoch);
    whole.set_epoch(epoch);
    auto it = whole.begin();
    for (const auto& batch : mine) {
      const auto together = xg::zeros({n}, xg::kInt64), expected = xg::zeros({n}, xg::kInt64);
      for (double i : batch.target.to_vector()) together.data_ptr<std::int64_t>()[static_cast<std::int64_t>(i)] += 1;
      for (double i : it->target.to_vector()) expected.data_ptr<std::int64_t>()[static_cast<std::int64_t>(i)] += 1;
      xd::all_reduce(together);
      CHECK(together.to_vector() == expected.to_vector());
      ++it;
    }
  }
}

TEST_CASE("DataLoader checks its sampler") {
  const xg::data::TensorDataset dataset(xg::zeros({4, 1}));
  const auto too_big =
      std::make_shared<xd::DistributedSampler>(8, xd::DistributedSamplerOptions{.num_replicas = 1, .rank = 0});
  CHECK(contains(error_of([&] { xg::data::DataLoader(dataset, {.shuffle = true, .sampler = too_big}); }),
                 "shuffle = true and a sampler exclude each other"));
  xg::data::DataLoader loader(dataset, {.batch_size = 2, .sampler = too_big});
  CHECK(contains(error_of([&] { loader.begin(); }), "is out of range for a dataset of 4 samples"));
}
