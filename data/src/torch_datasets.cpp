// MNIST as a Dataset and the transformed datasets behind libtorch's .map() (datasets.hpp).
#include <fmt/format.h>

#include "xgrad/arithmetic.hpp"
#include "xgrad/data/datasets.hpp"
#include "xgrad/data/fashion_mnist.hpp"
#include "xgrad/data/transforms.hpp"
#include "xgrad/error.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad::data {

namespace detail {

Example normalize_example(Example example, const std::vector<double>& mean, const std::vector<double>& stddev) {
  if (mean.empty() || mean.size() != stddev.size())
    throw Error(fmt::format("Normalize: {} means and {} stddevs (give one of each, or one per channel)", mean.size(),
                            stddev.size()));
  if (!example.data.defined()) throw Error("Normalize: the example has no data");
  if (mean.size() == 1)
    example.data = normalize(example.data, mean[0], stddev[0]);
  else
    example.data = normalize(example.data, mean, stddev, 0);  // channels lead a sample: [C, H, W]
  return example;
}

Example TransformedDataset::get(std::int64_t index) const {
  Example example = source_->get(index);
  for (const auto& transform : transforms_) example = transform(std::move(example));
  return example;
}

Example TransformedDataset::get_batch(std::span<const std::int64_t> indices) const {
  if (transforms_.empty()) return source_->get_batch(indices);
  return Dataset::get_batch(indices);
}

}  // namespace detail

namespace datasets {

namespace {
LabeledImages load(const std::string& root, MNIST::Mode mode) {
  LabeledImages set = load_fashion_mnist(root, mode == MNIST::Mode::kTrain);
  // [N, 28, 28] in [0, 255] -> [N, 1, 28, 28] in [0, 1], as libtorch's MNIST.
  set.images = (set.images / 255.0).reshape({set.images.size(0), 1, 28, 28});
  return set;
}
}  // namespace

MNIST::MNIST(const std::string& root, Mode mode) : MNIST(load(root, mode), mode == Mode::kTrain) {}

MNIST::MNIST(LabeledImages set, bool train)
    : images_(set.images), targets_(set.labels), train_(train), rows_(set.images, set.labels) {}

Example MNIST::get(std::int64_t index) const { return rows_.get(index); }
Example MNIST::get_batch(std::span<const std::int64_t> indices) const { return rows_.get_batch(indices); }

}  // namespace datasets
}  // namespace xgrad::data
