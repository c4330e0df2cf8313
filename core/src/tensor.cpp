// Tensor's own methods: accessors, in-place updates and the autograd record.
#include "xgrad/tensor.hpp"

#include <cmath>
#include <random>
#include <string_view>

#include <fmt/format.h>

#include "xgrad/autograd.hpp"
#include "xgrad/detail/broadcast_iter.hpp"
#include "xgrad/detail/node.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/random.hpp"

namespace xgrad {

namespace {

// The handle's impl (a handle's constness is not its tensor's), or an error for an undefined tensor.
TensorImpl& checked(const Tensor& t, const char* what) {
  if (!t.defined()) throw Error(fmt::format("{}: the tensor is undefined", what));
  return *t.impl();
}

template <class T> constexpr Dtype dtype_of();
template <> constexpr Dtype dtype_of<float>() { return kFloat32; }
template <> constexpr Dtype dtype_of<double>() { return kFloat64; }
template <> constexpr Dtype dtype_of<std::int64_t>() { return kInt64; }
template <> constexpr Dtype dtype_of<bool>() { return kBool; }
template <> constexpr Dtype dtype_of<BFloat16>() { return kBFloat16; }

// In-place ops do not record history; refuse them where they would corrupt a gradient.
void check_inplace(const Tensor& t, const char* op) {
  checked(t, op);
  if (GradMode::is_enabled() && t.requires_grad())
    throw Error(fmt::format(
        "{}: a tensor that requires grad (shape {}) cannot be changed in place while grad mode is on; "
        "wrap the update in xgrad::NoGradGuard",
        op, shape_str(t.shape())));
}

// Bool < integer < floating point: an in-place result may not go to a lower kind than it has.
int dtype_kind(Dtype dtype) { return dtype == kBool ? 0 : is_floating_point(dtype) ? 2 : 1; }

// torch refuses an in-place op whose result type cannot be stored in the destination without
// changing kind (a float product written into an int64 tensor would be silently truncated).
// `describe` builds the operand's description only on failure: add_ and mul_ are optimizer hot paths.
template <class Describe>
void check_result_fits(const Tensor& self, Dtype operand, const char* op, Describe describe) {
  if (dtype_kind(operand) <= dtype_kind(checked(self, op).dtype)) return;
  const std::string operand_desc = describe();
  throw Error(fmt::format("{}: result type {} can't be cast to the destination's dtype {} (destination of shape {}, "
                          "operand {})",
                          op, dtype_name(promote_types(self.dtype(), operand)), dtype_name(self.dtype()),
                          shape_str(self.shape()), operand_desc));
}

// The dtype a double operand has for that check: whole numbers count as integers, as torch's
// Python ints do (t.add_(1) on an int64 tensor is fine, t.mul_(0.5) is not).
Dtype scalar_dtype(double value) {
  return value == std::trunc(value) && value >= -0x1p63 && value < 0x1p63 ? kInt64 : kFloat64;
}

// self[i] = combine(self[i], other broadcast to self's shape), with other converted to self's dtype.
template <class Combine>
void inplace_binary(Tensor& self, const Tensor& other_in, const char* op, Combine combine) {
  check_inplace(self, op);
  checked(other_in, op);
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
  }
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = self.data_ptr<T>();
    const T* in = other.data_ptr<T>();
    const auto so = detail::broadcast_strides(shape, shape);
    const auto si = detail::broadcast_strides(other.shape(), shape);
    detail::for_each_row(shape, so, si, [&](std::int64_t o, std::int64_t, std::int64_t, std::int64_t b,
                                            std::int64_t b_step, std::int64_t n) {
      for (std::int64_t j = 0; j < n; ++j) out[o + j] = combine(out[o + j], in[b + j * b_step]);
    });
  });
  self.bump_version();
}

}  // namespace

