// Multi-class losses: argument checks, layouts and reductions. With class indices, nll_loss runs the
// fused op xgrad::fused::nll_rows (ops/src/fused_losses.cpp, with its rule) and cross_entropy runs it
// over log_softmax, as torch; probability targets are a composition and need no rule of their own.
#include <cmath>
#include <limits>
#include <vector>

#include "loss_common.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/fused_losses.hpp"
#include "xgrad/indexing.hpp"
#include "xgrad/nn/functional.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad::nn {

namespace {

// The input as rows [M, C] (class dimension last) and the class-index target as [M].
struct ClassRows {
  Tensor rows;
  Tensor target;
  std::int64_t classes = 0;
};

std::int64_t class_dim(const Tensor& input) { return input.dim() == 1 ? 0 : 1; }

Shape without_class_dim(const Tensor& input) {
  Shape s = input.shape();
  s.erase(s.begin() + class_dim(input));
  return s;
}

void check_input(const char* loss, const Tensor& input, const Tensor& target) {
  detail::check_defined(loss, input, target);
  if (input.dim() == 0)
    throw Error(
        fmt::format("{}: input must have a class dimension ([C], [N, C] or [N, C, d1, ...]), got shape []", loss));
  detail::check_floating(loss, "input", input);
  if (input.size(class_dim(input)) == 0)
    throw Error(fmt::format("{}: input of shape {} has no classes", loss, shape_str(input.shape())));
}

// Checks a class-index target against the input and flattens both to rows.
ClassRows to_rows(const char* loss, const Tensor& input, const Tensor& target, std::int64_t ignore_index) {
  const Shape expected = without_class_dim(input);
  if (target.dtype() != kInt64)
    throw Error(fmt::format("{}: class-index target must be int64, got {} of shape {} for input of shape {}", loss,
                            dtype_name(target.dtype()), shape_str(target.shape()), shape_str(input.shape())));
  if (target.shape() != expected)
    throw Error(fmt::format("{}: target of shape {} does not match input of shape {} (class indices need shape {})",
                            loss, shape_str(target.shape()), shape_str(input.shape()), shape_str(expected)));
  ClassRows r;
  r.classes = input.size(class_dim(input));
  if (input.dim() <= 2) {
    r.rows = input.dim() == 1 ? reshape(input, {1, r.classes}) : input;
  } else {
    std::vector<std::int64_t> order{0};
    for (std::int64_t d = 2; d < input.dim(); ++d) order.push_back(d);
    order.push_back(1);
    r.rows = reshape(permute(input, order), {-1, r.classes});
  }
  r.target = reshape(target.detach(), {-1}).clone();  // a private copy: later edits of the labels cannot reach backward
  const std::int64_t* y = r.target.data_ptr<std::int64_t>();
  for (std::int64_t i = 0, n_ = r.target.numel(); i < n_; ++i)
    if (y[i] != ignore_index && (y[i] < 0 || y[i] >= r.classes))
      throw Error(fmt::format("{}: target {} is out of range for {} classes (input shape {}, target shape {})", loss,
                              y[i], r.classes, shape_str(input.shape()), shape_str(target.shape())));
  return r;
}

// The class weight as a constant [C] tensor of `dtype` (weights get no gradient, as in torch).
Tensor class_weight(const char* loss, const Tensor& weight, std::int64_t classes, Dtype dtype) {
  if (!weight.defined()) return weight;
  detail::check_floating(loss, "weight", weight);
  if (weight.dim() != 1 || weight.size(0) != classes)
    throw Error(fmt::format("{}: weight of shape {} must have one entry per class ([{}])", loss,
                            shape_str(weight.shape()), classes));
  return weight.detach().to(dtype).clone();  // a private constant, like the labels
}

// Class-probability targets (soft labels): −Σ_c w_c·t_c·log_softmax(x)_c per sample, composed.
Tensor cross_entropy_probabilities(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& o) {
  const std::int64_t cdim = class_dim(input), classes = input.size(cdim);
  const Tensor weight = class_weight("cross_entropy", o.weight, classes, input.dtype());
  const Tensor t = o.label_smoothing > 0
                       ? target * (1.0 - o.label_smoothing) + o.label_smoothing / static_cast<double>(classes)
                       : target;
  Tensor prod = log_softmax(input, cdim) * t;
  if (weight.defined()) {
    Shape bshape(static_cast<std::size_t>(input.dim()), 1);
    bshape[cdim] = classes;
    prod = prod * reshape(weight, bshape);
  }
  if (o.reduction == "none") return -sum(prod, {cdim});
  if (o.reduction == "sum") return -sum(prod);
  return -sum(prod) / static_cast<double>(input.numel() / classes);
}

// The weighted mean Σ losses / Σ weights. With every row ignored (a padding-only batch) the value is
// 0/0 = NaN as torch's, but the gradient is 0 as torch's, not NaN: the NaN is added as a constant to
// Σ losses, whose ignored rows already have zero gradient.
Tensor mean_over_weight(const Tensor& losses, double total_weight) {
  if (total_weight == 0) return sum(losses) + std::numeric_limits<double>::quiet_NaN();
  return sum(losses) / total_weight;
}

}  // namespace

