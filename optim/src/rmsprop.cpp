// RMSprop in one fused pass per parameter:
//   g = ±grad (+ wd·p) ; s = α·s + (1 − α)·g²
//   centered: a = α·a + (1 − α)·g, avg = √(s − a²) + eps ; otherwise avg = √s + eps
//   momentum: b = μ·b + g/avg, p −= lr·b ; otherwise p −= lr·g/avg
#include "xgrad/optim/rmsprop.hpp"

#include <cmath>

#include "optimizer_base.hpp"
#include "update_common.hpp"
#include "xgrad/factories.hpp"

namespace xgrad::optim {

template <class F>
void for_each_option(RMSpropOptions& o, F&& f) {
  f("lr", o.lr);
  f("alpha", o.alpha);
  f("eps", o.eps);
  f("weight_decay", o.weight_decay);
  f("momentum", o.momentum);
  f("centered", o.centered);
  f("maximize", o.maximize);
}

void check_options(const RMSpropOptions& o, const std::string& where) {
  detail::require(o.lr >= 0.0, where, "learning rate", o.lr);
  detail::require(o.eps >= 0.0, where, "epsilon value", o.eps);
  detail::require(o.momentum >= 0.0, where, "momentum value", o.momentum);
  detail::require(o.weight_decay >= 0.0, where, "weight_decay value", o.weight_decay);
  detail::require(o.alpha >= 0.0, where, "alpha value", o.alpha);
}

template class OptimizerBase<RMSpropOptions>;

namespace {

template <class T>
struct RMSpropCoefficients {
  T sign, weight_decay, alpha, one_minus_alpha, eps, momentum, neg_lr;
};

template <class T, bool HasDecay, bool Centered, bool Momentum>
void rmsprop_kernel(T* XGRAD_RESTRICT p, const T* XGRAD_RESTRICT g, T* XGRAD_RESTRICT sq, T* XGRAD_RESTRICT avg_g,
                    T* XGRAD_RESTRICT buf, std::int64_t n, const RMSpropCoefficients<T> c) {
  for (std::int64_t i = 0; i < n; ++i) {
    T grad = c.sign * g[i];
    if constexpr (HasDecay) grad = grad + c.weight_decay * p[i];
    const T s = sq[i] * c.alpha + c.one_minus_alpha * grad * grad;
    sq[i] = s;
    T avg;
    if constexpr (Centered) {
      const T a = avg_g[i] * c.alpha + c.one_minus_alpha * grad;
      avg_g[i] = a;
      avg = std::sqrt(s + T(-1) * a * a) + c.eps;
    } else {
      avg = std::sqrt(s) + c.eps;
    }
    if constexpr (Momentum) {
      const T b = buf[i] * c.momentum + grad / avg;
      buf[i] = b;
      p[i] = p[i] + c.neg_lr * b;
    } else {
      p[i] = p[i] + c.neg_lr * grad / avg;
    }
  }
}

template <class T, bool HasDecay>
void rmsprop_dispatch(T* p, const T* g, T* sq, T* avg_g, T* buf, std::int64_t n, const RMSpropCoefficients<T>& c,
                      bool centered, bool momentum) {
  detail::for_each_range(n, [&](std::int64_t i, std::int64_t count) {
    T *const pi = p + i, *const sqi = sq + i, *const avg = detail::offset(avg_g, i), *const b = detail::offset(buf, i);
    if (centered && momentum)
      rmsprop_kernel<T, HasDecay, true, true>(pi, g + i, sqi, avg, b, count, c);
    else if (centered)
      rmsprop_kernel<T, HasDecay, true, false>(pi, g + i, sqi, avg, b, count, c);
    else if (momentum)
      rmsprop_kernel<T, HasDecay, false, true>(pi, g + i, sqi, avg, b, count, c);
    else
      rmsprop_kernel<T, HasDecay, false, false>(pi, g + i, sqi, avg, b, count, c);
  });
}

}  // namespace

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& defaults)
    : RMSprop(std::vector<ParamGroup<RMSpropOptions>>{{std::move(params), std::nullopt}}, defaults) {}
RMSprop::RMSprop(std::vector<ParamGroup<RMSpropOptions>> groups, const RMSpropOptions& defaults)
    : OptimizerBase("RMSprop", {"square_avg", "momentum_buffer", "grad_avg"}, std::move(groups), defaults) {}

void RMSprop::update() {
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const RMSpropOptions& o = checked_options(g);
    const bool momentum = o.momentum > 0.0;
    for_each_param_with_grad(g, groups_[g].params, [&](const Tensor& p, const Tensor& grad, ParamState& s) {
      ++s.step;
      // square_avg always; momentum_buffer and grad_avg only when their option is on (zeros, as torch).
      for (std::size_t b = 0; b < 3; ++b) {
        const bool used = b == 0 || (b == 1 && momentum) || (b == 2 && o.centered);
        if (used && !s.buffers[b].defined()) s.buffers[b] = zeros(p.shape(), p.dtype());
      }
      detail::dispatch_floating(p.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const RMSpropCoefficients<T> c{T(o.maximize ? -1 : 1), T(o.weight_decay), T(o.alpha), T(1 - o.alpha),
                                       T(o.eps),               T(o.momentum),     T(-o.lr)};
        T* sq = s.buffers[0].data_ptr<T>();
        T* buf = momentum ? s.buffers[1].data_ptr<T>() : nullptr;
        T* avg_g = o.centered ? s.buffers[2].data_ptr<T>() : nullptr;
        if (o.weight_decay != 0.0)
          rmsprop_dispatch<T, true>(p.data_ptr<T>(), grad.data_ptr<T>(), sq, avg_g, buf, p.numel(), c, o.centered,
                                    momentum);
        else
          rmsprop_dispatch<T, false>(p.data_ptr<T>(), grad.data_ptr<T>(), sq, avg_g, buf, p.numel(), c, o.centered,
                                     momentum);
      });
    });
  }
}

}  // namespace xgrad::optim
