// Binary cross-entropy on probabilities and on logits. Each is one fused elementwise op (exact,
// stable forward) whose backward is written in differentiable ops, so create_graph works:
//   bce(x, t)            = −(t·max(log x, −100) + (1−t)·max(log(1−x), −100))
//     d/dx = (x − t) / max(x(1−x), 1e−12)          d/dt = max(log(1−x), −100) − max(log x, −100)
//   bce_logits(x, t, p)  = (1−t)·x + (1 + (p−1)·t)·softplus(−x)
//     d/dx = (1 + (p−1)·t)·σ(x) − p·t   d/dt = (p−1)·softplus(−x) − x   d/dp = t·softplus(−x)
// The weight multiplies outside the fused op, so its gradient comes for free.
#include <algorithm>
#include <cmath>

#include "elementwise_kernel.hpp"
#include "loss_common.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/broadcast.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/nn/functional.hpp"
#include "xgrad/record_backward.hpp"
#include "xgrad/visit_dtype.hpp"

namespace xgrad::nn {

namespace {

// log(1 + e^z), exact for every z (torch's softplus switches to z above a threshold; this never
// does, which BCE-with-logits needs for 1e−12 agreement). Backward g·σ(z).
Tensor log1p_exp(const Tensor& z) {
  Tensor out = detail::map_elementwise(z, [](auto v) {
    using T = decltype(v);
    return v > T(0) ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
  });
  if (autograd::should_record({&z}))
    autograd::record_backward("LogOnePlusExpBackward", out, {&z},
           [sz = SavedTensor(z)](const Tensor& g) { return Grads{g * sigmoid(sz.get())}; });
  return out;
}

// Operands converted (differentiably) to one floating dtype, so the fused kernels see one type.
Dtype common_dtype(const Tensor& a, const Tensor& b) {
  const Dtype d = promote_types(a.dtype(), b.dtype());
  return is_floating_point(d) ? d : kFloat32;
}

Tensor bce_elementwise(const Tensor& x, const Tensor& t) {
  Tensor out = detail::map_elementwise(
      x,
      [](auto xv, auto tv) {
        using T = decltype(xv);
        return (tv - T(1)) * std::max(std::log1p(-xv), T(-100)) - tv * std::max(std::log(xv), T(-100));
      },
      t);
  if (autograd::should_record({&x, &t})) {
    autograd::record_backward("BinaryCrossEntropyBackward", out, {&x, &t},
           [sx = SavedTensor(x), st = SavedTensor(t), need_x = x.requires_grad(),
            need_t = t.requires_grad()](const Tensor& g) {
             const Tensor& xv = sx.get();
             const Tensor& tv = st.get();
             Tensor gx, gt;
             if (need_x) gx = g * (xv - tv) / clamp_min(xv * (1.0 - xv), 1e-12);
             if (need_t) gt = g * (clamp_min(log1p(-xv), -100.0) - clamp_min(log(xv), -100.0));
             return Grads{gx, gt};
           });
  }
  return out;
}

// pos_weight undefined: p = 1.
Tensor bce_logits_elementwise(const Tensor& x, const Tensor& t, const Tensor& p) {
  auto softplus_neg = [](auto v) {  // log(1 + e^−v) = max(−v, 0) + log1p(e^−|v|)
    using T = decltype(v);
    return std::max(-v, T(0)) + std::log1p(std::exp(-std::abs(v)));
  };
  Tensor out;
  if (p.defined()) {
    out = detail::map_elementwise(
        x,
        [&](auto xv, auto tv, auto pv) {
          using T = decltype(xv);
          return (T(1) - tv) * xv + (T(1) + (pv - T(1)) * tv) * softplus_neg(xv);
        },
        t, p);
  } else {
    out = detail::map_elementwise(
        x, [&](auto xv, auto tv) { return (decltype(xv)(1) - tv) * xv + softplus_neg(xv); }, t);
  }
  if (autograd::should_record({&x, &t, &p})) {
    autograd::record_backward("BinaryCrossEntropyWithLogitsBackward", out, {&x, &t, &p},
           [sx = SavedTensor(x), st = SavedTensor(t), sp = p.defined() ? SavedTensor(p) : SavedTensor(),
            need_x = x.requires_grad(), need_t = t.requires_grad(),
            need_p = p.defined() && p.requires_grad()](const Tensor& g) {
             const Tensor& xv = sx.get();
             const Tensor& tv = st.get();
             Tensor gx, gt, gp;
             if (!sp.defined()) {
               if (need_x) gx = g * (sigmoid(xv) - tv);
               if (need_t) gt = -(g * xv);
               return Grads{gx, gt, gp};
             }
             const Tensor& pv = sp.get();
             if (need_x) gx = g * ((1.0 + (pv - 1.0) * tv) * sigmoid(xv) - pv * tv);
             if (need_t || need_p) {
               const Tensor softplus_neg_x = log1p_exp(-xv);
               if (need_t) gt = g * ((pv - 1.0) * softplus_neg_x - xv);
               if (need_p) gp = g * tv * softplus_neg_x;
             }
             return Grads{gx, gt, gp};
           });
  }
  return out;
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
  const Tensor losses = apply_weight("binary_cross_entropy", "weight", bce_elementwise(x, t), options.weight);
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
    p = expand(options.pos_weight.to(dtype), x.shape());  // ExpandBackward sums its gradient back
  }
  const Tensor losses = apply_weight(loss, "weight", bce_logits_elementwise(x, t, p), options.weight);
  return detail::reduce(losses, options.reduction);
}

}  // namespace functional
}  // namespace xgrad::nn
