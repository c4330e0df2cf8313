// Datasets: indexable collections of (data, target) examples, with libtorch's names.
#pragma once
#include <concepts>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad::data {

// One sample, or a batch of samples stacked along a new first dimension. `target` may be undefined
// for unlabeled data.
struct Example {
  Tensor data;
  Tensor target;
};

// The interface a DataLoader reads. get() and get_batch() are const and may be called from a
// background thread while the loader prefetches, so implementations must not mutate shared state.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::int64_t size() const = 0;
  virtual Example get(std::int64_t index) const = 0;
  // The samples at `indices` stacked along a new first dimension. The default calls get() per
  // sample and copies the results into one tensor; datasets backed by whole tensors override it.
  virtual Example get_batch(std::span<const std::int64_t> indices) const;
};

// Samples are the rows (first-dimension slices) of `data` and `targets`: data [N, ...] and targets
// [N, ...] give examples data [...] and target [...] (a 0-d tensor for targets of shape [N]).
// The dataset shares storage with the tensors it was built from.
class TensorDataset : public Dataset {
 public:
  explicit TensorDataset(Tensor data, Tensor targets = Tensor());
  std::int64_t size() const override { return size_; }
  Example get(std::int64_t index) const override;
  // Copies whole rows with memcpy: no per-sample tensors.
  Example get_batch(std::span<const std::int64_t> indices) const override;
  const Tensor& data() const { return data_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor data_, targets_;
  std::int64_t size_;
};

// The samples of `dataset` at `indices`, in that order (torch.utils.data.Subset).
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> dataset, std::vector<std::int64_t> indices);
  std::int64_t size() const override { return static_cast<std::int64_t>(indices_.size()); }
  Example get(std::int64_t index) const override;
  Example get_batch(std::span<const std::int64_t> indices) const override;  // keeps the parent's fast path
  const std::vector<std::int64_t>& indices() const { return indices_; }
  const Dataset& dataset() const { return *dataset_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  std::vector<std::int64_t> indices_;
};

// Splits `dataset` at random into subsets of the given lengths (which must add up to its size),
// reproducibly for a given seed (torch.utils.data.random_split).
std::vector<Subset> random_split(std::shared_ptr<const Dataset> dataset, const std::vector<std::int64_t>& lengths,
                                 std::uint64_t seed = 0);
template <std::derived_from<Dataset> D>
std::vector<Subset> random_split(D dataset, const std::vector<std::int64_t>& lengths, std::uint64_t seed = 0) {
  return random_split(std::make_shared<const D>(std::move(dataset)), lengths, seed);
}

// A random train/validation split: `val_fraction` of the samples (rounded) go to `val`.
struct TrainValSplit {
  Subset train;
  Subset val;
};
TrainValSplit train_val_split(std::shared_ptr<const Dataset> dataset, double val_fraction, std::uint64_t seed = 0);
template <std::derived_from<Dataset> D>
TrainValSplit train_val_split(D dataset, double val_fraction, std::uint64_t seed = 0) {
  return train_val_split(std::make_shared<const D>(std::move(dataset)), val_fraction, seed);
}

}  // namespace xgrad::data