const Shape& Tensor::shape() const { return checked(*this, "shape").shape; }
std::int64_t Tensor::size(std::int64_t d) const { return shape()[wrap_dim("size", d, dim())]; }
std::int64_t Tensor::dim() const { return static_cast<std::int64_t>(shape().size()); }
std::int64_t Tensor::numel() const { return checked(*this, "numel").numel; }
Dtype Tensor::dtype() const { return checked(*this, "dtype").dtype; }
bool Tensor::is_floating_point() const { return xgrad::is_floating_point(dtype()); }
std::uint32_t Tensor::version() const { return checked(*this, "version").storage->version; }

template <class T>
T* Tensor::data_ptr() const {
  const TensorImpl& impl = checked(*this, "data_ptr");
  if (impl.dtype != dtype_of<T>())
    throw Error(fmt::format("data_ptr: tensor has dtype {}, asked for {}", dtype_name(impl.dtype),
                            dtype_name(dtype_of<T>())));
  return impl.data<T>();
}
template float* Tensor::data_ptr<float>() const;
template double* Tensor::data_ptr<double>() const;
template std::int64_t* Tensor::data_ptr<std::int64_t>() const;
template bool* Tensor::data_ptr<bool>() const;
template BFloat16* Tensor::data_ptr<BFloat16>() const;

template <class T>
T Tensor::item() const {
  const TensorImpl& impl = checked(*this, "item");
  if (impl.numel != 1)
    throw Error(fmt::format("item: a tensor with {} elements (shape {}) cannot be converted to a scalar",
                            impl.numel, shape_str(impl.shape)));
  if (impl.dtype == kBFloat16) return static_cast<T>(static_cast<float>(impl.data<BFloat16>()[0]));
  return dispatch(impl.dtype, [&](auto tag) { return static_cast<T>(impl.data<decltype(tag)>()[0]); });
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template std::int64_t Tensor::item<std::int64_t>() const;
template int Tensor::item<int>() const;
template bool Tensor::item<bool>() const;

std::vector<double> Tensor::to_vector() const {
  const TensorImpl& impl = checked(*this, "to_vector");
  std::vector<double> values(static_cast<std::size_t>(impl.numel));
  if (impl.dtype == kBFloat16) {
    for (std::int64_t i = 0; i < impl.numel; ++i) values[i] = static_cast<float>(impl.data<BFloat16>()[i]);
    return values;
  }
  dispatch(impl.dtype, [&](auto tag) {
    const auto* p = impl.data<decltype(tag)>();
    for (std::int64_t i = 0; i < impl.numel; ++i) values[i] = static_cast<double>(p[i]);
  });
  return values;
}

Tensor Tensor::detach() const {
  const TensorImpl& impl = checked(*this, "detach");
  return make_view(impl.storage, impl.shape, impl.dtype);
}

Tensor& Tensor::copy_(const Tensor& src) {
  inplace_binary(*this, src, "copy_", [](auto, auto b) { return b; });
  return *this;
}
Tensor& Tensor::add_(const Tensor& other, double alpha) {
  if (defined() && dtype_kind(dtype()) < 2 && scalar_dtype(alpha) != kInt64)  // truncated otherwise; torch refuses
    throw Error(fmt::format("add_: alpha {} is not a whole number, so it cannot scale a tensor of dtype {}", alpha,
                            dtype_name(dtype())));
  if (alpha == 1.0) {
    inplace_binary(*this, other, "add_", [](auto a, auto b) { return a + b; });
  } else {
    inplace_binary(*this, other, "add_", [alpha](auto a, auto b) {
      return static_cast<decltype(a)>(a + static_cast<decltype(a)>(alpha) * b);
    });
  }
  return *this;
}
Tensor& Tensor::mul_(const Tensor& other) {
  inplace_binary(*this, other, "mul_", [](auto a, auto b) { return static_cast<decltype(a)>(a * b); });
  return *this;
}
Tensor& Tensor::add_(double value) {
  check_result_fits(*this, scalar_dtype(value), "add_", [&] { return fmt::format("the value {}", value); });
  return add_(full({}, value, dtype()));
}
Tensor& Tensor::mul_(double value) {
  check_result_fits(*this, scalar_dtype(value), "mul_", [&] { return fmt::format("the value {}", value); });
  return mul_(full({}, value, dtype()));
}
Tensor& Tensor::fill_(double value) {
  check_inplace(*this, "fill_");
  if (dtype() == kInt64 && !(value >= -0x1p63 && value < 0x1p63))  // the cast would be undefined
    throw Error(fmt::format("fill_: value {} cannot be converted to int64 without overflow (tensor of shape {})", value,
                            shape_str(shape())));
  dispatch(dtype(), [&](auto tag) {
    using T = decltype(tag);
    std::fill_n(data_ptr<T>(), numel(), static_cast<T>(value));
  });
  bump_version();
  return *this;
}
Tensor& Tensor::zero_() { return fill_(0.0); }

Tensor& Tensor::bernoulli_(double p) {
  check_inplace(*this, "bernoulli_");
  if (!(p >= 0.0 && p <= 1.0))
    throw Error(fmt::format("bernoulli_: probability p must be in [0, 1], got {} (tensor of shape {})", p,
                            shape_str(shape())));
  Generator::global().with_engine([&](std::mt19937_64& engine) {
    std::bernoulli_distribution draw(p);
    dispatch(dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* out = data_ptr<T>();
      for (std::int64_t i = 0, n = numel(); i < n; ++i) out[i] = draw(engine) ? T(1) : T(0);
    });
  });
  bump_version();
  return *this;
}

