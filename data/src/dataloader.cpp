// DataLoader: a pass fixes one epoch's sample order and walks its batches, on this thread or
// through a Prefetcher.
#include "xgrad/data/dataloader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "prefetcher.hpp"
#include "xgrad/error.hpp"
#include "xgrad/random.hpp"

namespace xgrad::data {

namespace detail {

// What every batch of a pass is made from; immutable once built, so workers share it freely.
struct Plan {
  std::shared_ptr<const Dataset> dataset;
  std::vector<std::int64_t> order;
  std::int64_t batch_size;
  std::int64_t num_batches;

  Example make_batch(std::int64_t batch) const {
    const auto begin = static_cast<std::size_t>(batch * batch_size);
    const std::size_t end = std::min(order.size(), begin + static_cast<std::size_t>(batch_size));
    return dataset->get_batch(std::span<const std::int64_t>(order).subspan(begin, end - begin));
  }
};

struct Pass {
  std::shared_ptr<const Plan> plan;
  std::int64_t position = 0;  // the current batch; plan->num_batches when done
  Example current;
  std::unique_ptr<Prefetcher> prefetcher;  // declared last: its threads stop before the rest goes

  void load() {
    if (position >= plan->num_batches) {
      current = {};  // the pass holds no batch after its end
      return;
    }
    current = prefetcher ? prefetcher->take(position) : plan->make_batch(position);
  }
};

}  // namespace detail

namespace {

// A sampler's order, checked once per epoch so that a bad index fails here with a clear message
// instead of inside a background worker.
std::vector<std::int64_t> checked_sampler_order(const Sampler& sampler, std::int64_t epoch, std::int64_t dataset_size) {
  std::vector<std::int64_t> order = sampler.order(epoch);
  if (static_cast<std::int64_t>(order.size()) != sampler.size())
    throw Error(fmt::format("DataLoader: the sampler's order for epoch {} has {} indices but its size() is {}", epoch,
                            order.size(), sampler.size()));
  for (std::size_t i = 0; i < order.size(); ++i)
    if (order[i] < 0 || order[i] >= dataset_size)
      throw Error(fmt::format("DataLoader: the sampler's index {} (position {} of epoch {}) is out of range for a "
                              "dataset of {} samples", order[i], i, epoch, dataset_size));
  return order;
}

}  // namespace

const Example& DataLoader::Iterator::operator*() const {
  if (!pass_ || pass_->position >= pass_->plan->num_batches)
    throw Error("DataLoader: dereferencing an iterator that is past the last batch");
  return pass_->current;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  if (!pass_ || pass_->position >= pass_->plan->num_batches)
    throw Error("DataLoader: incrementing an iterator that is past the last batch");
  ++pass_->position;
  pass_->load();
  return *this;
}

bool DataLoader::Iterator::operator==(Sentinel) const { return !pass_ || pass_->position >= pass_->plan->num_batches; }

std::int64_t DataLoader::Iterator::batch_index() const { return pass_ ? pass_->position : 0; }

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  if (!dataset_) throw Error("DataLoader: the dataset is null");
  if (options_.batch_size < 1)
    throw Error(fmt::format("DataLoader: batch_size must be at least 1, got {}", options_.batch_size));
  if (options_.num_workers < 0)
    throw Error(fmt::format("DataLoader: num_workers must be 0 or more, got {}", options_.num_workers));
  if (options_.sampler && options_.shuffle)
    throw Error("DataLoader: shuffle = true and a sampler exclude each other (the sampler decides the order; "
                "DistributedSampler shuffles by itself)");
  seed_ = options_.seed ? *options_.seed : Generator::global().with_engine([](auto& engine) { return engine(); });
}

std::int64_t DataLoader::size() const {
  const std::int64_t n = options_.sampler ? options_.sampler->size() : dataset_->size();
  return options_.drop_last ? n / options_.batch_size : (n + options_.batch_size - 1) / options_.batch_size;
}

void DataLoader::set_epoch(std::int64_t epoch) {
  if (epoch < 0) throw Error(fmt::format("DataLoader::set_epoch: the epoch must be 0 or more, got {}", epoch));
  epoch_ = epoch;
}

std::vector<std::int64_t> DataLoader::sample_order(std::int64_t epoch) const {
  const std::int64_t n = dataset_->size();
  if (options_.sampler) return checked_sampler_order(*options_.sampler, epoch, n);
  if (options_.shuffle) return shuffled_order(n, seed_, epoch);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  return order;
}

DataLoader::Iterator DataLoader::begin() {
  auto plan = std::make_shared<detail::Plan>();
  plan->dataset = dataset_;
  plan->order = sample_order(epoch_);
  plan->batch_size = options_.batch_size;
  plan->num_batches = size();
  ++epoch_;

  auto pass = std::make_shared<detail::Pass>();
  pass->plan = plan;
  if (options_.num_workers > 0 && plan->num_batches > 0) {
    const std::int64_t workers = std::min(options_.num_workers, plan->num_batches);
    pass->prefetcher = std::make_unique<detail::Prefetcher>(
        [plan](std::int64_t batch) { return plan->make_batch(batch); }, plan->num_batches, workers,
        options_.num_workers);
  }
  pass->load();
  return Iterator(std::move(pass));
}

}  // namespace xgrad::data
