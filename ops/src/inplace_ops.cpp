// Tensor's in-place methods. Without anything to record they run core's raw kernels (the optimizers'
// hot path); under grad mode they compute the new value with the differentiable op and hand it to
// assign_in_place, which writes it and rebases the history, as torch does.
#include <fmt/format.h>

#include "xgrad/arithmetic.hpp"
#include "xgrad/detail/inplace.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad {

namespace {

std::string describe_tensor(const Tensor& t) {
  return fmt::format("{} of shape {}", dtype_name(t.dtype()), shape_str(t.shape()));
}

void check_operand(const Tensor& self, const Tensor& other, const char* op) {
  check_writable(self, op);
  if (!other.defined()) throw Error(fmt::format("{}: the operand is undefined", op));
  detail::check_result_fits(self, other.dtype(), op, [&] { return describe_tensor(other); });
}

void check_scalar(const Tensor& self, double value, const char* op) {
  check_writable(self, op);
  detail::check_result_fits(self, detail::scalar_dtype(value), op, [&] { return fmt::format("the value {}", value); });
}

// Integer tensors cannot be scaled by a fraction without truncating; torch refuses.
void check_alpha(const Tensor& self, double alpha, const char* op) {
  if (self.defined() && !self.is_floating_point() && detail::scalar_dtype(alpha) != kInt64)
    throw Error(fmt::format("{}: alpha {} is not a whole number, so it cannot scale a tensor of dtype {}", op, alpha,
                            dtype_name(self.dtype())));
}

// self's value for an op that saves it for the other operand's gradient: a recorded copy, because
// the write that follows changes self (torch saves the original self the same way).
Tensor saved_self(const Tensor& self, const Tensor& other) { return other.requires_grad() ? self.clone() : self; }

// The recorded path of the unary in-place ops: the op's value, written and rebased.
template <class Op>
Tensor& unary_in_place(Tensor& self, const char* op, Op compute) {
  check_writable(self, op);
  if (!is_floating_point(self.dtype()))
    throw Error(fmt::format("{}: the result is floating point and cannot be written into a {} tensor of shape {}", op,
                            dtype_name(self.dtype()), shape_str(self.shape())));
  if (!inplace_needs_record(self, {})) {
    Tensor value;
    {
      NoGradGuard no_grad;
      value = compute(self);
    }
    return detail::raw_copy_(self, value);
  }
  // Some of these ops save their input for backward (clamp's mask, tanh's derivative): they get a
  // recorded copy, because the write that follows changes self.
  return assign_in_place(self, compute(self.clone()), op, true);
}

}  // namespace

Tensor& Tensor::copy_(const Tensor& src) {
  if (!inplace_needs_record(*this, {&src})) return detail::raw_copy_(*this, src);
  if (!src.defined()) throw Error("copy_: the source is undefined");
  return assign_in_place(*this, src, "copy_", false);
}

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_alpha(*this, alpha, "add_");
  if (!inplace_needs_record(*this, {&other})) return detail::raw_add_(*this, other, alpha);
  check_operand(*this, other, "add_");
  return assign_in_place(*this, xgrad::add(*this, alpha == 1.0 ? other : other * alpha), "add_", true);
}
Tensor& Tensor::add_(double value) {
  check_scalar(*this, value, "add_");
  if (!inplace_needs_record(*this, {})) return detail::raw_add_(*this, full({}, value, dtype()), 1.0);
  return assign_in_place(*this, *this + value, "add_", true);
}
Tensor& Tensor::sub_(const Tensor& other, double alpha) {
  check_alpha(*this, alpha, "sub_");
  if (!inplace_needs_record(*this, {&other})) return detail::raw_add_(*this, other, -alpha);
  check_operand(*this, other, "sub_");
  return assign_in_place(*this, xgrad::sub(*this, alpha == 1.0 ? other : other * alpha), "sub_", true);
}
Tensor& Tensor::sub_(double value) {
  check_scalar(*this, value, "sub_");
  if (!inplace_needs_record(*this, {})) return detail::raw_add_(*this, full({}, -value, dtype()), 1.0);
  return assign_in_place(*this, *this - value, "sub_", true);
}

Tensor& Tensor::mul_(const Tensor& other) {
  if (!inplace_needs_record(*this, {&other})) return detail::raw_mul_(*this, other);
  check_operand(*this, other, "mul_");
  return assign_in_place(*this, xgrad::mul(saved_self(*this, other), other), "mul_", true);
}
Tensor& Tensor::mul_(double value) {
  check_scalar(*this, value, "mul_");
  if (!inplace_needs_record(*this, {})) return detail::raw_mul_(*this, full({}, value, dtype()));
  return assign_in_place(*this, *this * value, "mul_", true);
}

// Division through the quotient, so values round as a / b does (not a * (1/b)); true division, so
// an integer tensor cannot take the result (torch refuses too).
Tensor& Tensor::div_(const Tensor& other) {
  check_writable(*this, "div_");
  if (!other.defined()) throw Error("div_: the operand is undefined");
  detail::check_result_fits(*this, kFloat32, "div_", [&] { return describe_tensor(other) + " (true division)"; });
  if (!inplace_needs_record(*this, {&other})) {
    NoGradGuard no_grad;
    return detail::raw_copy_(*this, xgrad::div(*this, other));
  }
  return assign_in_place(*this, xgrad::div(saved_self(*this, other), other), "div_", true);
}
Tensor& Tensor::div_(double value) {
  check_writable(*this, "div_");
  detail::check_result_fits(*this, kFloat32, "div_", [&] { return fmt::format("the value {} (true division)", value); });
  if (!inplace_needs_record(*this, {})) {
    NoGradGuard no_grad;
    return detail::raw_copy_(*this, xgrad::div(*this, value));
  }
  return assign_in_place(*this, xgrad::div(*this, value), "div_", true);
}

Tensor& Tensor::fill_(double value) {
  if (!inplace_needs_record(*this, {})) return detail::raw_fill_(*this, value);
  check_writable(*this, "fill_");
  return assign_in_place(*this, full({}, value, dtype()), "fill_", false);
}
Tensor& Tensor::zero_() { return fill_(0.0); }

Tensor& Tensor::relu_() {
  return unary_in_place(*this, "relu_", [](const Tensor& x) { return xgrad::relu(x); });
}
Tensor& Tensor::sigmoid_() {
  return unary_in_place(*this, "sigmoid_", [](const Tensor& x) { return xgrad::sigmoid(x); });
}
Tensor& Tensor::tanh_() {
  return unary_in_place(*this, "tanh_", [](const Tensor& x) { return xgrad::tanh(x); });
}
Tensor& Tensor::clamp_(std::optional<double> min, std::optional<double> max) {
  if (!min && !max) throw Error("clamp_: at least one of min and max must be given");
  return unary_in_place(*this, "clamp_", [&](const Tensor& x) {
    if (min && max) return xgrad::clamp(x, *min, *max);
    return min ? xgrad::clamp_min(x, *min) : xgrad::clamp_max(x, *max);
  });
}

Tensor& Tensor::operator+=(const Tensor& other) { return add_(other); }
Tensor& Tensor::operator+=(double other) { return add_(other); }
Tensor& Tensor::operator-=(const Tensor& other) { return sub_(other); }
Tensor& Tensor::operator-=(double other) { return sub_(other); }
Tensor& Tensor::operator*=(const Tensor& other) { return mul_(other); }
Tensor& Tensor::operator*=(double other) { return mul_(other); }
Tensor& Tensor::operator/=(const Tensor& other) { return div_(other); }
Tensor& Tensor::operator/=(double other) { return div_(other); }

}  // namespace xgrad