namespace functional {

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options) {
  // The row kernels read dense buffers; a strided view goes through a recorded copy.
  if (input.defined() && target.defined() && !(input.is_contiguous() && target.is_contiguous()))
    return cross_entropy(input.contiguous(), target.contiguous(), options);
  const char* loss = "cross_entropy";
  detail::check_reduction(loss, options.reduction);
  check_input(loss, input, target);
  if (!(options.label_smoothing >= 0.0 && options.label_smoothing <= 1.0))
    throw Error(fmt::format("cross_entropy: label_smoothing must be in [0, 1], got {}", options.label_smoothing));
  if (target.is_floating_point()) {
    if (target.shape() != input.shape())
      throw Error(
          fmt::format("cross_entropy: floating target of shape {} for input of shape {}: class indices must "
                      "be int64 of shape {}, class probabilities floating of the input's shape",
                      shape_str(target.shape()), shape_str(input.shape()), shape_str(without_class_dim(input))));
    // A probability target has no class index to ignore; torch refuses any but the default.
    if (options.ignore_index != -100)
      throw Error(fmt::format("cross_entropy: ignore_index {} is not supported for class-probability (floating) "
                              "targets of shape {}; leave it at -100 or pass int64 class indices",
                              options.ignore_index, shape_str(target.shape())));
    return cross_entropy_probabilities(input, target, options);
  }
  const ClassRows r = to_rows(loss, input, target, options.ignore_index);
  const Tensor weight = class_weight(loss, options.weight, r.classes, input.dtype());
  double total_weight = 0;
  const Tensor losses =
      fused::cross_entropy_rows(r.rows, r.target, weight, options.ignore_index, options.label_smoothing, total_weight);
  if (options.reduction == "none") return reshape(losses, target.shape());
  if (options.reduction == "sum") return sum(losses);
  return mean_over_weight(losses, total_weight);
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options) {
  // The row kernels read dense buffers; a strided view goes through a recorded copy.
  if (input.defined() && target.defined() && !(input.is_contiguous() && target.is_contiguous()))
    return nll_loss(input.contiguous(), target.contiguous(), options);
  const char* loss = "nll_loss";
  detail::check_reduction(loss, options.reduction);
  check_input(loss, input, target);
  const ClassRows r = to_rows(loss, input, target, options.ignore_index);
  const Tensor weight = class_weight(loss, options.weight, r.classes, input.dtype());
  double total_weight = 0;
  const Tensor losses = fused::nll_rows(r.rows, r.target, weight, options.ignore_index, 0.0, total_weight);
  if (options.reduction == "none") return reshape(losses, target.shape());
  if (options.reduction == "sum") return sum(losses);
  return mean_over_weight(losses, total_weight);
}

}  // namespace functional

const std::vector<std::string>& registered_backward_names() { return fused::backward_names(); }

}  // namespace xgrad::nn
