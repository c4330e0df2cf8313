// Binary cross-entropy on probabilities and on logits: argument checks, weights and reductions around
// the fused elementwise ops (xgrad::fused, ops/src/fused_losses.cpp, with their rules). The weight
// multiplies outside the fused op, so its gradient comes for free.
#include <algorithm>
#include <cmath>

#include "loss_common.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/broadcast.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/fused_losses.hpp"
#include "xgrad/nn/functional.hpp"
#include "xgrad/visit_dtype.hpp"

namespace xgrad::nn {

namespace {

// Operands converted (differentiably) to one floating dtype, so the fused kernels see one type.
Dtype common_dtype(const Tensor& a, const Tensor& b) {
  const Dtype d = promote_types(a.dtype(), b.dtype());
  return is_floating_point(d) ? d : kFloat32;
}

void check_probabilities(const Tensor& x_in) {
  const Tensor x = x_in.detach().contiguous();
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* v = x.data_ptr<T>();
      for (std::int64_t i = 0, n_ = x.numel(); i < n_; ++i)
        if (!(v[i] >= T(0) && v[i] <= T(1)))
          throw Error(
              fmt::format("binary_cross_entropy: input values must be probabilities in [0, 1], found {} at "
                          "element {} of input shape {} (use binary_cross_entropy_with_logits for logits)",
                          static_cast<double>(v[i]), i, shape_str(x.shape())));
    }
  });
}

// weight · losses, the weight broadcast to the losses' shape (never the other way round).
Tensor apply_weight(const char* loss, const char* what, const Tensor& losses, const Tensor& weight) {
  if (!weight.defined()) return losses;
  detail::check_floating(loss, what, weight);
  if (!is_expandable_to(weight.shape(), losses.shape()))
    throw Error(fmt::format("{}: {} of shape {} does not broadcast to input of shape {}", loss, what,
                            shape_str(weight.shape()), shape_str(losses.shape())));
  return losses * weight;
}

}  // namespace

namespace functional {

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& options) {
  detail::check_reduction("binary_cross_entropy", options.reduction);
  detail::check_same_shape("binary_cross_entropy", input, target);
  detail::check_floating("binary_cross_entropy", "input", input);
  detail::check_floating("binary_cross_entropy", "target", target);
  const Dtype dtype = common_dtype(input, target);
  const Tensor x = input.to(dtype), t = target.to(dtype);
  check_probabilities(x);
  const Tensor losses = apply_weight("binary_cross_entropy", "weight", fused::binary_cross_entropy(x, t), options.weight);
  return detail::reduce(losses, options.reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options) {
  const char* loss = "binary_cross_entropy_with_logits";
  detail::check_reduction(loss, options.reduction);
  detail::check_same_shape(loss, input, target);
  detail::check_floating(loss, "input", input);
  detail::check_floating(loss, "target", target);
  const Dtype dtype = common_dtype(input, target);
  const Tensor x = input.to(dtype), t = target.to(dtype);
  Tensor p;
  if (options.pos_weight.defined()) {
    detail::check_floating(loss, "pos_weight", options.pos_weight);
    if (!is_expandable_to(options.pos_weight.shape(), x.shape()))
      throw Error(fmt::format("{}: pos_weight of shape {} does not broadcast to input of shape {}", loss,
                              shape_str(options.pos_weight.shape()), shape_str(x.shape())));
    p = expand(options.pos_weight.to(dtype), x.shape());  // ExpandBackward0 sums its gradient back
  }
  const Tensor losses = apply_weight(loss, "weight", fused::binary_cross_entropy_with_logits(x, t, p), options.weight);
  return detail::reduce(losses, options.reduction);
}

}  // namespace functional
}  // namespace xgrad::nn
