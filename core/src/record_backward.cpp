// The public way to record a fused op (record_backward.hpp), on the same FunctionNode core's ops use.
#include "xgrad/record_backward.hpp"

#include <fmt/format.h>

#include "xgrad/detail/node.hpp"

namespace xgrad {

bool autograd::should_record(std::initializer_list<const Tensor*> inputs) { return xgrad::should_record(inputs); }

namespace detail {

void record_erased_backward(const char* name, Tensor& out, std::initializer_list<const Tensor*> inputs,
                            std::unique_ptr<RecordedBackward> backward) {
  if (name == nullptr) throw Error("record_backward: the node needs a name");
  if (!out.defined()) throw Error(fmt::format("record_backward: {}: the output tensor is undefined", name));
  if (!out.is_floating_point())
    throw Error(fmt::format("record_backward: {}: only a floating-point output can have a gradient, got {} of shape {}",
                            name, dtype_name(out.dtype()), shape_str(out.shape())));
  record_named(name, out, inputs, [b = std::move(backward)](const Tensor& grad) { return (*b)(grad); });
}

}  // namespace detail
}  // namespace xgrad
