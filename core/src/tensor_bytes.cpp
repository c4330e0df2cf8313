// A tensor's raw bytes. The span is computed from the impl here and nowhere else, so a change to how
// a tensor finds its data (a storage offset, strides) has one place to go.
#include <fmt/format.h>

#include "xgrad/detail/tensor_impl.hpp"
#include "xgrad/error.hpp"

namespace xgrad {

namespace {

std::span<std::byte> byte_span(const Tensor& t, const char* op) {
  if (!t.defined()) throw Error(fmt::format("{}: the tensor is undefined", op));
  const TensorImpl& impl = *t.impl();
  // A strided view has no dense run of bytes; a view with only an offset does (it starts there).
  if (!impl.contiguous)
    throw Error(fmt::format("{}: a strided view (shape {}, strides {}) has no dense bytes; call contiguous() first",
                            op, shape_str(impl.shape), shape_str(impl.strides())));
  const std::size_t nbytes = static_cast<std::size_t>(impl.numel) * element_size(impl.dtype);
  return {impl.data<std::byte>(), nbytes};
}

}  // namespace

std::span<const std::byte> Tensor::bytes() const { return byte_span(*this, "bytes"); }
std::span<std::byte> Tensor::mutable_bytes() const { return byte_span(*this, "mutable_bytes"); }

}  // namespace xgrad
