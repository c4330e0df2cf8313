// Tensor's own methods: accessors, in-place updates and the autograd record.
#include "xgrad/tensor.hpp"

#include <cmath>
#include <random>
#include <string_view>

#include <fmt/format.h>

#include "counter_bernoulli.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/detail/broadcast_iter.hpp"
#include "xgrad/detail/inplace.hpp"
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

}  // namespace

const Shape& Tensor::shape() const { return checked(*this, "shape").shape; }
std::int64_t Tensor::size(std::int64_t d) const { return shape()[wrap_dim("size", d, dim())]; }
std::int64_t Tensor::dim() const { return static_cast<std::int64_t>(shape().size()); }
std::int64_t Tensor::numel() const { return checked(*this, "numel").numel; }
Dtype Tensor::dtype() const { return checked(*this, "dtype").dtype; }
bool Tensor::is_floating_point() const { return xgrad::is_floating_point(dtype()); }
std::uint32_t Tensor::version() const { return checked(*this, "version").storage->version; }
SizeList Tensor::strides() const { return checked(*this, "strides").strides(); }
std::int64_t Tensor::stride(std::int64_t d) const { return strides()[wrap_dim("stride", d, dim())]; }
std::int64_t Tensor::storage_offset() const { return checked(*this, "storage_offset").storage_offset; }
bool Tensor::is_contiguous() const { return checked(*this, "is_contiguous").contiguous; }
bool Tensor::is_view() const { return checked(*this, "is_view").view_base != nullptr; }
bool Tensor::is_alias_of(const Tensor& other) const {
  return checked(*this, "is_alias_of").storage == checked(other, "is_alias_of").storage;
}

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
  checked(*this, "to_vector");
  const Tensor values_tensor = dense(*this);
  const TensorImpl& impl = *values_tensor.impl();
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
  return make_strided(*this, impl.shape, impl.strides(), impl.storage_offset);
}

// bernoulli_ is a raw fill (dropout's masks): never recorded, refused on a leaf that requires grad.
Tensor& Tensor::bernoulli_(double p) {
  check_writable(*this, "bernoulli_");
  if (GradMode::is_enabled() && requires_grad())
    throw Error(fmt::format("bernoulli_: a tensor that requires grad (shape {}) cannot be refilled while grad mode "
                            "is on; wrap the call in xgrad::NoGradGuard",
                            shape_str(shape())));
  if (!(p >= 0.0 && p <= 1.0))
    throw Error(fmt::format("bernoulli_: probability p must be in [0, 1], got {} (tensor of shape {})", p,
                            shape_str(shape())));
  Tensor draws = is_contiguous() ? *this : make_tensor(shape(), dtype(), "bernoulli_");
  const std::uint64_t key = Generator::global().with_engine([](std::mt19937_64& engine) { return engine(); });
  dispatch(dtype(), [&](auto tag) { detail::bernoulli_fill(contiguous_data<decltype(tag)>(draws), numel(), p, key); });
  if (!draws.is_same(*this)) detail::raw_copy_(*this, draws);  // bumps the version itself
  else bump_version();
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
  impl.grad_fn->output_hooks().retained = impl_;
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
    impl.grad_fn->output_hooks().pre_hooks.push_back(std::move(hook));
  else
    impl.leaf_hooks.push_back(std::move(hook));
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph);
}

}  // namespace xgrad
