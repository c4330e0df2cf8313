// Tensor: a cheap shared handle to strided data plus, when it takes part in autograd, its gradient
// record. Copying a Tensor shares storage, as torch::Tensor does; view ops (transpose, narrow,
// select, expand, ...) return tensors that share storage and version counter with their input.
#pragma once
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "xgrad/device.hpp"
#include "xgrad/dtype.hpp"
#include "xgrad/shape.hpp"

namespace xgrad {

struct TensorImpl;
struct Node;
class TensorOptions;
namespace indexing {
class TensorIndex;  // xgrad/tensor_index.hpp
}

// What sizes() returns: a Shape that also prints with operator<< as "[2, 3]", as libtorch's
// IntArrayRef does (std::cout << t.sizes()).
struct SizeList : std::vector<std::int64_t> {
  using std::vector<std::int64_t>::vector;
  SizeList(const Shape& shape) : std::vector<std::int64_t>(shape) {}
};
std::ostream& operator<<(std::ostream& os, const SizeList& sizes);

// What grad_fn() returns: the node that made a tensor, null for leaves. It reads as libtorch's
// std::shared_ptr<Node>: `if (t.grad_fn())`, `t.grad_fn() == nullptr`, and `t.grad_fn()->name()`
// giving torch's node name ("MulBackward0"; grad_fn_name() keeps xgrad's "MulBackward").
class GradFn {
 public:
  GradFn(std::shared_ptr<Node> node) : node_(std::move(node)) {}
  explicit operator bool() const { return node_ != nullptr; }
  operator std::shared_ptr<Node>() const { return node_; }  // by value: grad_fn() is a temporary
  const GradFn* operator->() const { return this; }
  std::string name() const;  // throws xgrad::Error when null
  Node* get() const { return node_.get(); }
  const std::shared_ptr<Node>& ptr() const { return node_; }
  friend bool operator==(const GradFn& fn, std::nullptr_t) { return fn.node_ == nullptr; }
  friend bool operator==(const GradFn& a, const GradFn& b) { return a.node_ == b.node_; }

 private:
  std::shared_ptr<Node> node_;
};

class Tensor {
 public:
  Tensor() = default;  // undefined: no storage, as torch's default-constructed tensor
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  SizeList sizes() const { return shape(); }
  std::int64_t size(std::int64_t dim) const;
  std::int64_t dim() const;
  std::int64_t numel() const;
  Dtype dtype() const;
  bool is_floating_point() const;

  // Memory layout, as torch: strides in elements, the offset of the first element in the storage.
  SizeList strides() const;
  std::int64_t stride(std::int64_t dim) const;
  std::int64_t storage_offset() const;
  bool is_contiguous() const;  // dense row-major
  bool is_view() const;        // made by a view op from another tensor (its _base)
  bool is_alias_of(const Tensor& other) const;  // shares storage with other

  // The first element; T must match dtype() (float, double, int64_t, bool). The data is laid out
  // by strides(): row-major only when is_contiguous().
  template <class T> T* data_ptr() const;
  // The single value of a one-element tensor, converted to T.
  template <class T> T item() const;
  std::vector<double> to_vector() const;  // all values as double, row-major

  Tensor to(Dtype dtype) const;
  Tensor contiguous() const;  // itself when contiguous, else a dense copy (recorded, as a clone)
  Tensor clone() const;       // always a dense copy
  Tensor detach() const;  // shares storage and version counter, no history

  // In-place ops (ops/src/inplace_ops.cpp): they write through views into the shared storage and
  // bump its version counter. Under grad mode they are recorded as torch records them; on a leaf
  // that requires grad (or a view of one) they throw.
  Tensor& copy_(const Tensor& src);
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  Tensor& add_(double value);
  Tensor& sub_(const Tensor& other, double alpha = 1.0);
  Tensor& sub_(double value);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double value);
  Tensor& div_(const Tensor& other);
  Tensor& div_(double value);
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& relu_();
  Tensor& sigmoid_();
  Tensor& tanh_();
  Tensor& clamp_(std::optional<double> min, std::optional<double> max = std::nullopt);
  // Fills with 1 (probability p) or 0 (probability 1 − p), drawn from the global generator
  // (manual_seed), as torch's bernoulli_(p).
  Tensor& bernoulli_(double p = 0.5);
  std::uint32_t version() const;
  // Records an in-place change made through data_ptr or mutable_bytes: bumps the version counter
  // that tensors saved for backward are checked against, as copy_ and add_ do for their own writes.
  void bump_version() const;

  // The numel() * element_size(dtype()) bytes of a contiguous tensor, for code that moves data
  // without knowing its type (file readers and writers, collectives). Writing through
  // mutable_bytes() is an in-place change: call bump_version() afterwards.
  std::span<const std::byte> bytes() const;
  std::span<std::byte> mutable_bytes() const;

  // Autograd.
  Tensor& requires_grad_(bool requires_grad = true);
  bool requires_grad() const;
  bool is_leaf() const;
  Tensor grad() const;  // undefined until a gradient arrives
  void set_grad(const Tensor& grad);
  Tensor& mutable_grad();
  void retain_grad();
  bool retains_grad() const;
  std::string grad_fn_name() const;  // "MulBackward0"; "" for leaves
  GradFn grad_fn() const;
  void backward(const Tensor& gradient = Tensor(), std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false) const;
  // The hook sees each gradient for this tensor and may return a replacement (undefined: keep).
  void register_hook(std::function<Tensor(const Tensor&)> hook);

