#include <cstdlib>
#include <new>

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
    : storage(std::move(storage_)), shape(std::move(shape_)), numel(shape_numel(shape)), dtype(dtype_) {}

TensorImpl::~TensorImpl() {
  if (grad_fn) release_node(std::move(grad_fn));
}

Tensor make_tensor(const Shape& shape, Dtype dtype) {
  for (auto d : shape)
    if (d < 0) throw Error("tensor: negative dimension in shape " + shape_str(shape));
  const std::size_t nbytes = static_cast<std::size_t>(shape_numel(shape)) * element_size(dtype);
  return Tensor(std::make_shared<TensorImpl>(std::make_shared<Storage>(nbytes), shape, dtype));
}

Tensor make_view(const std::shared_ptr<Storage>& storage, const Shape& shape, Dtype dtype) {
  return Tensor(std::make_shared<TensorImpl>(storage, shape, dtype));
}

}  // namespace xgrad

namespace xgrad {

void throw_bfloat16_unsupported() {
  throw Error(
      "bfloat16: this op has no bfloat16 kernel (bfloat16 tensors convert, print, save, load and feed "
      "matmul/linear); convert first with .to(xgrad::kFloat32)");
}

}  // namespace xgrad
