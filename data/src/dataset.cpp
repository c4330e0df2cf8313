// Dataset's generic batching, TensorDataset's row copies, Subset and the random splits.
#include "xgrad/data/dataset.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "permutation.hpp"
#include "tensor_bytes.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/parallel.hpp"

namespace xgrad::data {

namespace {

void check_index(const char* what, std::int64_t index, std::int64_t size) {
  if (index < 0 || index >= size)
    throw Error(fmt::format("{}: index {} is out of range for a dataset of {} samples", what, index, size));
}

// The first-dimension rows `indices` of `t`, copied into a new [indices.size(), ...] tensor.
Tensor gather_rows(const Tensor& t, std::span<const std::int64_t> indices) {
  Shape shape = t.shape();
  const std::int64_t rows = shape[0];
  shape[0] = static_cast<std::int64_t>(indices.size());
  Tensor out = empty(shape, t.dtype());
  const std::size_t row_bytes = rows == 0 ? 0 : t.numel() / rows * element_size(t.dtype());
  if (row_bytes == 0) return out;
  const std::byte* src = detail::tensor_bytes(t);
  std::byte* dst = detail::tensor_bytes(out);
  for (const std::int64_t i : indices) check_index("TensorDataset", i, rows);
  // A batch of rows copied on the pool: 128 Fashion-MNIST images are 400 KB.
  const auto count = static_cast<std::int64_t>(indices.size());
  const auto grain = std::max<std::int64_t>(1, (std::int64_t{64} << 10) / static_cast<std::int64_t>(row_bytes));
  parallel_for(0, count, grain, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t i = first; i < last; ++i)
      std::memcpy(dst + i * row_bytes, src + static_cast<std::size_t>(indices[i]) * row_bytes, row_bytes);
  });
  return out;
}

// Stacks the `field` tensors of the samples along a new first dimension; all must agree in shape and
// dtype (or all be undefined).
Tensor stack_field(const std::vector<Example>& samples, Tensor Example::*field, const char* name,
                   std::span<const std::int64_t> indices) {
  const Tensor& first = samples.front().*field;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Tensor& t = samples[i].*field;
    if (t.defined() != first.defined())
      throw Error(fmt::format("Dataset::get_batch: sample {} has {} {} but sample {} has {}", indices[i],
                              t.defined() ? "a" : "no", name, indices[0], first.defined() ? "one" : "none"));
    if (t.defined() && (t.shape() != first.shape() || t.dtype() != first.dtype()))
      throw Error(fmt::format("Dataset::get_batch: cannot stack the {} of sample {} ({} {}) with that of sample {} "
                              "({} {}): every sample must have the same shape and dtype",
                              name, indices[i], shape_str(t.shape()), dtype_name(t.dtype()), indices[0],
                              shape_str(first.shape()), dtype_name(first.dtype())));
  }
  if (!first.defined()) return Tensor();
  Shape shape = first.shape();
  shape.insert(shape.begin(), static_cast<std::int64_t>(samples.size()));
  Tensor out = empty(shape, first.dtype());
  const std::size_t bytes = first.numel() * element_size(first.dtype());
  if (bytes == 0) return out;
  std::byte* dst = detail::tensor_bytes(out);
  for (std::size_t i = 0; i < samples.size(); ++i)
    std::memcpy(dst + i * bytes, detail::tensor_bytes(samples[i].*field), bytes);
  return out;
}

}  // namespace

Example Dataset::get_batch(std::span<const std::int64_t> indices) const {
  if (indices.empty()) throw Error("Dataset::get_batch: no indices (a batch needs at least one sample)");
  std::vector<Example> samples;
  samples.reserve(indices.size());
  for (std::int64_t i : indices) samples.push_back(get(i));
  return {stack_field(samples, &Example::data, "data", indices),
          stack_field(samples, &Example::target, "target", indices)};
}

