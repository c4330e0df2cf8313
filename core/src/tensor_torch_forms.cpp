// Tensor methods under libtorch's names that only touch the tensor's own record, not an op (so
// core's custom functions can use them): detach_, data, set_data, options, device, to(device).
#include <fmt/format.h>

#include <string>
#include <string_view>

#include "xgrad/detail/node.hpp"
#include "xgrad/detail/tensor_impl.hpp"
#include "xgrad/error.hpp"
#include "xgrad/tensor_options.hpp"

namespace xgrad {

Tensor& Tensor::detach_() {
  if (!defined()) throw Error("detach_: the tensor is undefined");
  TensorImpl& self = *impl();
  if (self.grad_fn) release_node(std::move(self.grad_fn));
  self.grad_fn = nullptr;
  self.requires_grad = false;
  self.retains_grad = false;
  return *this;
}

Tensor Tensor::data() const {
  if (!defined()) throw Error("data: the tensor is undefined");
  return detach();
}

void Tensor::set_data(const Tensor& new_data) {
  if (!defined() || !new_data.defined()) throw Error("set_data: both tensors must be defined");
  TensorImpl& self = *impl();
  if (self.requires_grad && !xgrad::is_floating_point(new_data.dtype()))
    throw Error(fmt::format("set_data: a tensor that requires grad cannot take data of dtype {}",
                            dtype_name(new_data.dtype())));
  // Gradients already accumulated or saved keep the old storage; this tensor reads the new one.
  const TensorImpl& src = *new_data.impl();
  self.storage = src.storage;
  self.shape = src.shape;
  self.explicit_strides = src.explicit_strides;
  self.storage_offset = src.storage_offset;
  self.contiguous = src.contiguous;
  self.numel = src.numel;
  self.dtype = src.dtype;
  self.view_base = nullptr;
}

TensorOptions Tensor::options() const {
  if (!defined()) throw Error("options: the tensor is undefined");
  return TensorOptions().dtype(dtype()).device(Device(kCPU)).requires_grad(requires_grad());
}

Device Tensor::device() const {
  if (!defined()) throw Error("device: the tensor is undefined");
  return Device(kCPU);
}
Tensor Tensor::to(Device device) const {
  check_cpu_device("to", device);
  return *this;
}
Tensor Tensor::to(Device device, Dtype dtype) const {
  check_cpu_device("to", device);
  return to(dtype);
}

}  // namespace xgrad

namespace xgrad {

namespace {
// torch's name for `node`. xgrad's rules carry torch's numbered names ("MulBackward0" for two tensors,
// "MulBackward1" for a tensor and a scalar); a few fused ops of xgrad are other nodes in torch, and
// users' own functions (named freely) are CppNode<T> there.
std::string torch_node_name(const Node& node) {
  const std::string_view n(node.name());
  if (n == "LinearBackward0") return "AddmmBackward0";        // linear on a matrix with a bias
  if (n == "NarrowBackward0") return "SliceBackward0";
  if (n == "AccumulateGrad" || n == "CopySlices" || n == "CopyBackwards") return std::string(n);
  const bool numbered = !n.empty() && n.back() >= '0' && n.back() <= '9';
  if (numbered && n.find("Backward") != std::string_view::npos) return std::string(n);
  return "torch::autograd::CppNode<" + std::string(n) + ">";  // a custom function, named by its type
}
}  // namespace

std::string GradFn::name() const {
  if (!node_) throw Error("grad_fn: the tensor has no grad_fn (a leaf, or made without recording)");
  return torch_node_name(*node_);
}

}  // namespace xgrad
