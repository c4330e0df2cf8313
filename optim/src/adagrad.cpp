// Adagrad in one fused pass per parameter:
//   g = ±grad (+ wd·p) ; clr = lr / (1 + (t − 1)·lr_decay) ; s += g² ; p −= clr·g / (√s + eps)
#include "xgrad/optim/adagrad.hpp"

#include <cmath>

#include "optimizer_base.hpp"
#include "update_common.hpp"
#include "xgrad/factories.hpp"

namespace xgrad::optim {

template <class F>
void for_each_option(AdagradOptions& o, F&& f) {
  f("lr", o.lr);
  f("lr_decay", o.lr_decay);
  f("weight_decay", o.weight_decay);
  f("initial_accumulator_value", o.initial_accumulator_value);
  f("eps", o.eps);
  f("maximize", o.maximize);
}

void check_options(const AdagradOptions& o, const std::string& where) {
  detail::require(o.lr >= 0.0, where, "learning rate", o.lr);
  detail::require(o.lr_decay >= 0.0, where, "lr_decay value", o.lr_decay);
  detail::require(o.weight_decay >= 0.0, where, "weight_decay value", o.weight_decay);
  detail::require(o.initial_accumulator_value >= 0.0, where, "initial_accumulator_value value",
                  o.initial_accumulator_value);
  detail::require(o.eps >= 0.0, where, "epsilon value", o.eps);
}

template class OptimizerBase<AdagradOptions>;

namespace {

template <class T, bool HasDecay>
void adagrad_kernel(T* XGRAD_RESTRICT p, const T* XGRAD_RESTRICT g, T* XGRAD_RESTRICT sum, std::int64_t n, T sign,
                    T weight_decay, T eps, T neg_clr) {
  for (std::int64_t i = 0; i < n; ++i) {
    T grad = sign * g[i];
    if constexpr (HasDecay) grad = grad + weight_decay * p[i];
    const T s = sum[i] + grad * grad;
    sum[i] = s;
    p[i] = p[i] + neg_clr * grad / (std::sqrt(s) + eps);
  }
}

}  // namespace

Adagrad::Adagrad(std::vector<Tensor> params, const AdagradOptions& defaults)
    : Adagrad(std::vector<ParamGroup<AdagradOptions>>{{std::move(params), std::nullopt}}, defaults) {}
Adagrad::Adagrad(std::vector<ParamGroup<AdagradOptions>> groups, const AdagradOptions& defaults)
    : OptimizerBase("Adagrad", {"sum"}, std::move(groups), defaults) {}

void Adagrad::update() {
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const AdagradOptions& o = checked_options(g);
    for_each_param_with_grad(g, groups_[g].params, [&](const Tensor& p, const Tensor& grad, ParamState& s) {
      // The accumulator starts at initial_accumulator_value (torch fills it when the optimizer is made).
      if (!s.buffers[0].defined()) s.buffers[0] = full(p.shape(), o.initial_accumulator_value, p.dtype());
      const double step = static_cast<double>(++s.step);
      const double clr = o.lr / (1 + (step - 1) * o.lr_decay);
      detail::dispatch_floating(p.dtype(), [&](auto tag) {
        using T = decltype(tag);
        auto kernel = o.weight_decay != 0.0 ? adagrad_kernel<T, true> : adagrad_kernel<T, false>;
        T* const pp = p.data_ptr<T>();
        const T* const gp = grad.data_ptr<T>();
        T* const sum = s.buffers[0].data_ptr<T>();
        detail::for_each_range(p.numel(), [&](std::int64_t i, std::int64_t count) {
          kernel(pp + i, gp + i, sum + i, count, T(o.maximize ? -1 : 1), T(o.weight_decay), T(o.eps), T(-clr));
        });
      });
    });
  }
}

}  // namespace xgrad::optim
