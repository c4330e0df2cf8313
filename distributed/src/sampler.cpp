// DistributedSampler: pad or trim the epoch's order to a multiple of the replica count, then take
// every R-th position starting at this rank.
#include "xgrad/distributed/sampler.hpp"

#include <fmt/format.h>

#include <numeric>

#include "xgrad/distributed/environment.hpp"
#include "xgrad/error.hpp"

namespace xgrad::distributed {

DistributedSampler::DistributedSampler(std::int64_t dataset_size, DistributedSamplerOptions options)
    : dataset_size_(dataset_size),
      num_replicas_(options.num_replicas ? *options.num_replicas : world_size()),
      rank_(options.rank ? *options.rank : distributed::rank()),
      shuffle_(options.shuffle),
      seed_(options.seed) {
  if (dataset_size_ < 0)
    throw Error(fmt::format("DistributedSampler: the dataset size must be 0 or more, got {}", dataset_size_));
  if (num_replicas_ < 1)
    throw Error(fmt::format("DistributedSampler: num_replicas must be at least 1, got {}", num_replicas_));
  if (rank_ < 0 || rank_ >= num_replicas_)
    throw Error(fmt::format("DistributedSampler: rank {} is out of range for {} replicas", rank_, num_replicas_));
  per_rank_ = options.drop_last ? dataset_size_ / num_replicas_ : (dataset_size_ + num_replicas_ - 1) / num_replicas_;
}

DistributedSampler::DistributedSampler(const data::Dataset& dataset, DistributedSamplerOptions options)
    : DistributedSampler(dataset.size(), options) {}

std::vector<std::int64_t> DistributedSampler::order(std::int64_t epoch) const {
  if (epoch < 0) throw Error(fmt::format("DistributedSampler: the epoch must be 0 or more, got {}", epoch));
  std::vector<std::int64_t> all;
  if (shuffle_) {
    all = data::shuffled_order(dataset_size_, seed_, epoch);
  } else {
    all.resize(static_cast<std::size_t>(dataset_size_));
    std::iota(all.begin(), all.end(), std::int64_t{0});
  }
  std::vector<std::int64_t> mine(static_cast<std::size_t>(per_rank_));
  for (std::int64_t k = 0; k < per_rank_; ++k) {
    // Positions past the end wrap around to the start: the padding (never reached with drop_last).
    const std::int64_t position = rank_ + k * num_replicas_;
    mine[static_cast<std::size_t>(k)] = all[static_cast<std::size_t>(position % dataset_size_)];
  }
  return mine;
}

}  // namespace xgrad::distributed