  // Method forms of ops (defined with the ops).
  Tensor sum() const;
  Tensor sum(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor pow(double exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor matmul(const Tensor& other) const;
  Tensor t() const;
  Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  Tensor permute(const std::vector<std::int64_t>& dims) const;
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const;
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  Tensor squeeze() const;
  Tensor squeeze(std::int64_t dim) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor expand(const Shape& shape) const;
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;  // a view without that dimension
  Tensor operator[](std::int64_t index) const;                // select(0, index), as libtorch's t[i]
  Tensor slice(std::int64_t dim = 0, std::optional<std::int64_t> start = std::nullopt,
               std::optional<std::int64_t> end = std::nullopt, std::int64_t step = 1) const;
  Tensor unfold(std::int64_t dim, std::int64_t size, std::int64_t step) const;
  Tensor as_strided(const std::vector<std::int64_t>& size, const std::vector<std::int64_t>& stride,
                    std::optional<std::int64_t> storage_offset = std::nullopt) const;
  Tensor index_select(std::int64_t dim, const Tensor& index) const;
  Tensor gather(std::int64_t dim, const Tensor& index) const;
  Tensor argmax(std::int64_t dim, bool keepdim = false) const;
  Tensor softmax(std::int64_t dim) const;
  Tensor log_softmax(std::int64_t dim) const;
  Tensor max() const;
  Tensor min() const;

  // libtorch's spellings of things xgrad's own API names differently (xgrad/torch.hpp), defined in
  // ops/src/torch_methods.cpp. A single integer works as a dim, as libtorch's IntArrayRef takes one;
  // templates, so a braced list keeps going to the vector forms.
  template <std::integral I>
  Tensor sum(I dim, bool keepdim = false) const {
    return sum(std::vector<std::int64_t>{static_cast<std::int64_t>(dim)}, keepdim);
  }
  template <std::integral I>
  Tensor mean(I dim, bool keepdim = false) const {
    return mean(std::vector<std::int64_t>{static_cast<std::int64_t>(dim)}, keepdim);
  }
  Tensor eq(const Tensor& other) const;
  Tensor eq(double other) const;
  Tensor mm(const Tensor& other) const;
  Tensor norm(double p = 2.0) const;  // of all elements, 0-d
  Tensor norm(double p, const std::vector<std::int64_t>& dims, bool keepdim = false) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor all() const;  // 0-d bool: every element nonzero
  Tensor any() const;  // 0-d bool: some element nonzero
  // Compound assignment is in place, as in libtorch (the version counter is bumped).
  Tensor& operator+=(const Tensor& other);
  Tensor& operator+=(double other);
  Tensor& operator-=(const Tensor& other);
  Tensor& operator-=(double other);
  Tensor& operator*=(const Tensor& other);
  Tensor& operator*=(double other);
  Tensor& operator/=(const Tensor& other);
  Tensor& operator/=(double other);
  Tensor& detach_();  // drops history and requires_grad from this tensor itself
  Tensor data() const;  // torch's .data: a detached tensor sharing storage
  void set_data(const Tensor& new_data);  // points this tensor at new_data's storage, keeping its grad record
  std::int64_t output_nr() const { return 0; }  // every xgrad op has one output
  std::int64_t _version() const { return version(); }
  Device device() const;  // always the CPU
  bool is_cuda() const { return false; }
  bool is_cpu() const { return true; }
  Tensor to(Device device) const;  // itself for the CPU; throws for CUDA
  Tensor to(Device device, Dtype dtype) const;
  Tensor cpu() const { return *this; }
  TensorOptions options() const;  // this tensor's dtype, device and requires_grad
  Dtype scalar_type() const { return dtype(); }
  // Values and indices of the largest element along `dim`, as libtorch's t.max(dim).
  std::tuple<Tensor, Tensor> max(std::int64_t dim, bool keepdim = false) const;
  std::tuple<Tensor, Tensor> min(std::int64_t dim, bool keepdim = false) const;
  // A hook that only looks at the gradient (libtorch accepts hooks returning void).
  template <class F>
    requires std::is_void_v<std::invoke_result_t<F&, const Tensor&>>
  void register_hook(F hook) {
    register_hook(std::function<Tensor(const Tensor&)>([h = std::move(hook)](const Tensor& g) mutable {
      h(g);
      return Tensor();
    }));
  }

  // Indexing as libtorch (ops/src/tensor_index.cpp; TensorIndex, Slice, None and Ellipsis are in
  // xgrad/tensor_index.hpp). In-place forms are recorded by autograd as the other in-place ops.
  Tensor index(std::initializer_list<indexing::TensorIndex> indices) const;
  Tensor index(const std::vector<indexing::TensorIndex>& indices) const;
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& values, bool accumulate = false);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, const Tensor& values, bool accumulate = false);
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, double value);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, double value);
  Tensor masked_fill(const Tensor& mask, double value) const;
  Tensor masked_fill(const Tensor& mask, const Tensor& value) const;
  Tensor& masked_fill_(const Tensor& mask, double value);
  Tensor& masked_fill_(const Tensor& mask, const Tensor& value);
  Tensor masked_select(const Tensor& mask) const;
  Tensor index_add(std::int64_t dim, const Tensor& index, const Tensor& source, double alpha = 1.0) const;
  Tensor& index_add_(std::int64_t dim, const Tensor& index, const Tensor& source, double alpha = 1.0);
  Tensor scatter(std::int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(std::int64_t dim, const Tensor& index, double value) const;
  Tensor& scatter_(std::int64_t dim, const Tensor& index, const Tensor& src);
  Tensor& scatter_(std::int64_t dim, const Tensor& index, double value);
  Tensor scatter_add(std::int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor& scatter_add_(std::int64_t dim, const Tensor& index, const Tensor& src);
  Tensor take_along_dim(const Tensor& indices, std::optional<std::int64_t> dim = std::nullopt) const;

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::string to_string(const Tensor& t);  // PyTorch's repr: tensor([...], dtype=float64, ...)

}  // namespace xgrad