// The one place the version counter moves (saved tensors compare against it).
void Tensor::bump_version() const { ++checked(*this, "bump_version").storage->version; }

// ---- autograd record ----

Tensor& Tensor::requires_grad_(bool requires_grad) {
  TensorImpl& impl = checked(*this, "requires_grad_");
  if (requires_grad && !xgrad::is_floating_point(impl.dtype))
    throw Error(fmt::format("requires_grad_: only floating-point tensors can require gradients; this tensor "
                            "has dtype {} and shape {}",
                            dtype_name(impl.dtype), shape_str(impl.shape)));
  if (!requires_grad && impl.grad_fn)
    throw Error("requires_grad_: cannot turn off requires_grad of a non-leaf tensor (" +
                std::string(impl.grad_fn->name()) + "); use detach()");
  impl.requires_grad = requires_grad;
  return *this;
}

bool Tensor::requires_grad() const { return checked(*this, "requires_grad").requires_grad; }
bool Tensor::is_leaf() const { return checked(*this, "is_leaf").grad_fn == nullptr; }
Tensor Tensor::grad() const { return checked(*this, "grad").grad; }
void Tensor::set_grad(const Tensor& g) {
  checked(*this, "set_grad");
  if (g.defined() && g.shape() != shape())
    throw Error(fmt::format("set_grad: gradient of shape {} for a tensor of shape {}", shape_str(g.shape()),
                            shape_str(shape())));
  impl()->grad = g;
}
Tensor& Tensor::mutable_grad() { return impl()->grad; }
bool Tensor::retains_grad() const { return checked(*this, "retains_grad").retains_grad; }

void Tensor::retain_grad() {
  TensorImpl& impl = checked(*this, "retain_grad");
  if (!impl.requires_grad) throw Error("retain_grad: the tensor does not require grad");
  if (!impl.grad_fn) return;  // leaves keep their gradient anyway
  impl.grad_fn->retained = impl_;
  impl.retains_grad = true;
}

std::string Tensor::grad_fn_name() const {
  const TensorImpl& impl = checked(*this, "grad_fn_name");
  return impl.grad_fn ? impl.grad_fn->name() : "";
}
GradFn Tensor::grad_fn() const { return checked(*this, "grad_fn").grad_fn; }

void Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) {
  TensorImpl& impl = checked(*this, "register_hook");
  if (!impl.requires_grad)
    throw Error("register_hook: cannot register a hook on a tensor that does not require grad");
  if (impl.grad_fn)
    impl.grad_fn->pre_hooks.push_back(std::move(hook));
  else
    impl.leaf_hooks.push_back(std::move(hook));
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph);
}

}  // namespace xgrad
