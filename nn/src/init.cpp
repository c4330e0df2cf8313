// torch.nn.init: fans and gains decide a scale; the values come from rand/randn (the global
// generator) and are copied in under no_grad, so parameters that require grad can be initialized.
#include "xgrad/nn/init.hpp"

#include <cmath>

#include <fmt/format.h>

#include "xgrad/arithmetic.hpp"
#include "xgrad/error.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"

namespace xgrad::nn::init {

namespace {

Tensor& checked(const char* fn, Tensor& t) {
  if (!t.defined()) throw Error(fmt::format("init::{}: the tensor is undefined", fn));
  if (!t.is_floating_point())
    throw Error(fmt::format("init::{}: expected a floating-point tensor, got {} of shape {}", fn, dtype_name(t.dtype()),
                            shape_str(t.shape())));
  return t;
}

// Copies `values` (float64) into t without recording; copy_ converts to t's dtype.
Tensor fill_from(Tensor& t, const Tensor& values) {
  NoGradGuard no_grad;
  t.copy_(values);
  return t;
}

// Fans of t, with errors naming the init function that asked (not a generic "init:").
std::pair<double, double> fans(const char* fn, const Tensor& t) {
  if (t.dim() < 2)
    throw Error(
        fmt::format("init::{}: fan in and fan out cannot be computed for a tensor of shape {} (fewer than 2 "
                    "dimensions)",
                    fn, shape_str(t.shape())));
  double receptive = 1;
  for (std::int64_t d = 2; d < t.dim(); ++d) receptive *= static_cast<double>(t.size(d));
  return {static_cast<double>(t.size(1)) * receptive, static_cast<double>(t.size(0)) * receptive};
}

double fan_for(const char* fn, const Tensor& t, const std::string& mode) {
  const auto [fan_in, fan_out] = fans(fn, t);
  if (mode == "fan_in") return fan_in;
  if (mode == "fan_out") return fan_out;
  throw Error(fmt::format("init::{}: mode must be 'fan_in' or 'fan_out', got '{}'", fn, mode));
}

void check_fan(const char* fn, const Tensor& t, double fan) {
  if (fan == 0) throw Error(fmt::format("init::{}: a tensor of shape {} has a zero fan", fn, shape_str(t.shape())));
}

}  // namespace

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity.starts_with("conv")) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "selu") return 3.0 / 4.0;
  if (nonlinearity == "leaky_relu") {
    const double slope = param < 0 ? 0.01 : param;
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  throw Error(fmt::format("init::calculate_gain: unsupported nonlinearity '{}'", nonlinearity));
}

std::pair<double, double> calculate_fan_in_and_fan_out(const Tensor& t) {
  if (!t.defined()) throw Error("init::calculate_fan_in_and_fan_out: the tensor is undefined");
  return fans("calculate_fan_in_and_fan_out", t);
}

Tensor uniform_(Tensor t, double a, double b) {
  checked("uniform_", t);
  if (!(a <= b)) throw Error(fmt::format("init::uniform_: lower bound {} is greater than upper bound {}", a, b));
  return fill_from(t, rand(t.shape(), kFloat64) * (b - a) + a);
}

Tensor normal_(Tensor t, double mean, double std) {
  checked("normal_", t);
  if (!(std >= 0)) throw Error(fmt::format("init::normal_: std must be non-negative, got {}", std));
  return fill_from(t, randn(t.shape(), kFloat64) * std + mean);
}

Tensor constant_(Tensor t, double value) {
  checked("constant_", t);
  NoGradGuard no_grad;
  t.fill_(value);
  return t;
}
Tensor zeros_(Tensor t) { return constant_(std::move(t), 0.0); }
Tensor ones_(Tensor t) { return constant_(std::move(t), 1.0); }

Tensor xavier_uniform_(Tensor t, double gain) {
  checked("xavier_uniform_", t);
  if (t.numel() == 0) return t;  // as torch: initializing a zero-element tensor is a no-op
  const auto [fan_in, fan_out] = fans("xavier_uniform_", t);
  check_fan("xavier_uniform_", t, fan_in + fan_out);
  const double a = gain * std::sqrt(6.0 / (fan_in + fan_out));
  return uniform_(std::move(t), -a, a);
}

Tensor xavier_normal_(Tensor t, double gain) {
  checked("xavier_normal_", t);
  if (t.numel() == 0) return t;  // as torch: initializing a zero-element tensor is a no-op
  const auto [fan_in, fan_out] = fans("xavier_normal_", t);
  check_fan("xavier_normal_", t, fan_in + fan_out);
  return normal_(std::move(t), 0.0, gain * std::sqrt(2.0 / (fan_in + fan_out)));
}

Tensor kaiming_uniform_(Tensor t, double a, const std::string& mode, const std::string& nonlinearity) {
  checked("kaiming_uniform_", t);
  if (t.numel() == 0) return t;  // as torch: initializing a zero-element tensor is a no-op
  const double fan = fan_for("kaiming_uniform_", t, mode);
  check_fan("kaiming_uniform_", t, fan);
  const double bound = calculate_gain(nonlinearity, a) * std::sqrt(3.0 / fan);
  return uniform_(std::move(t), -bound, bound);
}

Tensor kaiming_normal_(Tensor t, double a, const std::string& mode, const std::string& nonlinearity) {
  checked("kaiming_normal_", t);
  if (t.numel() == 0) return t;  // as torch: initializing a zero-element tensor is a no-op
  const double fan = fan_for("kaiming_normal_", t, mode);
  check_fan("kaiming_normal_", t, fan);
  return normal_(std::move(t), 0.0, calculate_gain(nonlinearity, a) / std::sqrt(fan));
}

}  // namespace xgrad::nn::init