TensorDataset::TensorDataset(Tensor data, Tensor targets) : data_(std::move(data)), targets_(std::move(targets)) {
  if (!data_.defined()) throw Error("TensorDataset: the data tensor is undefined");
  if (data_.dim() == 0) throw Error("TensorDataset: the data tensor is 0-d; its first dimension must index samples");
  size_ = data_.size(0);
  // Rows are copied as raw bytes: a strided view (a narrowed or transposed tensor) is kept dense.
  data_ = data_.contiguous();
  if (targets_.defined()) {
    targets_ = targets_.contiguous();
    if (targets_.dim() == 0)
      throw Error("TensorDataset: the targets tensor is 0-d; its first dimension must index samples");
    if (targets_.size(0) != size_)
      throw Error(fmt::format("TensorDataset: data has {} samples (shape {}) but targets has {} (shape {})", size_,
                              shape_str(data_.shape()), targets_.size(0), shape_str(targets_.shape())));
  }
}

Example TensorDataset::get(std::int64_t index) const {
  check_index("TensorDataset", index, size_);
  const std::int64_t one[] = {index};
  auto row = [&](const Tensor& t) {
    if (!t.defined()) return Tensor();
    Tensor batch = gather_rows(t, one);
    return batch.reshape(Shape(t.shape().begin() + 1, t.shape().end()));  // drop the batch dimension
  };
  return {row(data_), row(targets_)};
}

Example TensorDataset::get_batch(std::span<const std::int64_t> indices) const {
  if (indices.empty()) throw Error("TensorDataset::get_batch: no indices (a batch needs at least one sample)");
  return {gather_rows(data_, indices), targets_.defined() ? gather_rows(targets_, indices) : Tensor()};
}

Subset::Subset(std::shared_ptr<const Dataset> dataset, std::vector<std::int64_t> indices)
    : dataset_(std::move(dataset)), indices_(std::move(indices)) {
  if (!dataset_) throw Error("Subset: the dataset is null");
  const std::int64_t n = dataset_->size();
  for (std::int64_t i : indices_) check_index("Subset", i, n);
}

Example Subset::get(std::int64_t index) const {
  check_index("Subset", index, size());
  return dataset_->get(indices_[static_cast<std::size_t>(index)]);
}

Example Subset::get_batch(std::span<const std::int64_t> indices) const {
  std::vector<std::int64_t> mapped;
  mapped.reserve(indices.size());
  for (std::int64_t i : indices) {
    check_index("Subset", i, size());
    mapped.push_back(indices_[static_cast<std::size_t>(i)]);
  }
  return dataset_->get_batch(mapped);
}

std::vector<Subset> random_split(std::shared_ptr<const Dataset> dataset, const std::vector<std::int64_t>& lengths,
                                 std::uint64_t seed) {
  if (!dataset) throw Error("random_split: the dataset is null");
  std::int64_t total = 0;
  for (std::int64_t n : lengths) {
    if (n < 0) throw Error(fmt::format("random_split: negative length {}", n));
    total += n;
  }
  if (total != dataset->size())
    throw Error(fmt::format("random_split: the lengths [{}] add up to {}, but the dataset has {} samples",
                            fmt::join(lengths, ", "), total, dataset->size()));
  // Stream 0 of the seed; DataLoader epochs use streams 1, 2, ... so the two never coincide.
  const std::vector<std::int64_t> order = detail::random_permutation(total, seed, 0);
  std::vector<Subset> parts;
  auto next = order.begin();
  for (std::int64_t n : lengths) {
    parts.emplace_back(dataset, std::vector<std::int64_t>(next, next + n));
    next += n;
  }
  return parts;
}

TrainValSplit train_val_split(std::shared_ptr<const Dataset> dataset, double val_fraction, std::uint64_t seed) {
  if (!dataset) throw Error("train_val_split: the dataset is null");
  if (!(val_fraction >= 0.0 && val_fraction <= 1.0))
    throw Error(fmt::format("train_val_split: val_fraction must be in [0, 1], got {}", val_fraction));
  const std::int64_t n = dataset->size();
  const auto val = static_cast<std::int64_t>(std::llround(val_fraction * static_cast<double>(n)));
  auto parts = random_split(std::move(dataset), {n - val, val}, seed);
  return {std::move(parts[0]), std::move(parts[1])};
}

}  // namespace xgrad::data
