// Dataset, TensorDataset and DataLoader: batching, per-epoch seeded shuffles, drop_last, and the
// background prefetch (same batches as without; clean early exit and destruction).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <numeric>
#include <optional>
#include <ranges>
#include <set>
#include <thread>

#include <xgrad/xgrad.hpp>

namespace xd = xgrad::data;

static_assert(std::ranges::input_range<xd::DataLoader>);

namespace {

// N samples: data row i is [10 i, 10 i + 1, 10 i + 2] (float32), target i is i (int64).
xd::TensorDataset numbered(std::int64_t n) {
  return xd::TensorDataset(xg::arange(0, 10.0 * n, 1).reshape({n, 10}).narrow(1, 0, 3),
                           xg::arange(0, n, 1, xg::kInt64));
}

std::vector<std::int64_t> ints(const xg::Tensor& t) {
  const std::vector<double> v = t.to_vector();
  return {v.begin(), v.end()};
}

// Every batch's targets, and a check that each data row belongs to its target.
std::vector<std::vector<std::int64_t>> epoch_targets(xd::DataLoader& loader) {
  std::vector<std::vector<std::int64_t>> batches;
  for (const auto& batch : loader) {
    const auto targets = ints(batch.target);
    REQUIRE(batch.data.shape() == xg::Shape{static_cast<std::int64_t>(targets.size()), 3});
    const std::vector<double> rows = batch.data.to_vector();
    for (std::size_t i = 0; i < targets.size(); ++i)
      for (std::size_t j = 0; j < 3; ++j) REQUIRE(rows[3 * i + j] == 10.0 * targets[i] + j);
    batches.push_back(targets);
  }
  return batches;
}

std::vector<std::int64_t> flat(const std::vector<std::vector<std::int64_t>>& batches) {
  std::vector<std::int64_t> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  return all;
}

std::vector<std::int64_t> iota(std::int64_t n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

// A dataset without a fast path: Dataset::get_batch stacks get()'s samples. Index `bad` throws.
struct Squares : xd::Dataset {
  std::int64_t n;
  std::int64_t bad = -1;
  std::chrono::microseconds delay{0};
  std::int64_t size() const override { return n; }
  xd::Example get(std::int64_t i) const override {
    if (delay.count()) std::this_thread::sleep_for(delay);
    if (i == bad) throw xg::Error("Squares: sample " + std::to_string(i) + " is broken");
    const double x = static_cast<double>(i);
    return {xg::tensor({x, x * x}, {2}, xg::kFloat64), xg::tensor(std::vector<std::int64_t>{i % 3}, {}, xg::kInt64)};
  }
};

}  // namespace

TEST_CASE("TensorDataset: samples are rows; batches copy rows; mismatches are errors") {
  const auto ds = numbered(5);
  CHECK(ds.size() == 5);
  const xd::Example e = ds.get(3);
  CHECK(e.data.shape() == xg::Shape{3});
  CHECK(e.data.to_vector() == std::vector<double>{30, 31, 32});
  CHECK(e.target.shape() == xg::Shape{});
  CHECK(e.target.item<std::int64_t>() == 3);

  // The fast path gives what per-sample get() and stacking give.
  const std::vector<std::int64_t> idx = {4, 0, 4, 2};
  xd::Example fast = ds.get_batch(idx);
  const xd::Example slow = ds.Dataset::get_batch(idx);
  CHECK(fast.data.shape() == xg::Shape{4, 3});
  CHECK(fast.data.to_vector() == slow.data.to_vector());
  CHECK(fast.target.to_vector() == slow.target.to_vector());
  CHECK(ints(fast.target) == idx);

  // A batch is a copy: changing it leaves the dataset alone.
  fast.data.fill_(-1.0);
  CHECK(ds.get(4).data.to_vector() == std::vector<double>{40, 41, 42});

  // Unlabeled data gives undefined targets.
  const xd::TensorDataset unlabeled(xg::zeros({4, 2}));
  CHECK_FALSE(unlabeled.get(1).target.defined());
  CHECK_FALSE(unlabeled.get_batch(std::vector<std::int64_t>{0, 3}).target.defined());

  CHECK_THROWS_WITH_AS(xd::TensorDataset(xg::zeros({4, 2}), xg::zeros({3})),
                       doctest::Contains("data has 4 samples (shape [4, 2]) but targets has 3 (shape [3])"), xg::Error);
  CHECK_THROWS_WITH_AS(ds.get(5), doctest::Contains("index 5 is out of range for a dataset of 5 samples"), xg::Error);
  CHECK_THROWS_WITH_AS(ds.get_batch(std::vector<std::int64_t>{1, -1}), doctest::Contains("index -1"), xg::Error);
  CHECK_THROWS_AS(xd::TensorDataset(xg::scalar_tensor(1.0)), xg::Error);
}

TEST_CASE("DataLoader without shuffling: batches in order, the last one short unless drop_last") {
  xd::DataLoader loader(numbered(10), {.batch_size = 4});
  CHECK(loader.size() == 3);
  const auto batches = epoch_targets(loader);
  REQUIRE(batches.size() == 3);
  CHECK(batches[0] == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(batches[2] == std::vector<std::int64_t>{8, 9});

  xd::DataLoader dropping(numbered(10), {.batch_size = 4, .drop_last = true});
  CHECK(dropping.size() == 2);
  CHECK(flat(epoch_targets(dropping)) == iota(8));

  xd::DataLoader exact(numbered(10), {.batch_size = 5, .drop_last = true});
  CHECK(exact.size() == 2);
  CHECK(flat(epoch_targets(exact)) == iota(10));

  // Fewer samples than one batch: nothing to drop into, or a single short batch.
  xd::DataLoader none(numbered(3), {.batch_size = 4, .drop_last = true});
  CHECK(none.size() == 0);
  CHECK(epoch_targets(none).empty());
  xd::DataLoader one(numbered(3), {.batch_size = 4});
  CHECK(epoch_targets(one) == std::vector<std::vector<std::int64_t>>{{0, 1, 2}});

  CHECK_THROWS_WITH_AS(xd::DataLoader(numbered(3), {.batch_size = 0}), doctest::Contains("batch_size must be at least 1"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(xd::DataLoader(numbered(3), {.num_workers = -1}), doctest::Contains("num_workers"), xg::Error);
}

TEST_CASE("DataLoader shuffling: every sample once per epoch, a new order each epoch, reproducible by seed") {
  const std::int64_t n = 103;
  xd::DataLoader loader(numbered(n), {.batch_size = 10, .shuffle = true, .seed = 7});
  std::vector<std::vector<std::int64_t>> orders;
  for (int epoch = 0; epoch < 4; ++epoch) {
    CHECK(loader.epoch() == epoch);
    const auto batches = epoch_targets(loader);
    CHECK(batches.size() == 11);
    CHECK(batches.back().size() == 3);
    auto order = flat(batches);
    CHECK(order == loader.sample_order(epoch));
    orders.push_back(order);
    std::sort(order.begin(), order.end());
    CHECK(order == iota(n));  // each sample exactly once
  }
  CHECK(orders[0] != iota(n));  // shuffled at all
  for (int a = 0; a < 4; ++a)
    for (int b = a + 1; b < 4; ++b) CHECK(orders[a] != orders[b]);

  // Same seed: same orders, epoch by epoch. set_epoch jumps straight to an epoch (a resumed run).
  xd::DataLoader again(numbered(n), {.batch_size = 10, .shuffle = true, .seed = 7});
  CHECK(flat(epoch_targets(again)) == orders[0]);
  CHECK(flat(epoch_targets(again)) == orders[1]);
  again.set_epoch(3);
  CHECK(flat(epoch_targets(again)) == orders[3]);
  CHECK(again.epoch() == 4);

  // Another seed: another order.
  xd::DataLoader other(numbered(n), {.batch_size = 10, .shuffle = true, .seed = 8});
  CHECK(flat(epoch_targets(other)) != orders[0]);

  // Without a seed, the global generator picks one: xg::manual_seed makes that reproducible too.
  xg::manual_seed(123);
  xd::DataLoader a(numbered(n), {.shuffle = true});
  xg::manual_seed(123);
  xd::DataLoader b(numbered(n), {.shuffle = true});
  CHECK(a.seed() == b.seed());
  CHECK(a.sample_order(0) == b.sample_order(0));

  // drop_last with shuffling drops a different remainder each epoch, but never repeats a sample.
  xd::DataLoader dropping(numbered(n), {.batch_size = 10, .shuffle = true, .drop_last = true, .seed = 1});
  for (int epoch = 0; epoch < 2; ++epoch) {
    auto order = flat(epoch_targets(dropping));
    CHECK(order.size() == 100);
    CHECK(std::set<std::int64_t>(order.begin(), order.end()).size() == 100);
  }
}

TEST_CASE("DataLoader over a Dataset without a fast path stacks get()'s samples") {
  Squares squares;
  squares.n = 7;
  xd::DataLoader loader(squares, {.batch_size = 3});
  std::vector<double> firsts;
  for (const auto& batch : loader) {
    CHECK(batch.data.dtype() == xg::kFloat64);
    CHECK(batch.target.dtype() == xg::kInt64);
    CHECK(batch.data.dim() == 2);
    CHECK(batch.target.shape() == xg::Shape{batch.data.size(0)});
    const auto d = batch.data.to_vector();
    for (std::int64_t i = 0; i < batch.data.size(0); ++i) {
      CHECK(d[2 * i + 1] == d[2 * i] * d[2 * i]);
      firsts.push_back(d[2 * i]);
    }
  }
  CHECK(firsts == std::vector<double>{0, 1, 2, 3, 4, 5, 6});

  // Samples that disagree in shape cannot be stacked: the error names both samples.
  struct Ragged : xd::Dataset {
    std::int64_t size() const override { return 3; }
    xd::Example get(std::int64_t i) const override { return {xg::zeros({i == 2 ? 4 : 3}), xg::Tensor()}; }
  };
  xd::DataLoader ragged(Ragged{}, {.batch_size = 3});
  CHECK_THROWS_WITH_AS(ragged.begin(), doctest::Contains("sample 2 ([4] float32) with that of sample 0 ([3] float32)"),
                       xg::Error);
}

TEST_CASE("DataLoader prefetch: the same batches as without, errors delivered in order") {
  const auto ds = std::make_shared<xd::TensorDataset>(numbered(257));
  auto all_batches = [&](std::int64_t workers, bool drop_last) {
    xd::DataLoader loader(ds, {.batch_size = 16, .shuffle = true, .drop_last = drop_last, .seed = 99,
                               .num_workers = workers});
    std::vector<std::vector<double>> out;
    for (int epoch = 0; epoch < 2; ++epoch)
      for (const auto& batch : loader) {
        out.push_back(batch.data.to_vector());
        out.push_back(batch.target.to_vector());
      }
    return out;
  };
  for (const bool drop_last : {false, true}) {
    const auto serial = all_batches(0, drop_last);
    CHECK(serial.size() == (drop_last ? 2 * 2 * 16 : 2 * 2 * 17));
    CHECK(all_batches(1, drop_last) == serial);
    CHECK(all_batches(3, drop_last) == serial);
  }

  // Slow samples on several workers still come out in order.
  Squares slow;
  slow.n = 40;
  slow.delay = std::chrono::microseconds(200);
  xd::DataLoader loader(slow, {.batch_size = 4, .num_workers = 3});
  std::vector<double> firsts;
  for (const auto& batch : loader) {
    const auto d = batch.data.to_vector();
    for (std::size_t i = 0; i < d.size(); i += 2) firsts.push_back(d[i]);
  }
  std::vector<double> expected(40);
  std::iota(expected.begin(), expected.end(), 0.0);
  CHECK(firsts == expected);

  // A sample that throws on a worker reaches the loop at its own batch, as the same xgrad::Error.
  Squares broken;
  broken.n = 20;
  broken.bad = 13;
  xd::DataLoader failing(broken, {.batch_size = 4, .num_workers = 2});
  std::int64_t seen = 0;
  try {
    for (const auto& batch : failing) seen += batch.data.size(0);
    FAIL("no exception");
  } catch (const xg::Error& e) {
    CHECK(std::string(e.what()) == "Squares: sample 13 is broken");
  }
  CHECK(seen == 12);  // batches 0..2 arrived; batch 3 holds sample 13
}

TEST_CASE("DataLoader prefetch: early break, abandoned passes and a destroyed loader are clean") {
  const auto ds = std::make_shared<xd::TensorDataset>(numbered(1000));
  xd::DataLoader loader(ds, {.batch_size = 8, .shuffle = true, .seed = 3, .num_workers = 2});

  // Break after the first batch, many times over: the workers stop and join at the loop's end.
  for (int round = 0; round < 50; ++round) {
    for (const auto& batch : loader) {
      CHECK(batch.data.size(0) == 8);
      break;
    }
  }
  CHECK(loader.epoch() == 50);
  // The loader still works afterwards, and epoch 50 is what a fresh loader gives for epoch 50.
  std::vector<std::int64_t> order;
  for (const auto& batch : loader) {
    const auto t = ints(batch.target);
    order.insert(order.end(), t.begin(), t.end());
  }
  CHECK(order == loader.sample_order(50));

  // A pass outlives its loader: iterate after the loader is gone.
  std::optional<xd::DataLoader::Iterator> it;
  std::int64_t total = 0;
  {
    xd::DataLoader scoped(ds, {.batch_size = 100, .num_workers = 1});
    it = scoped.begin();
  }
  for (; *it != xd::DataLoader::Sentinel{}; ++*it) total += (**it).data.size(0);
  CHECK(total == 1000);

  // A loader destroyed while its workers are busy (nothing consumed) does not hang or crash.
  Squares slow;
  slow.n = 64;
  slow.delay = std::chrono::microseconds(500);
  for (int round = 0; round < 5; ++round) {
    xd::DataLoader busy(slow, {.batch_size = 8, .num_workers = 2});
    auto pass = busy.begin();
    CHECK(pass.batch_index() == 0);
  }
}

TEST_CASE("DataLoader over a random_split Subset: each subset sample once, disjoint subsets") {
  const auto ds = numbered(50);
  auto parts = xd::random_split(ds, {35, 15}, /*seed=*/11);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].size() == 35);
  CHECK(parts[1].size() == 15);

  std::set<std::int64_t> seen;
  for (const auto& part : parts) {
    xd::DataLoader loader(part, {.batch_size = 4, .shuffle = true, .seed = 5, .num_workers = 1});
    auto order = flat(epoch_targets(loader));  // also checks data rows against targets
    auto expected = part.indices();
    std::sort(order.begin(), order.end());
    std::sort(expected.begin(), expected.end());
    CHECK(order == expected);
    for (auto i : order) CHECK(seen.insert(i).second);  // no sample in both subsets
  }
  CHECK(seen.size() == 50);
}
