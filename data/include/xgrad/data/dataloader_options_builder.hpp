// libtorch's builder form of the loader options: DataLoaderOptions().batch_size(64).workers(2).
// xgrad's own DataLoaderOptions (dataloader.hpp) is an aggregate for designated initializers, whose
// field `batch_size` rules out a method of that name; so the builder is a separate type converting to
// it, named torch::data::DataLoaderOptions by <xgrad/torch.hpp>.
#pragma once
#include <cstddef>
#include <cstdint>

#include "xgrad/data/dataloader.hpp"

namespace xgrad::data::builder {

class DataLoaderOptions {
 public:
  DataLoaderOptions() = default;
  explicit DataLoaderOptions(std::size_t batch_size) { options_.batch_size = static_cast<std::int64_t>(batch_size); }

  DataLoaderOptions& batch_size(std::size_t n) {
    options_.batch_size = static_cast<std::int64_t>(n);
    return *this;
  }
  DataLoaderOptions& workers(std::size_t n) {
    options_.num_workers = static_cast<std::int64_t>(n);
    return *this;
  }
  DataLoaderOptions& drop_last(bool on) {
    options_.drop_last = on;
    return *this;
  }
  // xgrad's loader always yields batches in order, so enforcing the order costs nothing and is accepted
  // either way; max_jobs only bounds libtorch's queue and has no counterpart here.
  DataLoaderOptions& enforce_ordering(bool) { return *this; }
  DataLoaderOptions& max_jobs(std::size_t) { return *this; }

  std::size_t batch_size() const { return static_cast<std::size_t>(options_.batch_size); }
  std::size_t workers() const { return static_cast<std::size_t>(options_.num_workers); }
  bool drop_last() const { return options_.drop_last; }
  operator const data::DataLoaderOptions&() const { return options_; }

 private:
  data::DataLoaderOptions options_;
};

}  // namespace xgrad::data::builder
