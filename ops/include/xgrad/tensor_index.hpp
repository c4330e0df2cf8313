// Indexing as libtorch: t.index({...}) and t.index_put_({...}, v) with TensorIndex (integers,
// Slice, None, Ellipsis or "...", bools, bool masks and int64 index tensors), plus the masked,
// scatter and take_along_dim families. Integers, slices, None and Ellipsis make views of the tensor
// (writes through them reach it); index tensors and masks gather into a new tensor with torch's
// rules: the index tensors broadcast together, and their result dimensions replace the indexed ones
// in place when those are adjacent, else go first.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {
namespace indexing {

struct EllipsisIndexType {};
inline constexpr EllipsisIndexType Ellipsis{};
// A new axis of size 1, as Python's None; also what leaves a Slice bound open: Slice(None, 3).
inline constexpr std::nullopt_t None = std::nullopt;

// start:stop:step with Python's rules; an open bound is None (std::nullopt).
class Slice {
 public:
  Slice(std::optional<std::int64_t> start = std::nullopt, std::optional<std::int64_t> stop = std::nullopt,
        std::optional<std::int64_t> step = std::nullopt)
      : start_(start), stop_(stop), step_(step.value_or(1)) {}
  std::optional<std::int64_t> start() const { return start_; }
  std::optional<std::int64_t> stop() const { return stop_; }
  std::int64_t step() const { return step_; }

 private:
  std::optional<std::int64_t> start_, stop_;
  std::int64_t step_;
};

// One entry of an index list, as libtorch's at::indexing::TensorIndex.
class TensorIndex {
 public:
  enum class Kind { None, Ellipsis, Integer, Boolean, Slice, Tensor };
  TensorIndex(std::nullopt_t) : kind_(Kind::None) {}
  TensorIndex(EllipsisIndexType) : kind_(Kind::Ellipsis) {}
  TensorIndex(const char* text);  // "..." only, as libtorch
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  TensorIndex(I value) : kind_(Kind::Integer), integer_(static_cast<std::int64_t>(value)) {}
  TensorIndex(bool value) : kind_(Kind::Boolean), boolean_(value) {}
  TensorIndex(Slice slice) : kind_(Kind::Slice), slice_(slice) {}
  TensorIndex(Tensor tensor) : kind_(Kind::Tensor), tensor_(std::move(tensor)) {}

  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_ellipsis() const { return kind_ == Kind::Ellipsis; }
  bool is_integer() const { return kind_ == Kind::Integer; }
  bool is_boolean() const { return kind_ == Kind::Boolean; }
  bool is_slice() const { return kind_ == Kind::Slice; }
  bool is_tensor() const { return kind_ == Kind::Tensor; }
  std::int64_t integer() const { return integer_; }
  bool boolean() const { return boolean_; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const { return tensor_; }

 private:
  Kind kind_;
  std::int64_t integer_ = 0;
  bool boolean_ = false;
  Slice slice_;
  Tensor tensor_;
};

}  // namespace indexing

using indexing::TensorIndex;

// Free forms of the methods (Tensor::index, ...), each as its method.
Tensor index(const Tensor& self, const std::vector<TensorIndex>& indices);
// A copy of self with the indexed elements set to (or, accumulating, increased by) values.
Tensor index_put(const Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& values,
                 bool accumulate = false);
// self where mask is false, value where it is true; mask (bool) broadcasts to self's shape.
Tensor masked_fill(const Tensor& self, const Tensor& mask, double value);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value);  // value 0-d
// The elements of self (broadcast with mask) where mask is true, as a 1-D tensor.
Tensor masked_select(const Tensor& self, const Tensor& mask);
// A copy of self with out[index[i][j]][j] = src[i][j] for dim 0, and so on (torch.scatter).
Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, double value);
// gather after broadcasting self and indices along every dimension but `dim`; without a dim, of
// the flattened tensors (torch.take_along_dim).
Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<std::int64_t> dim = std::nullopt);

}  // namespace xgrad
