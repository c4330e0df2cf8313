// Gradient clipping over raw buffers. Norms are accumulated in double whatever the dtype.
#include "xgrad/optim/clip_grad.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "update_common.hpp"
#include "xgrad/error.hpp"

namespace xgrad::nn::utils {

namespace {

// The defined gradients of `parameters`, checked to be floating point.
std::vector<Tensor> gradients(const std::vector<Tensor>& parameters, const char* op) {
  std::vector<Tensor> grads;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (!parameters[i].defined()) throw Error(fmt::format("{}: parameter {} is an undefined tensor", op, i));
    Tensor g = parameters[i].grad();
    if (!g.defined()) continue;
    if (g.dtype() != kFloat32 && g.dtype() != kFloat64)
      throw Error(fmt::format("{}: the gradient of parameter {} has dtype {}; only float32 and float64 are supported",
                              op, i, dtype_name(g.dtype())));
    grads.push_back(std::move(g));
  }
  return grads;
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  if (!(norm_type > 0))
    throw Error(fmt::format("clip_grad_norm_: norm_type must be a positive number or infinity, got {}", norm_type));
  const std::vector<Tensor> grads = gradients(parameters, "clip_grad_norm_");
  if (grads.empty()) return 0.0;
  const bool inf_norm = std::isinf(norm_type);
  double acc = 0.0;
  bool saw_nan = false;
  for (const Tensor& g : grads) {
    optim::detail::dispatch_floating(g.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* x = g.data_ptr<T>();
      // Each fixed block of the gradient gives its part of the norm on some thread; the parts are
      // then combined in block order, so the total is the same on any number of threads.
      const auto part = [&](std::int64_t begin, std::int64_t end) {
        double block = 0.0;
        if (inf_norm) {
          for (std::int64_t i = begin; i < end; ++i) {
            const double a = std::abs(static_cast<double>(x[i]));
            block = std::isnan(a) || a > block ? a : block;
          }
        } else if (norm_type == 2.0) {
          for (std::int64_t i = begin; i < end; ++i) block += static_cast<double>(x[i]) * static_cast<double>(x[i]);
        } else if (norm_type == 1.0) {
          for (std::int64_t i = begin; i < end; ++i) block += std::abs(static_cast<double>(x[i]));
        } else {
          for (std::int64_t i = begin; i < end; ++i) block += std::pow(std::abs(static_cast<double>(x[i])), norm_type);
        }
        return block;
      };
      for (const double block : optim::detail::block_parts(g.numel(), part)) {
        if (inf_norm) {
          saw_nan |= std::isnan(block);
          acc = std::max(acc, block);
        } else {
          acc += block;
        }
      }
    });
  }
  double total = inf_norm ? acc : (norm_type == 2.0 ? std::sqrt(acc) : std::pow(acc, 1.0 / norm_type));
  if (saw_nan) total = std::numeric_limits<double>::quiet_NaN();
  if (error_if_nonfinite && !std::isfinite(total))
    throw Error(fmt::format("clip_grad_norm_: the total norm of order {} of the gradients of {} parameters is "
                            "non-finite ({}), so they cannot be clipped; pass error_if_nonfinite=false to scale them "
                            "by it anyway",
                            norm_type, grads.size(), total));
  // torch's coefficient; a NaN total gives a NaN coefficient and NaN gradients, as in torch.
  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  const double clamped = std::isnan(total) ? total : coef;
  if (clamped == 1.0) return total;  // multiplying by one changes nothing
  for (const Tensor& g : grads) {
    optim::detail::dispatch_floating(g.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* x = g.data_ptr<T>();
      const T c = static_cast<T>(clamped);
      optim::detail::for_each_range(g.numel(), [&](std::int64_t first, std::int64_t count) {
        for (std::int64_t i = first; i < first + count; ++i) x[i] *= c;
      });
    });
    g.bump_version();
  }
  return total;
}

double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type, bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  if (std::isnan(clip_value)) throw Error("clip_grad_value_: clip_value is NaN");
  for (const Tensor& g : gradients(parameters, "clip_grad_value_")) {
    optim::detail::dispatch_floating(g.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* x = g.data_ptr<T>();
      const T hi = static_cast<T>(clip_value), lo = -hi;
      optim::detail::for_each_range(g.numel(), [&](std::int64_t first, std::int64_t count) {
        for (std::int64_t i = first; i < first + count; ++i) x[i] = std::min(std::max(x[i], lo), hi);
      });
    });
    g.bump_version();
  }
}

void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

}  // namespace xgrad::nn::utils
