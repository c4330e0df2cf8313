// DistributedSampler: each rank's share of every epoch, for a DataLoader (torch's DistributedSampler).
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "xgrad/data/dataset.hpp"
#include "xgrad/data/sampler.hpp"

namespace xgrad::distributed {

struct DistributedSamplerOptions {
  std::optional<int> num_replicas = std::nullopt;  // default: world_size()
  std::optional<int> rank = std::nullopt;          // default: rank()
  bool shuffle = true;
  std::uint64_t seed = 0;  // must be the same on every rank
  // false: the epoch's order is padded by repeating its first samples until every rank gets the same
  // count, ceil(N / replicas) (a few samples are seen twice per epoch). true: its tail is dropped to
  // floor(N / replicas) per rank (a few samples are skipped per epoch). torch's two behaviours.
  bool drop_last = false;
};

// Every rank gets the same number of samples per epoch, disjoint from the other ranks' (apart from
// the padding) and together covering the epoch's order: rank r takes positions r, r + R, r + 2R, ...
// of the order (R replicas), which is the shuffled order a DataLoader with this seed would use. So
// with a per-rank batch of B / R, the ranks' k-th batches together are the k-th batch of size B of
// one process. The loader passes its epoch: call DataLoader::set_epoch (or let each pass advance it).
class DistributedSampler : public data::Sampler {
 public:
  explicit DistributedSampler(std::int64_t dataset_size, DistributedSamplerOptions options = {});
  explicit DistributedSampler(const data::Dataset& dataset, DistributedSamplerOptions options = {});

  std::int64_t size() const override { return per_rank_; }  // samples this rank sees per epoch
  std::vector<std::int64_t> order(std::int64_t epoch) const override;

  std::int64_t dataset_size() const { return dataset_size_; }
  std::int64_t total_size() const { return per_rank_ * num_replicas_; }  // over all ranks, per epoch
  int num_replicas() const { return num_replicas_; }
  int rank() const { return rank_; }

 private:
  std::int64_t dataset_size_;
  int num_replicas_, rank_;
  bool shuffle_;
  std::uint64_t seed_;
  std::int64_t per_rank_;
};

}  // namespace xgrad::distributed
