// Adam and AdamW in one fused pass per parameter:
//   g = ±grad (+ wd·p for Adam) ; p *= 1 − lr·wd (AdamW)
//   m = β1·m + (1 − β1)·g ; v = β2·v + (1 − β2)·g² ; v̂ = max(v̂, v) with amsgrad
//   p += −lr/(1 − β1^t) · m / (√v̂ / √(1 − β2^t) + eps)
// torch makes six passes and a temporary for this; one pass is what makes the step fast.
#include "xgrad/optim/adam.hpp"

#include <algorithm>
#include <cmath>

#include "optimizer_base.hpp"
#include "update_common.hpp"
#include "xgrad/factories.hpp"

namespace xgrad::optim {

template <class O, class F>
void for_each_adam_option(O& o, F&& f) {
  f("lr", o.lr);
  f("betas", o.betas);
  f("eps", o.eps);
  f("weight_decay", o.weight_decay);
  f("amsgrad", o.amsgrad);
  f("maximize", o.maximize);
}
template <class F> void for_each_option(AdamOptions& o, F&& f) { for_each_adam_option(o, f); }
template <class F> void for_each_option(AdamWOptions& o, F&& f) { for_each_adam_option(o, f); }

template <class O>
void check_adam_options(const O& o, const std::string& where) {
  detail::require(o.lr >= 0.0, where, "learning rate", o.lr);
  detail::require(o.eps >= 0.0, where, "epsilon value", o.eps);
  detail::require(o.betas.first >= 0.0 && o.betas.first < 1.0, where, "beta parameter at index 0", o.betas.first);
  detail::require(o.betas.second >= 0.0 && o.betas.second < 1.0, where, "beta parameter at index 1",
                  o.betas.second);
  detail::require(o.weight_decay >= 0.0, where, "weight_decay value", o.weight_decay);
}
void check_options(const AdamOptions& o, const std::string& where) { check_adam_options(o, where); }
void check_options(const AdamWOptions& o, const std::string& where) { check_adam_options(o, where); }

template class OptimizerBase<AdamOptions>;
template class OptimizerBase<AdamWOptions>;

namespace {

enum class Decay { None, L2, Decoupled };

template <class T>
struct AdamCoefficients {
  T sign, weight_decay, decay_factor, beta1, one_minus_beta1, beta2, one_minus_beta2, bias_correction2_sqrt, eps,
      neg_step_size;
};

template <class T, Decay D, bool Amsgrad>
void adam_kernel(T* XGRAD_RESTRICT p, const T* XGRAD_RESTRICT g, T* XGRAD_RESTRICT m, T* XGRAD_RESTRICT v,
                 T* XGRAD_RESTRICT vmax, std::int64_t n, const AdamCoefficients<T> c) {
  for (std::int64_t i = 0; i < n; ++i) {
    T grad = c.sign * g[i];
    T param = p[i];
    if constexpr (D == Decay::L2) grad = grad + c.weight_decay * param;
    if constexpr (D == Decay::Decoupled) param = param * c.decay_factor;
    const T mi = m[i] * c.beta1 + c.one_minus_beta1 * grad;
    const T vi = v[i] * c.beta2 + c.one_minus_beta2 * grad * grad;
    m[i] = mi;
    v[i] = vi;
    T second = vi;
    if constexpr (Amsgrad) {
      second = std::max(vmax[i], vi);
      vmax[i] = second;
    }
    const T denom = std::sqrt(second) / c.bias_correction2_sqrt + c.eps;
    p[i] = param + c.neg_step_size * mi / denom;
  }
}

template <class T, Decay D>
void adam_dispatch(T* p, const T* g, T* m, T* v, T* vmax, std::int64_t n, const AdamCoefficients<T>& c, bool amsgrad) {
  detail::for_each_range(n, [&](std::int64_t i, std::int64_t count) {
    if (amsgrad)
      adam_kernel<T, D, true>(p + i, g + i, m + i, v + i, detail::offset(vmax, i), count, c);
    else
      adam_kernel<T, D, false>(p + i, g + i, m + i, v + i, detail::offset(vmax, i), count, c);
  });
}

// One parameter's Adam or AdamW step; `decoupled` picks where the weight decay goes.
template <class Options>
void adam_step(const Options& o, const Tensor& p, const Tensor& grad, std::int64_t& step_count,
               std::vector<Tensor>& buffers, bool decoupled) {
  if (!buffers[0].defined()) {
    buffers[0] = zeros(p.shape(), p.dtype());
    buffers[1] = zeros(p.shape(), p.dtype());
  }
  if (o.amsgrad && !buffers[2].defined()) buffers[2] = zeros(p.shape(), p.dtype());
  const double step = static_cast<double>(++step_count);
  // Plain variables, not a structured binding: the lambda below captures them (clang 14 cannot).
  const double beta1 = o.betas.first, beta2 = o.betas.second;
  const double bias_correction1 = 1 - std::pow(beta1, step);
  const double bias_correction2 = 1 - std::pow(beta2, step);
  const double step_size = o.lr / bias_correction1;
  detail::dispatch_floating(p.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const AdamCoefficients<T> c{T(o.maximize ? -1 : 1),
                                T(o.weight_decay),
                                T(1 - o.lr * o.weight_decay),
                                T(beta1),
                                T(1 - beta1),
                                T(beta2),
                                T(1 - beta2),
                                T(std::sqrt(bias_correction2)),
                                T(o.eps),
                                T(-step_size)};
    T* pp = p.data_ptr<T>();
    const T* gp = grad.data_ptr<T>();
    T* m = buffers[0].data_ptr<T>();
    T* v = buffers[1].data_ptr<T>();
    T* vmax = o.amsgrad ? buffers[2].data_ptr<T>() : nullptr;
    if (decoupled)
      adam_dispatch<T, Decay::Decoupled>(pp, gp, m, v, vmax, p.numel(), c, o.amsgrad);
    else if (o.weight_decay != 0.0)
      adam_dispatch<T, Decay::L2>(pp, gp, m, v, vmax, p.numel(), c, o.amsgrad);
    else
      adam_dispatch<T, Decay::None>(pp, gp, m, v, vmax, p.numel(), c, o.amsgrad);
  });
}

const std::vector<std::string> kAdamState = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

}  // namespace

Adam::Adam(std::vector<Tensor> params, const AdamOptions& defaults)
    : Adam(std::vector<ParamGroup<AdamOptions>>{{std::move(params), std::nullopt}}, defaults) {}
Adam::Adam(std::vector<ParamGroup<AdamOptions>> groups, const AdamOptions& defaults)
    : OptimizerBase("Adam", kAdamState, std::move(groups), defaults) {}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& defaults)
    : AdamW(std::vector<ParamGroup<AdamWOptions>>{{std::move(params), std::nullopt}}, defaults) {}
AdamW::AdamW(std::vector<ParamGroup<AdamWOptions>> groups, const AdamWOptions& defaults)
    : OptimizerBase("AdamW", kAdamState, std::move(groups), defaults) {}

void Adam::update() {
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const AdamOptions& o = checked_options(g);
    for_each_param_with_grad(g, groups_[g].params, [&](const Tensor& p, const Tensor& grad, ParamState& s) {
      adam_step(o, p, grad, s.step, s.buffers, /*decoupled=*/false);
    });
  }
}

void AdamW::update() {
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const AdamWOptions& o = checked_options(g);
    for_each_param_with_grad(g, groups_[g].params, [&](const Tensor& p, const Tensor& grad, ParamState& s) {
      adam_step(o, p, grad, s.step, s.buffers, /*decoupled=*/true);
    });
  }
}

}  // namespace xgrad::optim
