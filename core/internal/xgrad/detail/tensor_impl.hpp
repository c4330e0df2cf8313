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

// A contiguous buffer shared by a tensor and its views (detach, reshape). Buffers of up to 16 bytes
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
  TensorImpl(std::shared_ptr<Storage> storage_, Shape shape_, Dtype dtype_);
  ~TensorImpl();  // releases grad_fn iteratively, so freeing a long chain never recurses

  std::shared_ptr<Storage> storage;
  Shape shape;
  std::int64_t numel;
  Dtype dtype;

  // Autograd record. grad_fn is set for results of recorded ops; grad_accumulator for leaves that
  // require grad (created on first use and owned here: it points back only weakly, so no cycle).
  bool requires_grad = false;
  bool retains_grad = false;
  std::shared_ptr<Node> grad_fn;
  std::shared_ptr<Node> grad_accumulator;
  Tensor grad;
  std::vector<TensorHook> leaf_hooks;

  template <class T> T* data() const { return static_cast<T*>(storage->data); }
};

// A new tensor with uninitialized storage. A shape too large to count or to allocate throws an
// Error naming `op` and the bytes asked for, never std::bad_alloc.
Tensor make_tensor(const Shape& shape, Dtype dtype, const char* op = "tensor");
// A new tensor sharing `storage` (a view with another shape and no history).
Tensor make_view(const std::shared_ptr<Storage>& storage, const Shape& shape, Dtype dtype);

// Calls f with a typed value for the dtype (bfloat16 throws): visit_dtype's internal name.
template <class F>
decltype(auto) dispatch(Dtype dtype, F&& f) {
  return visit_dtype(dtype, std::forward<F>(f));
}

}  // namespace xgrad
