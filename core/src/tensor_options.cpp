// Device, TensorOptions and the factories that take them: thin layers over factories.cpp that check
// the device first, so a CUDA request fails loudly instead of silently computing on the CPU.
#include "xgrad/tensor_options.hpp"

#include <fmt/format.h>

#include <ostream>
#include <vector>

#include "xgrad/error.hpp"

namespace xgrad {

Device::Device(DeviceType type, std::int8_t index) : type_(type), index_(index) {
  if (index < -1) throw Error(fmt::format("Device: index {} is negative", index));
  if (type == DeviceType::CPU && index > 0)
    throw Error(fmt::format("Device: the CPU device has index 0 or none, not {}", index));
}

namespace {
Device parse_device(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  DeviceType type;
  if (kind == "cpu")
    type = DeviceType::CPU;
  else if (kind == "cuda")
    type = DeviceType::CUDA;
  else
    throw Error(fmt::format("Device: '{}' names no device type (expected 'cpu', 'cuda' or 'cuda:<index>')", spec));
  if (colon == std::string::npos) return Device(type);
  const std::string digits = spec.substr(colon + 1);
  if (digits.empty() || digits.size() > 2 || digits.find_first_not_of("0123456789") != std::string::npos)
    throw Error(fmt::format("Device: '{}' has no valid index after ':'", spec));
  return Device(type, static_cast<std::int8_t>(std::stoi(digits)));
}
}  // namespace

Device::Device(const std::string& spec) : Device(parse_device(spec)) {}

std::string Device::str() const {
  std::string s = is_cpu() ? "cpu" : "cuda";
  if (has_index()) s += ":" + std::to_string(index_);
  return s;
}

std::ostream& operator<<(std::ostream& os, const Device& device) { return os << device.str(); }
std::ostream& operator<<(std::ostream& os, DeviceType type) { return os << (type == kCPU ? "cpu" : "cuda"); }

void check_cpu_device(const char* op, const Device& device) {
  if (!device.is_cpu())
    throw Error(fmt::format("{}: device {} requested, but xgrad computes on the CPU only "
                            "(cuda::is_available() is false)",
                            op, device.str()));
}

std::ostream& operator<<(std::ostream& os, const SizeList& sizes) {
  os << '[';
  for (std::size_t i = 0; i < sizes.size(); ++i) os << (i ? ", " : "") << sizes[i];
  return os << ']';
}

TensorOptions TensorOptions::dtype(Dtype dtype) const {
  TensorOptions o = *this;
  o.dtype_ = dtype;
  return o;
}
TensorOptions TensorOptions::device(Device device) const {
  TensorOptions o = *this;
  o.device_ = device;
  return o;
}
TensorOptions TensorOptions::requires_grad(bool requires_grad) const {
  TensorOptions o = *this;
  o.requires_grad_ = requires_grad;
  return o;
}

namespace {
// requires_grad applied to a fresh tensor (which throws for integer dtypes).
Tensor finish(const TensorOptions& options, Tensor t) {
  if (options.requires_grad()) t.requires_grad_();
  return t;
}
const TensorOptions& checked(const char* op, const TensorOptions& options) {
  check_cpu_device(op, options.device());
  return options;
}
}  // namespace

Tensor empty(const Shape& shape, const TensorOptions& o) {
  return finish(o, empty(shape, checked("empty", o).dtype()));
}
Tensor zeros(const Shape& shape, const TensorOptions& o) {
  return finish(o, zeros(shape, checked("zeros", o).dtype()));
}
Tensor ones(const Shape& shape, const TensorOptions& o) {
  return finish(o, ones(shape, checked("ones", o).dtype()));
}
Tensor full(const Shape& shape, double value, const TensorOptions& o) {
  return finish(o, full(shape, value, checked("full", o).dtype()));
}
Tensor rand(const Shape& shape, const TensorOptions& o) {
  return finish(o, rand(shape, checked("rand", o).dtype()));
}
Tensor randn(const Shape& shape, const TensorOptions& o) {
  return finish(o, randn(shape, checked("randn", o).dtype()));
}
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, const TensorOptions& o) {
  // torch's randint defaults to int64 when no dtype is given.
  return finish(o, randint(low, high, shape, o.has_dtype() ? checked("randint", o).dtype() : kInt64));
}
Tensor arange(double start, double end, double step, const TensorOptions& o) {
  return finish(o, arange(start, end, step, checked("arange", o).dtype()));
}
Tensor arange(double end, const TensorOptions& o) {
  return finish(o, arange(end, checked("arange", o).dtype()));
}
Tensor linspace(double start, double end, std::int64_t steps, const TensorOptions& o) {
  return finish(o, linspace(start, end, steps, checked("linspace", o).dtype()));
}
Tensor zeros_like(const Tensor& t, const TensorOptions& o) {
  return finish(o, zeros_like(t, checked("zeros_like", o).has_dtype() ? o.dtype() : t.dtype()));
}
Tensor ones_like(const Tensor& t, const TensorOptions& o) {
  return finish(o, ones_like(t, checked("ones_like", o).has_dtype() ? o.dtype() : t.dtype()));
}

Tensor tensor(std::initializer_list<double> values, const TensorOptions& o) {
  const std::vector<double> v(values);
  return finish(o, tensor(v, Shape{static_cast<std::int64_t>(v.size())}, checked("tensor", o).dtype()));
}
Tensor tensor(std::initializer_list<int> values, const TensorOptions& o) {
  const std::vector<double> v(values.begin(), values.end());
  const Dtype dtype = checked("tensor", o).has_dtype() ? o.dtype() : kInt64;
  return finish(o, tensor(v, Shape{static_cast<std::int64_t>(v.size())}, dtype));
}
Tensor tensor(double value, const TensorOptions& o) {
  return finish(o, scalar_tensor(value, checked("tensor", o).dtype()));
}

}  // namespace xgrad
