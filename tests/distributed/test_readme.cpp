// README.md's distributed training loop, compiled and run on the job's ranks.
#include <doctest/doctest.h>

#include "support.hpp"

using namespace dist_test;

TEST_CASE("README: the distributed training loop") {
  xg::manual_seed(static_cast<std::uint64_t>(xd::rank()));  // different initial weights on each rank
  const auto make_model = [] {
    return xg::nn::Sequential(xg::nn::Linear(6, 16), xg::nn::ReLU(), xg::nn::Linear(16, 3));
  };
  const auto images = xg::randn({48, 6});
  const auto dataset = xg::data::TensorDataset(images, xg::argmax(images.narrow(1, 0, 3), 1));
  const std::int64_t global_batch = 8, epochs = 3;

  // From README.md:
  namespace xd = xgrad::distributed;
  auto net = make_model();
  xd::broadcast_parameters(net->named_parameters());
  xd::GradientReducer reducer(net->named_parameters(), {.bucket_bytes = 25 << 20});
  xg::optim::Adam opt(net->parameters(), {.lr = 1e-2});
  auto sampler = std::make_shared<xd::DistributedSampler>(dataset.size(), xd::DistributedSamplerOptions{.seed = 0});
  xg::data::DataLoader loader(dataset, {.batch_size = global_batch / xd::world_size(), .sampler = sampler});
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
    loader.set_epoch(epoch);
    for (const auto& batch : loader) {
      opt.zero_grad();
      xg::nn::functional::cross_entropy(net->forward(batch.data), batch.target).backward();
      reducer.reduce();
      opt.step();
    }
  }

  CHECK(reducer.stats().reductions == epochs * loader.size());
  CHECK(spread_across_ranks(net->parameters()) == 0.0);
}
