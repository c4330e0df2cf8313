// DataLoader: batches of a Dataset for range-for, shuffled per epoch with its own seeded generator,
// optionally prepared ahead by background threads.
#pragma once
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

#include "xgrad/data/dataset.hpp"
#include "xgrad/data/sampler.hpp"

namespace xgrad::data {

struct DataLoaderOptions {
  std::int64_t batch_size = 1;
  bool shuffle = false;
  bool drop_last = false;  // skip the last batch when it would be smaller than batch_size
  // Seeds the shuffle; without one, a seed is drawn from xgrad's global generator (xg::manual_seed).
  std::optional<std::uint64_t> seed = std::nullopt;
  // 0: batches are made on the calling thread. n > 0: n background threads keep up to n batches
  // ready ahead of the loop (1: one thread, the next batch ready). Batches come out in the same order
  // and with the same contents either way.
  std::int64_t num_workers = 0;
  // Decides each epoch's samples and order instead of 0..N-1 or the shuffle (e.g. a
  // distributed::DistributedSampler giving this process its shard); excludes shuffle = true.
  std::shared_ptr<const Sampler> sampler = nullptr;
};

namespace detail {
struct Pass;
}

class DataLoader {
 public:
  struct Sentinel {};

  // A single pass over the batches of one epoch. Copies share the pass (an input iterator). The pass
  // owns what it reads, so it stays valid even if the loader is destroyed first; its background
  // threads stop and are joined when the last copy goes away (an early `break` included).
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Example;
    using difference_type = std::ptrdiff_t;
    using reference = const Example&;
    using pointer = const Example*;

    Iterator() = default;
    explicit Iterator(std::shared_ptr<detail::Pass> pass) : pass_(std::move(pass)) {}
    const Example& operator*() const;
    const Example* operator->() const { return &**this; }
    Iterator& operator++();
    void operator++(int) { ++*this; }
    bool operator==(Sentinel) const;
    std::int64_t batch_index() const;  // 0-based index of the current batch in this epoch

   private:
    std::shared_ptr<detail::Pass> pass_;
  };

  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  // Takes a copy of the dataset (TensorDataset and Subset copies share their tensors).
  template <std::derived_from<Dataset> D>
  DataLoader(D dataset, DataLoaderOptions options = {})
      : DataLoader(std::make_shared<const D>(std::move(dataset)), options) {}

  // Starts a pass over epoch(), then advances epoch() by one: each loop sees a new shuffle.
  Iterator begin();
  Sentinel end() const { return {}; }

  std::int64_t size() const;  // batches per epoch
  std::int64_t epoch() const { return epoch_; }
  // The epoch the next pass uses (as torch's DistributedSampler.set_epoch): a resumed run that sets
  // the epoch it stopped at sees the same order as an uninterrupted one.
  void set_epoch(std::int64_t epoch);
  // The order in which `epoch` visits the samples: the sampler's, else a seeded permutation when
  // shuffling, else 0..N-1.
  std::vector<std::int64_t> sample_order(std::int64_t epoch) const;
  std::uint64_t seed() const { return seed_; }
  const DataLoaderOptions& options() const { return options_; }
  const Dataset& dataset() const { return *dataset_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::uint64_t seed_;
  std::int64_t epoch_ = 0;
};

}  // namespace xgrad::data
