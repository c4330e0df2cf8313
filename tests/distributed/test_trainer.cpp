// The Fashion-MNIST trainer, data-parallel over the ranks, against the same trainer in one process
// (synthetic data, no dropout): the same global batches, the same averaged gradients, so the same
// losses and accuracies; rank 0 alone writes files.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "../fashion_synthetic.hpp"
#include "data_parallel.hpp"
#include "support.hpp"
#include "trainer.hpp"

using namespace dist_test;
namespace fs = std::filesystem;

namespace {

fashion::TrainConfig config(const fs::path& out) {
  fashion::TrainConfig c;
  c.hidden = {32, 16};
  c.epochs = 2;
  c.batch_size = 64;  // 1100 training samples: 17 full batches and one of 12, split evenly over 2 ranks
  c.seed = 7;
  c.workers = 1;
  c.out_dir = out.string();
  return c;
}

}  // namespace

TEST_CASE("the data-parallel trainer matches the single-process trainer") {
  // Each rank's own folder (rank 0's pid names them all), so that a file another rank wrote shows.
  const auto pid = xg::full({}, static_cast<double>(::getpid()), xg::kFloat64);
  xd::broadcast(pid, 0);
  const auto root = fs::temp_directory_path() / ("xgrad_ddp_" + std::to_string(pid.item<std::int64_t>()));
  const auto mine = root / ("rank" + std::to_string(xd::rank()));
  const fashion::Data data = fashion_test::synthetic_data();

  const auto single = fashion::train(config(mine / "single"), data);
  auto parallel = fashion::start_mpi_data_parallel();
  const auto distributed = fashion::train(config(mine / "distributed"), data, {}, {}, 0, parallel.get());

  CHECK(distributed.epochs.size() == single.epochs.size());
  const std::size_t epochs = std::min(distributed.epochs.size(), single.epochs.size());
  double worst_loss = 0;
  for (std::size_t e = 0; e < epochs; ++e) {
    const auto &d = distributed.epochs[e], &s = single.epochs[e];
    worst_loss = std::max({worst_loss, std::abs(d.train_loss - s.train_loss), std::abs(d.val_loss - s.val_loss)});
    CHECK(d.val_accuracy == s.val_accuracy);
    CHECK(d.test_accuracy == s.test_accuracy);
  }
  CHECK(worst_loss <= 1e-6);
  CHECK(single.epochs.back().train_loss < single.epochs.front().train_loss);  // it did learn
  if (xd::rank() == 0) MESSAGE("trainer: largest loss difference from one process ", worst_loss);

  CHECK(fs::exists(mine / "distributed" / "checkpoint.safetensors") == (xd::rank() == 0));
  CHECK(fs::exists(mine / "distributed" / "best.safetensors") == (xd::rank() == 0));
  CHECK(parallel->summary().find("gradient all-reduce") == 0);
  fs::remove_all(mine);
  xd::barrier();  // every rank has cleaned up its own folder
  if (xd::rank() == 0) fs::remove_all(root);
}
