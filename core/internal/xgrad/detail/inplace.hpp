// In-place ops under autograd, as torch records them: the new value is computed out of place by
// differentiable ops, written into the tensor's memory (through a view, into its base), and the
// tensor's history is rebased onto the node that made the value.
#pragma once
#include <functional>
#include <string>

#include "xgrad/detail/tensor_impl.hpp"

namespace xgrad {

// True when an in-place op on `self` with these operands must be recorded.
bool inplace_needs_record(const Tensor& self, std::initializer_list<const Tensor*> operands);

// Throws, naming `op`, when self cannot be written in place: elements that share memory (an
// expanded view), or, while grad mode is on, a leaf that requires grad or a view of one.
void check_writable(const Tensor& self, const char* op);

// Writes `value` (broadcast to self's shape, converted to self's dtype) into self's memory and bumps
// the version. While grad mode is on and self or value requires grad, self's history is rebased:
// self now comes from value (whose own node self takes over when `value_is_private`, so relu_
// leaves a ReluBackward0), and for a view the base's history gets a node that takes the view's part
// from value and the rest from the base's old value (torch's CopySlices).
Tensor& assign_in_place(Tensor& self, const Tensor& value, const char* op, bool value_is_private);

namespace detail {

// torch's rule: an in-place result may not go to a lower kind (bool < integer < floating) than the
// destination has (a float product written into an int64 tensor would be silently truncated).
// `describe` names the operand, built only on failure (add_ and mul_ are optimizer hot paths).
void check_result_fits(const Tensor& self, Dtype operand, const char* op, const std::function<std::string()>& describe);
// The dtype a double operand counts as: whole numbers are integers, as torch's Python ints.
Dtype scalar_dtype(double value);

// The kernels behind the in-place methods, never recorded: self changed through its strides, the
// operand broadcast and converted to self's dtype, the version bumped.
Tensor& raw_copy_(Tensor& self, const Tensor& src);
Tensor& raw_add_(Tensor& self, const Tensor& other, double alpha);
Tensor& raw_mul_(Tensor& self, const Tensor& other);
Tensor& raw_fill_(Tensor& self, double value);

}  // namespace detail

}  // namespace xgrad
