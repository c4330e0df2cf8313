// Adadelta in one fused pass per parameter:
//   g = ±grad (+ wd·p) ; s = ρ·s + (1 − ρ)·g² ; δ = √(u + eps) / √(s + eps) · g
//   u = ρ·u + (1 − ρ)·δ² ; p −= lr·δ
#include "xgrad/optim/adadelta.hpp"

#include <cmath>

#include "optimizer_base.hpp"
#include "update_common.hpp"
#include "xgrad/factories.hpp"

namespace xgrad::optim {

template <class F>
void for_each_option(AdadeltaOptions& o, F&& f) {
  f("lr", o.lr);
  f("rho", o.rho);
  f("eps", o.eps);
  f("weight_decay", o.weight_decay);
  f("maximize", o.maximize);
}

void check_options(const AdadeltaOptions& o, const std::string& where) {
  detail::require(o.lr >= 0.0, where, "learning rate", o.lr);
  detail::require(o.rho >= 0.0 && o.rho <= 1.0, where, "rho value", o.rho);
  detail::require(o.eps >= 0.0, where, "epsilon value", o.eps);
  detail::require(o.weight_decay >= 0.0, where, "weight_decay value", o.weight_decay);
}

template class OptimizerBase<AdadeltaOptions>;

namespace {

template <class T, bool HasDecay>
void adadelta_kernel(T* XGRAD_RESTRICT p, const T* XGRAD_RESTRICT g, T* XGRAD_RESTRICT sq, T* XGRAD_RESTRICT acc,
                     std::int64_t n, T sign, T weight_decay, T rho, T one_minus_rho, T eps, T neg_lr) {
  for (std::int64_t i = 0; i < n; ++i) {
    T grad = sign * g[i];
    if constexpr (HasDecay) grad = grad + weight_decay * p[i];
    const T s = sq[i] * rho + one_minus_rho * grad * grad;
    sq[i] = s;
    const T delta = std::sqrt(acc[i] + eps) / std::sqrt(s + eps) * grad;
    acc[i] = acc[i] * rho + one_minus_rho * delta * delta;
    p[i] = p[i] + neg_lr * delta;
  }
}

}  // namespace

Adadelta::Adadelta(std::vector<Tensor> params, const AdadeltaOptions& defaults)
    : Adadelta(std::vector<ParamGroup<AdadeltaOptions>>{{std::move(params), std::nullopt}}, defaults) {}
Adadelta::Adadelta(std::vector<ParamGroup<AdadeltaOptions>> groups, const AdadeltaOptions& defaults)
    : OptimizerBase("Adadelta", {"square_avg", "acc_delta"}, std::move(groups), defaults) {}

void Adadelta::update() {
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const AdadeltaOptions& o = checked_options(g);
    for_each_param_with_grad(g, groups_[g].params, [&](const Tensor& p, const Tensor& grad, ParamState& s) {
      if (!s.buffers[0].defined()) {
        s.buffers[0] = zeros(p.shape(), p.dtype());
        s.buffers[1] = zeros(p.shape(), p.dtype());
      }
      ++s.step;
      detail::dispatch_floating(p.dtype(), [&](auto tag) {
        using T = decltype(tag);
        auto kernel = o.weight_decay != 0.0 ? adadelta_kernel<T, true> : adadelta_kernel<T, false>;
        T* const pp = p.data_ptr<T>();
        const T* const gp = grad.data_ptr<T>();
        T *const sq = s.buffers[0].data_ptr<T>(), *const acc = s.buffers[1].data_ptr<T>();
        detail::for_each_range(p.numel(), [&](std::int64_t i, std::int64_t count) {
          kernel(pp + i, gp + i, sq + i, acc + i, count, T(o.maximize ? -1 : 1), T(o.weight_decay), T(o.rho),
                 T(1 - o.rho), T(o.eps), T(-o.lr));
        });
      });
    });
  }
}

}  // namespace xgrad::optim
