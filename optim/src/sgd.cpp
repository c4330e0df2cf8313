// SGD: d = ±g (+ wd·p); buf = momentum·buf + (1 − dampening)·d (buf = d on the first step);
// d = d + momentum·buf (Nesterov) or buf; p −= lr·d. One fused pass per parameter.
#include "xgrad/optim/sgd.hpp"

#include "optimizer_base.hpp"
#include "xgrad/factories.hpp"
#include "update_common.hpp"

namespace xgrad::optim {

template <class F>
void for_each_option(SGDOptions& o, F&& f) {
  f("lr", o.lr);
  f("momentum", o.momentum);
  f("dampening", o.dampening);
  f("weight_decay", o.weight_decay);
  f("nesterov", o.nesterov);
  f("maximize", o.maximize);
}

void check_options(const SGDOptions& o, const std::string& where) {
  detail::require(o.lr >= 0.0, where, "learning rate", o.lr);
  detail::require(o.momentum >= 0.0, where, "momentum value", o.momentum);
  detail::require(o.weight_decay >= 0.0, where, "weight_decay value", o.weight_decay);
  if (o.nesterov && (o.momentum <= 0.0 || o.dampening != 0.0))
    throw Error(fmt::format("{}: Nesterov momentum requires a momentum > 0 and zero dampening (momentum {}, "
                            "dampening {})",
                            where, o.momentum, o.dampening));
}

template class OptimizerBase<SGDOptions>;

namespace {

template <class T>
struct SGDCoefficients {
  T sign, weight_decay, momentum, keep, lr;  // keep = 1 − dampening
};

template <class T, bool HasDecay, bool Momentum, bool Nesterov>
void sgd_kernel(T* XGRAD_RESTRICT p, const T* XGRAD_RESTRICT g, T* XGRAD_RESTRICT buf, std::int64_t n,
                const SGDCoefficients<T> c, bool first) {
  for (std::int64_t i = 0; i < n; ++i) {
    T d = c.sign * g[i];
    if constexpr (HasDecay) d = d + c.weight_decay * p[i];
    if constexpr (Momentum) {
      const T b = first ? d : buf[i] * c.momentum + c.keep * d;
      buf[i] = b;
      if constexpr (Nesterov)
        d = d + c.momentum * b;
      else
        d = b;
    }
    p[i] = p[i] + c.lr * d;
  }
}

template <class T, bool HasDecay>
void sgd_dispatch(T* p, const T* g, T* buf, std::int64_t n, const SGDCoefficients<T>& c, bool momentum,
                  bool nesterov, bool first) {
  detail::for_each_range(n, [&](std::int64_t i, std::int64_t count) {
    T* const b = detail::offset(buf, i);
    if (!momentum)
      sgd_kernel<T, HasDecay, false, false>(p + i, g + i, b, count, c, first);
    else if (nesterov)
      sgd_kernel<T, HasDecay, true, true>(p + i, g + i, b, count, c, first);
    else
      sgd_kernel<T, HasDecay, true, false>(p + i, g + i, b, count, c, first);
  });
}

}  // namespace

SGD::SGD(std::vector<Tensor> params, const SGDOptions& defaults)
    : SGD(std::vector<ParamGroup<SGDOptions>>{{std::move(params), std::nullopt}}, defaults) {}

SGD::SGD(std::vector<ParamGroup<SGDOptions>> groups, const SGDOptions& defaults)
    : OptimizerBase("SGD", {"momentum_buffer"}, std::move(groups), defaults) {}

void SGD::update() {
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const SGDOptions& o = checked_options(g);
    const bool momentum = o.momentum != 0.0;
    for_each_param_with_grad(g, groups_[g].params, [&](const Tensor& p, const Tensor& grad, ParamState& s) {
      ++s.step;
      Tensor& buf = s.buffers[0];
      const bool first = momentum && !buf.defined();
      if (first) buf = empty(p.shape(), p.dtype());
      detail::dispatch_floating(p.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const SGDCoefficients<T> c{T(o.maximize ? -1 : 1), T(o.weight_decay), T(o.momentum), T(1 - o.dampening),
                                   T(-o.lr)};
        T* b = momentum ? buf.data_ptr<T>() : nullptr;
        if (o.weight_decay != 0.0)
          sgd_dispatch<T, true>(p.data_ptr<T>(), grad.data_ptr<T>(), b, p.numel(), c, momentum, o.nesterov, first);
        else
          sgd_dispatch<T, false>(p.data_ptr<T>(), grad.data_ptr<T>(), b, p.numel(), c, momentum, o.nesterov, first);
      });
    });
  }
}

}  // namespace xgrad::optim
