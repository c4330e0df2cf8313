// What a Tensor handle points at. Internal: users see only xgrad/tensor.hpp.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "xgrad/tensor.hpp"
#include "xgrad/visit_dtype.hpp"

namespace xgrad {

namespace detail {
// Grad and anomaly mode, read inline on every op (GradMode::is_enabled() is the public face).
inline thread_local bool grad_enabled = true;
inline thread_local bool anomaly_enabled = false;
}  // namespace detail

struct GradModeFast {
  static bool enabled() { return detail::grad_enabled; }
};

// A buffer shared by a tensor and its views (detach, transpose, narrow, ...). Buffers of up to 16 bytes
// live inside the Storage object itself, so a tiny tensor costs one allocation less.
struct Storage {
  explicit Storage(std::size_t nbytes);
  // Memory borrowed from outside (an xtensor container): `owner` keeps it alive; it is not freed here.
  Storage(void* external, std::size_t nbytes, std::shared_ptr<void> owner);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data;
  std::size_t nbytes;
  std::uint32_t version = 0;  // bumped by every in-place change; saved tensors compare against it
  std::shared_ptr<void> owner;  // set for borrowed memory
  alignas(16) unsigned char inline_buffer[16];
};

using TensorHook = std::function<Tensor(const Tensor&)>;

struct TensorImpl {
  // A contiguous tensor at the start of `storage`.
  TensorImpl(std::shared_ptr<Storage> storage_, Shape shape_, Dtype dtype_);
  // A strided view into `storage` (strides and offset in elements).
  TensorImpl(std::shared_ptr<Storage> storage_, Shape shape_, Strides strides_, std::int64_t offset, Dtype dtype_);
  ~TensorImpl();  // releases grad_fn iteratively, so freeing a long chain never recurses

  std::shared_ptr<Storage> storage;
  Shape shape;
  // Empty for a dense tensor made by make_tensor (its strides are the contiguous ones, computed
  // when asked: one allocation less on every op's output).
  Strides explicit_strides;
  std::int64_t storage_offset = 0;
  std::int64_t numel;
  Dtype dtype;
  bool contiguous = true;  // row-major and dense: kernels may read it as a flat buffer

  // For a view made by a view op: the tensor whose storage it looks into (itself never a view), so an
  // in-place write through the view can rebase the base's history as torch does.
  std::shared_ptr<TensorImpl> view_base;

  // Autograd record. grad_fn is set for results of recorded ops; grad_accumulator for leaves that
  // require grad (created on first use and owned here: it points back only weakly, so no cycle).
  bool requires_grad = false;
  bool retains_grad = false;
  std::shared_ptr<Node> grad_fn;
  std::shared_ptr<Node> grad_accumulator;
  Tensor grad;
  std::vector<TensorHook> leaf_hooks;

  // The first element (strided views included); kernels go through contiguous_data instead.
  void* first_element() const {
    return static_cast<unsigned char*>(storage->data) + storage_offset * static_cast<std::int64_t>(element_size(dtype));
  }
  template <class T> T* data() const { return static_cast<T*>(first_element()); }
  Strides strides() const { return explicit_strides.empty() ? contiguous_strides(shape) : explicit_strides; }
};

// The dtype of a C++ element type.
template <class T> constexpr Dtype dtype_of();
template <> constexpr Dtype dtype_of<float>() { return kFloat32; }
template <> constexpr Dtype dtype_of<double>() { return kFloat64; }
template <> constexpr Dtype dtype_of<std::int64_t>() { return kInt64; }
template <> constexpr Dtype dtype_of<bool>() { return kBool; }
template <> constexpr Dtype dtype_of<BFloat16>() { return kBFloat16; }

// Kernels read and write tensors as dense row-major buffers, and this is their way to the data: a
// strided view that an op forgot to make contiguous at its boundary is an error, never a wrong result.
// T must match the dtype (float, double, int64_t, bool, BFloat16).
[[noreturn]] void throw_not_dense(const Tensor& t, Dtype wanted);
template <class T>
inline T* contiguous_data(const Tensor& t) {
  const TensorImpl* impl = t.impl();
  if (!impl || !impl->contiguous || impl->dtype != dtype_of<T>()) [[unlikely]]
    throw_not_dense(t, dtype_of<T>());
  return impl->data<T>();
}
// The same as raw bytes (for kernels that copy whole elements of any dtype).
unsigned char* contiguous_bytes(const Tensor& t);

// A new tensor with uninitialized storage. A shape too large to count or to allocate throws an
// Error naming `op` and the bytes asked for, never std::bad_alloc.
Tensor make_tensor(const Shape& shape, Dtype dtype, const char* op = "tensor");
// A new contiguous tensor at the start of `storage` (no history; the memory must hold the shape).
Tensor make_view(const std::shared_ptr<Storage>& storage, const Shape& shape, Dtype dtype);
// What an op hands its kernel: t itself when contiguous, else a dense copy without history (the op
// records its own backward against t).
Tensor dense(const Tensor& t);
// A dense copy of t (any layout) without history.
Tensor dense_copy(const Tensor& t);
// A view of t made by a view op: shares storage and version counter; its base is t's base, or t.
Tensor make_view_of(const Tensor& t, const Shape& shape, const Strides& strides, std::int64_t offset);
// A new tensor looking at `t`'s storage with another geometry (no history, no view base).
Tensor make_strided(const Tensor& t, const Shape& shape, const Strides& strides, std::int64_t offset);

// Calls f with a typed value for the dtype (bfloat16 throws): visit_dtype's internal name.
template <class F>
decltype(auto) dispatch(Dtype dtype, F&& f) {
  return visit_dtype(dtype, std::forward<F>(f));
}

}  // namespace xgrad
