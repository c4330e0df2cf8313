// The library side of <xgrad/xtensor.hpp> (templates otherwise), declared there in xgrad::detail.
// That header lives in the umbrella include folder, outside this layer's, so it is not included here.
#include "xgrad/detail/tensor_impl.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad::detail {

Tensor borrow_buffer(void* data, const Shape& shape, Dtype dtype, std::shared_ptr<void> owner) {
  const std::size_t nbytes = static_cast<std::size_t>(shape_numel(shape)) * element_size(dtype);
  return make_view(std::make_shared<Storage>(data, nbytes, std::move(owner)), shape, dtype);
}

}  // namespace xgrad::detail
