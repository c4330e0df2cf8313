#include <algorithm>
#include <cstdlib>
#include <new>

#include <fmt/format.h>

#include "xgrad/detail/allocator.hpp"
#include "xgrad/detail/node.hpp"
#include "xgrad/detail/tensor_impl.hpp"

namespace xgrad {

Storage::Storage(std::size_t nbytes_) : data(inline_buffer), nbytes(nbytes_) {
  if (nbytes <= sizeof(inline_buffer)) return;
  data = detail::allocate_buffer(nbytes);  // 64-byte aligned: SIMD loads stay aligned
}

Storage::Storage(void* external, std::size_t nbytes_, std::shared_ptr<void> owner_)
    : data(external), nbytes(nbytes_), owner(std::move(owner_)) {}

Storage::~Storage() {
  if (data != inline_buffer && !owner) detail::free_buffer(data, nbytes);
}

TensorImpl::TensorImpl(std::shared_ptr<Storage> storage_, Shape shape_, Dtype dtype_)
    : storage(std::move(storage_)),
      shape(std::move(shape_)),
      numel(shape_numel(shape)),
      dtype(dtype_) {}

TensorImpl::TensorImpl(std::shared_ptr<Storage> storage_, Shape shape_, Strides strides_, std::int64_t offset,
                       Dtype dtype_)
    : storage(std::move(storage_)),
      shape(std::move(shape_)),
      explicit_strides(std::move(strides_)),
      storage_offset(offset),
      numel(shape_numel(shape)),
      dtype(dtype_),
      contiguous(is_contiguous_layout(shape, explicit_strides)) {}

TensorImpl::~TensorImpl() {
  if (grad_fn) release_node(std::move(grad_fn));
}

Tensor make_tensor(const Shape& shape, Dtype dtype, const char* op) {
  for (auto d : shape)
    if (d < 0) throw Error(fmt::format("{}: negative dimension in shape {}", op, shape_str(shape)));
  // Count elements and bytes with overflow checks: numel * element_size can wrap size_t (2^61
  // doubles) and would then allocate a tiny buffer for a huge tensor.
  std::int64_t numel = 1;
  std::size_t nbytes = 0;
  if (std::find(shape.begin(), shape.end(), 0) == shape.end()) {
    for (auto d : shape)
      if (__builtin_mul_overflow(numel, d, &numel))
        throw Error(fmt::format("{}: shape {} has more elements than an int64 can count", op, shape_str(shape)));
    if (__builtin_mul_overflow(static_cast<std::size_t>(numel), element_size(dtype), &nbytes))
      throw Error(fmt::format("{}: a {} tensor of shape {} has more bytes than memory can address", op,
                              dtype_name(dtype), shape_str(shape)));
  }
  std::shared_ptr<Storage> storage;
  try {
    storage = std::make_shared<Storage>(nbytes);
  } catch (const std::bad_alloc&) {
    throw Error(fmt::format("{}: cannot allocate {} bytes for a {} tensor of shape {}", op, nbytes, dtype_name(dtype),
                            shape_str(shape)));
  }
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), shape, dtype));
}

Tensor make_view(const std::shared_ptr<Storage>& storage, const Shape& shape, Dtype dtype) {
  return Tensor(std::make_shared<TensorImpl>(storage, shape, dtype));
}

Tensor make_strided(const Tensor& t, const Shape& shape, const Strides& strides, std::int64_t offset) {
  const TensorImpl& src = *t.impl();
  return Tensor(std::make_shared<TensorImpl>(src.storage, shape, strides, offset, src.dtype));
}

Tensor make_view_of(const Tensor& t, const Shape& shape, const Strides& strides, std::int64_t offset) {
  Tensor out = make_strided(t, shape, strides, offset);
  const TensorImpl& src = *t.impl();
  out.impl()->view_base = src.view_base ? src.view_base : t.impl_ptr();
  return out;
}

namespace {
[[noreturn]] void throw_not_contiguous(const TensorImpl& impl) {
  throw Error(fmt::format(
      "internal error: a strided view (shape {}, strides {}) reached a kernel that reads dense memory; the op "
      "must call contiguous() on its inputs",
      shape_str(impl.shape), shape_str(impl.strides())));
}
}  // namespace

void throw_not_dense(const Tensor& t, Dtype wanted) {
  const TensorImpl* impl = t.impl();
  if (!impl) throw Error("contiguous_data: the tensor is undefined");
  if (!impl->contiguous) throw_not_contiguous(*impl);
  throw Error(fmt::format("internal error: a {} tensor of shape {} read as {}", dtype_name(impl->dtype),
                          shape_str(impl->shape), dtype_name(wanted)));
}

unsigned char* contiguous_bytes(const Tensor& t) {
  const TensorImpl* impl = t.impl();
  if (!impl) throw Error("contiguous_bytes: the tensor is undefined");
  if (!impl->contiguous) throw_not_contiguous(*impl);
  return static_cast<unsigned char*>(impl->first_element());
}

}  // namespace xgrad

namespace xgrad {

void throw_bfloat16_unsupported() {
  throw Error(
      "bfloat16: this op has no bfloat16 kernel (bfloat16 tensors convert, print, save, load and feed "
      "matmul/linear); convert first with .to(xgrad::kFloat32)");
}

}  // namespace xgrad
