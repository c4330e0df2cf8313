#include "xgrad/detail/inplace.hpp"

#include "xgrad/detail/core_rules.hpp"

#include <fmt/format.h>

#include "xgrad/broadcast.hpp"
#include "xgrad/detail/node.hpp"
#include "xgrad/detail/strided_copy.hpp"
#include "xgrad/detail/view_geometry.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad {

bool inplace_needs_record(const Tensor& self, std::initializer_list<const Tensor*> operands) {
  if (!GradModeFast::enabled()) return false;
  if (self.requires_grad()) return true;
  for (const Tensor* t : operands)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

void check_writable(const Tensor& self, const char* op) {
  if (!self.defined()) throw Error(fmt::format("{}: the tensor is undefined", op));
  const TensorImpl& impl = *self.impl();
  const Strides strides = impl.contiguous ? Strides() : impl.strides();  // a dense tensor has no stride 0
  for (std::size_t d = 0; d < strides.size(); ++d)
    if (strides[d] == 0 && impl.shape[d] > 1)
      throw Error(fmt::format("{}: unsupported operation: more than one element of the written-to tensor (shape {}, "
                              "strides {}) refers to a single memory location; clone() the tensor first",
                              op, shape_str(impl.shape), shape_str(impl.strides())));
  if (!GradModeFast::enabled()) return;
  if (impl.requires_grad && !impl.grad_fn && !impl.view_base)
    throw Error(fmt::format("{}: a leaf Variable that requires grad (shape {}) is being used in an in-place "
                            "operation; wrap the update in xgrad::NoGradGuard",
                            op, shape_str(impl.shape)));
  if (impl.view_base && impl.view_base->requires_grad && !impl.view_base->grad_fn)
    throw Error(fmt::format("{}: a view of a leaf Variable that requires grad (view of shape {}, leaf of shape {}) is "
                            "being used in an in-place operation",
                            op, shape_str(impl.shape), shape_str(impl.view_base->shape)));
}

namespace {

// value's elements into self's memory (value: self's dtype, broadcastable to self's shape).
void write_values(const Tensor& self, const Tensor& value) {
  const TensorImpl& dst = *self.impl();
  Tensor src = dense(value);
  if (src.is_alias_of(self)) src = dense_copy(src);  // never read an element after writing it
  const TensorImpl& s = *src.impl();
  Strides src_strides(dst.shape.size(), 0);  // broadcast: size-1 and missing dimensions repeat
  const std::size_t lead = dst.shape.size() - s.shape.size();
  const Strides value_strides = s.strides();
  for (std::size_t i = 0; i < s.shape.size(); ++i)
    src_strides[lead + i] = s.shape[i] == 1 ? 0 : value_strides[i];
  detail::copy_strided(element_size(dst.dtype), dst.shape, s.first_element(), src_strides, dst.first_element(),
                       dst.strides());
}

// Where a view's elements are inside its base, counted in the base's dense layout.
struct Part {
  Shape shape;
  Strides strides;
  std::int64_t offset;
};
Part part_in_base(const TensorImpl& view, const TensorImpl& base, const char* op) {
  if (!base.contiguous)
    throw Error(fmt::format("{}: writing in place through a view of a non-contiguous tensor (shape {}, strides {}) "
                            "while recording gradients is not supported; call contiguous() on the base first",
                            op, shape_str(base.shape), shape_str(base.strides())));
  return {view.shape, view.strides(), view.storage_offset - base.storage_offset};
}

// The base's history after a write through `view`: the base's old value everywhere but the view's
// part, which comes from `value` (torch's CopySlices); the view then reads from the new base.
void rebase_view_history(Tensor& view, const Tensor& value, const char* op) {
  TensorImpl& v = *view.impl();
  Tensor base(v.view_base);
  const Part part = part_in_base(v, *base.impl(), op);
  record(rule_for(kCoreRules, "CopySlices"), base, {&base, &value}, CoreSaved{.part = {part.shape, part.strides, part.offset}});
  record(rule_for(kCoreRules, "AsStridedBackward1"), view, {&base},
         CoreSaved{.in_shape = base.shape(), .part = {part.shape, part.strides, part.offset}});
}

}  // namespace

Tensor& assign_in_place(Tensor& self, const Tensor& value_in, const char* op, bool value_is_private) {
  check_writable(self, op);
  if (broadcast_shapes(op, self.shape(), value_in.shape()) != self.shape())
    throw Error(fmt::format("{}: the result of shape {} cannot be written into the destination's shape {}", op,
                            shape_str(value_in.shape()), shape_str(self.shape())));
  const TensorImpl& target = *self.impl();
  const bool recording =
      GradModeFast::enabled() && (value_in.requires_grad() || target.requires_grad ||
                                  (target.view_base && target.view_base->requires_grad));
  Tensor value = value_in;
  if (value.dtype() != self.dtype()) {
    if (recording && !is_floating_point(self.dtype()))
      throw Error(fmt::format("{}: a value that requires grad cannot be written into a {} tensor", op,
                              dtype_name(self.dtype())));
    value = value.to(self.dtype());  // recorded: the conversion is part of the written value
  }
  {
    NoGradGuard no_grad;
    write_values(self, value);
  }
  self.bump_version();
  if (!recording) return self;
  if (value.shape() != self.shape()) value = expand(value, self.shape());
  if (target.view_base) {
    rebase_view_history(self, value, op);
    return self;
  }
  TensorImpl& impl = *self.impl();
  if (value_is_private && value.impl()->grad_fn) {
    if (impl.grad_fn) release_node(std::move(impl.grad_fn));
    impl.grad_fn = value.impl()->grad_fn;  // the op's own node (ReluBackward0 for relu_), as torch names it
    impl.requires_grad = true;
    return self;
  }
  // self's old value is overwritten: it gets a zero gradient, value gets the incoming one.
  record(rule_for(kCoreRules, "CopyBackwards"), self, {&self, &value}, CoreSaved{});
  return self;
}

}  // namespace xgrad
