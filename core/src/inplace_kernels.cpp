// The raw in-place kernels (no recording): writes through any strided layout, with torch's dtype
// rules. The Tensor methods (ops/src/inplace_ops.cpp) call these when nothing needs recording.
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "xgrad/detail/broadcast_iter.hpp"
#include "xgrad/detail/inplace.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad::detail {

// Bool < integer < floating point: an in-place result may not go to a lower kind than it has.
int dtype_kind(Dtype dtype) { return dtype == kBool ? 0 : is_floating_point(dtype) ? 2 : 1; }

void check_result_fits(const Tensor& self, Dtype operand, const char* op, const std::function<std::string()>& describe) {
  if (dtype_kind(operand) <= dtype_kind(self.dtype())) return;
  throw Error(fmt::format("{}: result type {} can't be cast to the destination's dtype {} (destination of shape {}, "
                          "operand {})",
                          op, dtype_name(promote_types(self.dtype(), operand)), dtype_name(self.dtype()),
                          shape_str(self.shape()), describe()));
}

Dtype scalar_dtype(double value) {
  return value == std::trunc(value) && value >= -0x1p63 && value < 0x1p63 ? kInt64 : kFloat64;
}

namespace {

// self[i] = combine(self[i], other broadcast to self's shape), with other converted to self's dtype.
template <class Combine>
void inplace_binary(Tensor& self, const Tensor& other_in, const char* op, Combine combine) {
  check_writable(self, op);
  if (!other_in.defined()) throw Error(fmt::format("{}: the operand is undefined", op));
  if (std::string_view(op) != "copy_")  // copy_ converts any dtype, as torch's does
    check_result_fits(self, other_in.dtype(), op, [&] {
      return fmt::format("{} of shape {}", dtype_name(other_in.dtype()), shape_str(other_in.shape()));
    });
  const Shape& shape = self.shape();
  if (broadcast_shapes(op, shape, other_in.shape()) != shape)
    throw Error(fmt::format("{}: a tensor of shape {} cannot be broadcast to the destination's shape {}", op,
                            shape_str(other_in.shape()), shape_str(shape)));
  Tensor other;
  {
    NoGradGuard no_grad;
    other = other_in.dtype() == self.dtype() ? other_in : other_in.to(self.dtype());
    // A source in the destination's own memory is read from a copy, so no element is read after
    // it was written (x.copy_(x.t())).
    if (other.is_alias_of(self) && !other.is_same(self)) other = other.clone();
  }
  other = dense(other);
  const TensorImpl& dst = *self.impl();
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = dst.data<T>();
    const T* in = contiguous_data<T>(other);
    const auto so = dst.strides();
    const auto si = detail::broadcast_strides(other.shape(), shape);
    detail::for_each_row(shape, so, si, [&](std::int64_t, std::int64_t o, std::int64_t o_step, std::int64_t b,
                                            std::int64_t b_step, std::int64_t n) {
      for (std::int64_t j = 0; j < n; ++j) out[o + j * o_step] = combine(out[o + j * o_step], in[b + j * b_step]);
    });
  });
  self.bump_version();
}


}  // namespace

Tensor& raw_copy_(Tensor& self, const Tensor& src) {
  inplace_binary(self, src, "copy_", [](auto, auto b) { return b; });
  return self;
}
Tensor& raw_add_(Tensor& self, const Tensor& other, double alpha) {
  if (alpha == 1.0) {
    inplace_binary(self, other, "add_", [](auto a, auto b) { return a + b; });
  } else {
    inplace_binary(self, other, "add_", [alpha](auto a, auto b) {
      return static_cast<decltype(a)>(a + static_cast<decltype(a)>(alpha) * b);
    });
  }
  return self;
}
Tensor& raw_mul_(Tensor& self, const Tensor& other) {
  inplace_binary(self, other, "mul_", [](auto a, auto b) { return static_cast<decltype(a)>(a * b); });
  return self;
}
Tensor& raw_fill_(Tensor& self, double value) {
  check_writable(self, "fill_");
  if (self.dtype() == kInt64 && !(value >= -0x1p63 && value < 0x1p63))  // the cast would be undefined
    throw Error(fmt::format("fill_: value {} cannot be converted to int64 without overflow (tensor of shape {})", value,
                            shape_str(self.shape())));
  const TensorImpl& dst = *self.impl();
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = dst.data<T>();
    if (dst.contiguous) {
      std::fill_n(out, dst.numel, static_cast<T>(value));
      return;
    }
    detail::for_each_row(dst.shape, dst.strides(), dst.strides(),
                         [&](std::int64_t, std::int64_t o, std::int64_t step, std::int64_t, std::int64_t,
                             std::int64_t n) {
                           for (std::int64_t j = 0; j < n; ++j) out[o + j * step] = static_cast<T>(value);
                         });
  });
  self.bump_version();
  return self;
}
}  // namespace xgrad::detail
