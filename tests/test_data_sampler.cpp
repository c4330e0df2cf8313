// The DataLoader's sampler hook: a sampler decides each epoch's samples and order (the loader passes
// its epoch), and shuffled_order is exactly the order a shuffling loader uses.
#include <doctest/doctest.h>

#include <algorithm>

#include <xgrad/xgrad.hpp>

namespace xd = xgrad::data;

namespace {

// Every other sample, walked backwards on odd epochs.
class EvenSamples : public xd::Sampler {
 public:
  explicit EvenSamples(std::int64_t n) : n_(n) {}
  std::int64_t size() const override { return (n_ + 1) / 2; }
  std::vector<std::int64_t> order(std::int64_t epoch) const override {
    std::vector<std::int64_t> order;
    for (std::int64_t i = 0; i < n_; i += 2) order.push_back(i);
    if (epoch % 2 == 1) std::reverse(order.begin(), order.end());
    return order;
  }

 private:
  std::int64_t n_;
};

// A sampler that breaks its contract in the ways the loader checks.
class BrokenSampler : public xd::Sampler {
 public:
  std::int64_t size() const override { return 2; }
  std::vector<std::int64_t> order(std::int64_t epoch) const override {
    return epoch == 0 ? std::vector<std::int64_t>{0, 9} : std::vector<std::int64_t>{0};
  }
};

std::vector<std::int64_t> targets_of(xd::DataLoader& loader) {
  std::vector<std::int64_t> all;
  for (const auto& batch : loader)
    for (double v : batch.target.to_vector()) all.push_back(static_cast<std::int64_t>(v));
  return all;
}

}  // namespace

TEST_CASE("a DataLoader with a sampler batches the sampler's order for the loader's epoch") {
  const xd::TensorDataset dataset(xg::zeros({7, 2}), xg::arange(0, 7, 1, xg::kInt64));
  xd::DataLoader loader(dataset, {.batch_size = 3, .num_workers = 1, .sampler = std::make_shared<EvenSamples>(7)});
  CHECK(loader.size() == 2);  // 4 samples in batches of 3
  CHECK(targets_of(loader) == std::vector<std::int64_t>{0, 2, 4, 6});
  CHECK(targets_of(loader) == std::vector<std::int64_t>{6, 4, 2, 0});
  loader.set_epoch(4);
  CHECK(loader.sample_order(4) == std::vector<std::int64_t>{0, 2, 4, 6});
  CHECK(targets_of(loader) == std::vector<std::int64_t>{0, 2, 4, 6});
}

TEST_CASE("shuffled_order is the order of a shuffling DataLoader with the same seed") {
  const xd::TensorDataset dataset(xg::zeros({50, 1}));
  xd::DataLoader loader(dataset, {.batch_size = 8, .shuffle = true, .seed = 42});
  for (std::int64_t epoch : {0, 1, 7}) CHECK(loader.sample_order(epoch) == xd::shuffled_order(50, 42, epoch));
  CHECK(xd::shuffled_order(50, 42, 1) != xd::shuffled_order(50, 42, 2));
  CHECK_THROWS_WITH_AS(xd::shuffled_order(5, 1, -1), "shuffled_order: the epoch must be 0 or more, got -1", xg::Error);
}

TEST_CASE("a DataLoader rejects a sampler with shuffle, and a sampler's bad orders") {
  const xd::TensorDataset dataset(xg::zeros({4, 1}));
  CHECK_THROWS_WITH_AS(xd::DataLoader(dataset, {.shuffle = true, .sampler = std::make_shared<EvenSamples>(4)}),
                       doctest::Contains("shuffle = true and a sampler exclude each other"), xg::Error);
  xd::DataLoader loader(dataset, {.batch_size = 2, .sampler = std::make_shared<BrokenSampler>()});
  CHECK_THROWS_WITH_AS(loader.begin(),
                       "DataLoader: the sampler's index 9 (position 1 of epoch 0) is out of range for a dataset of 4 "
                       "samples",
                       xg::Error);
  loader.set_epoch(1);
  CHECK_THROWS_WITH_AS(loader.begin(), "DataLoader: the sampler's order for epoch 1 has 1 indices but its size() is 2",
                       xg::Error);
}
