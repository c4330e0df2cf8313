// libtorch's data pipeline over xgrad's Dataset and DataLoader:
//   auto train = datasets::MNIST(root).map(transforms::Normalize<>(0.1307, 0.3081)).map(transforms::Stack<>());
//   auto loader = make_data_loader<samplers::SequentialSampler>(std::move(train), 64);
//   for (auto& batch : *loader) { batch.data; batch.target; }
// MNIST reads the IDX files (MNIST and Fashion-MNIST share the format and the file names). A mapped
// dataset applies its transforms to each example; Stack<> is the collation, which xgrad's loader
// always does (it stacks examples along a new first dimension), so it only marks the end of a chain.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/data/dataloader.hpp"
#include "xgrad/data/dataloader_options_builder.hpp"
#include "xgrad/data/dataset.hpp"
#include "xgrad/data/fashion_mnist.hpp"

namespace xgrad::data {

namespace transforms {

// Example -> Example, applied to one sample at a time.
using ExampleTransform = std::function<Example(Example)>;

// (data - mean) / stddev on each sample's data: one value for all channels, or one per channel (dim 0
// of a [C, H, W] sample). The template parameter is libtorch's target type, accepted and unused.
template <class Target = Tensor>
class Normalize {
 public:
  Normalize(double mean, double stddev) : mean_{mean}, stddev_{stddev} {}
  Normalize(std::vector<double> mean, std::vector<double> stddev) : mean_(std::move(mean)), stddev_(std::move(stddev)) {}
  Example operator()(Example example) const;

 private:
  std::vector<double> mean_, stddev_;
};

// Collation into one batch tensor per field (libtorch's Stack<>): what xgrad's loader does anyway.
template <class ExampleType = Example>
struct Stack {};

// Any callable on a sample's data tensor (libtorch's TensorLambda).
template <class Target = Tensor>
class TensorLambda {
 public:
  explicit TensorLambda(std::function<Tensor(Tensor)> fn) : fn_(std::move(fn)) {}
  Example operator()(Example example) const {
    example.data = fn_(std::move(example.data));
    return example;
  }

 private:
  std::function<Tensor(Tensor)> fn_;
};

}  // namespace transforms

namespace detail {
Example normalize_example(Example example, const std::vector<double>& mean, const std::vector<double>& stddev);

// A dataset whose examples are `source`'s with `transforms` applied in order.
class TransformedDataset final : public Dataset {
 public:
  TransformedDataset(std::shared_ptr<const Dataset> source, std::vector<transforms::ExampleTransform> transforms)
      : source_(std::move(source)), transforms_(std::move(transforms)) {}
  std::int64_t size() const override { return source_->size(); }
  Example get(std::int64_t index) const override;
  // Without transforms the source's own (fast) batches are used.
  Example get_batch(std::span<const std::int64_t> indices) const override;

 private:
  std::shared_ptr<const Dataset> source_;
  std::vector<transforms::ExampleTransform> transforms_;
};
}  // namespace detail

namespace transforms {
template <class Target>
Example Normalize<Target>::operator()(Example example) const {
  return detail::normalize_example(std::move(example), mean_, stddev_);
}
}  // namespace transforms

namespace datasets {

// The result of .map(): the source and the transforms so far. size() is libtorch's optional size.
class MapDataset {
 public:
  MapDataset(std::shared_ptr<const Dataset> source, std::vector<transforms::ExampleTransform> transforms)
      : source_(std::move(source)), transforms_(std::move(transforms)) {}

  template <class Transform>
  MapDataset map(Transform transform) const {
    auto next = transforms_;
    next.emplace_back(std::move(transform));
    return MapDataset(source_, std::move(next));
  }
  template <class ExampleType>
  MapDataset map(transforms::Stack<ExampleType>) const {
    return *this;
  }

  std::optional<std::size_t> size() const { return static_cast<std::size_t>(source_->size()); }
  Example get(std::size_t index) const { return dataset()->get(static_cast<std::int64_t>(index)); }
  // The mapped dataset as one of xgrad's, for its DataLoader.
  std::shared_ptr<const Dataset> dataset() const {
    return std::make_shared<const detail::TransformedDataset>(source_, transforms_);
  }

 private:
  std::shared_ptr<const Dataset> source_;
  std::vector<transforms::ExampleTransform> transforms_;
};

// MNIST (or Fashion-MNIST) from the four IDX files in `root` (train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-..., plain or .gz). Each example: data [1, 28, 28] float32 in [0, 1],
// target a 0-d int64 label, as libtorch's.
class MNIST : public Dataset {
 public:
  enum class Mode { kTrain, kTest };
  explicit MNIST(const std::string& root, Mode mode = Mode::kTrain);

  std::int64_t size() const override { return images_.size(0); }
  Example get(std::int64_t index) const override;
  Example get_batch(std::span<const std::int64_t> indices) const override;
  bool is_train() const { return train_; }
  const Tensor& images() const { return images_; }  // [N, 1, 28, 28]
  const Tensor& targets() const { return targets_; }  // [N]

  template <class Transform>
  MapDataset map(Transform transform) const {
    return MapDataset(std::make_shared<const MNIST>(*this), {}).map(std::move(transform));
  }

 private:
  MNIST(LabeledImages set, bool train);
  Tensor images_, targets_;
  bool train_;
  TensorDataset rows_;  // the same tensors, for TensorDataset's fast batches
};

}  // namespace datasets

namespace samplers {
// Which order make_data_loader visits: libtorch's sampler types, as tags for the loader's shuffle.
struct SequentialSampler {
  static constexpr bool shuffle = false;
};
struct RandomSampler {
  static constexpr bool shuffle = true;
};
}  // namespace samplers

namespace detail {
inline std::shared_ptr<const Dataset> as_dataset(const datasets::MapDataset& d) { return d.dataset(); }
template <std::derived_from<Dataset> D>
std::shared_ptr<const Dataset> as_dataset(D d) {
  return std::make_shared<const D>(std::move(d));
}
}  // namespace detail

// libtorch's loader factory: a pointer to a DataLoader (iterate `*loader`). RandomSampler (the
// default, as in libtorch) shuffles with a seed from xgrad's global generator.
template <class Sampler = samplers::RandomSampler, class D>
std::unique_ptr<DataLoader> make_data_loader(D dataset, DataLoaderOptions options) {
  options.shuffle = Sampler::shuffle;
  return std::make_unique<DataLoader>(detail::as_dataset(std::move(dataset)), options);
}
template <class Sampler = samplers::RandomSampler, class D>
std::unique_ptr<DataLoader> make_data_loader(D dataset, const builder::DataLoaderOptions& options) {
  return make_data_loader<Sampler>(std::move(dataset), static_cast<const DataLoaderOptions&>(options));
}
template <class Sampler = samplers::RandomSampler, class D>
std::unique_ptr<DataLoader> make_data_loader(D dataset, std::size_t batch_size) {
  return make_data_loader<Sampler>(std::move(dataset), builder::DataLoaderOptions(batch_size));
}

}  // namespace xgrad::data
