// The fused-loss family: each loss is one pass forward and one node whose gradient is written in
// differentiable ops (so create_graph works). nn::functional checks arguments and reduces.
//
// cross_entropy over rows [M, C] with class targets y, weights w, smoothing ε, kept-row mask m:
//   loss_i = −m_i·[(1−ε)·w_y·logp_iy + (ε/C)·Σ_c w_c·logp_ic],   logp = log_softmax(x)
//   dx_ic  = g_i·(a_i·p_ic − B_ic),  a_i = m_i·((1−ε)·w_y + ε·Σw/C),  B_ic = m_i·((1−ε)·w_y·[c = y] + ε·w_c/C)
// bce(x, t)           = −(t·max(log x, −100) + (1−t)·max(log(1−x), −100))
//   d/dx = (x − t) / max(x(1−x), 1e−12)          d/dt = max(log(1−x), −100) − max(log x, −100)
// bce_logits(x, t, p) = (1−t)·x + (1 + (p−1)·t)·softplus(−x)
//   d/dx = (1 + (p−1)·t)·σ(x) − p·t   d/dt = (p−1)·softplus(−x) − x   d/dp = t·softplus(−x)
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "elementwise_kernel.hpp"
#include "kernels.hpp"
#include "math_kernels.hpp"
#include "rule_tables.hpp"
#include "xgrad/arithmetic.hpp"
#include "xgrad/compare.hpp"
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/fused_losses.hpp"
#include "xgrad/shape_ops.hpp"
#include "xgrad/softmax.hpp"

namespace xgrad {

namespace {

struct LossSaved {
  SavedTensor input, target, pos_weight;  // x, t, p: each kept when a gradient reads it
  // cross-entropy: p = softmax(x) (rows of ignored targets 0) and the per-row coefficients a, B
  Tensor probs, a, b;
  Tensor x() const { return input.get(); }
  Tensor t() const { return target.get(); }
  Tensor p() const { return pos_weight.get(); }
};

using G = const Tensor&;
using S = const LossSaved&;

// torch's clamp of x(1−x) in the BCE gradient: its float constant 1e-12f, so the digits agree.
constexpr double kBceEpsilon = static_cast<double>(1e-12f);

// softplus(−x) exactly (no threshold): the one softplus, with its own rule.
Tensor softplus_neg(const Tensor& x) { return softplus(-x, 1.0, std::numeric_limits<double>::infinity()); }

struct LossRule {
  const char* node;
  Tensor (*grad_x)(G g, S s);
  Tensor (*grad_t)(G g, S s);  // null: the loss has no target gradient
  Tensor (*grad_p)(G g, S s);  // null: no pos_weight

  Grads vjp(G g, S s, const Node& node) const {
    Grads grads(node.edges.size());
    if (node.needs_input_grad(0)) grads[0] = grad_x(g, s);
    if (grad_t && node.needs_input_grad(1)) grads[1] = grad_t(g, s);
    if (grad_p && node.needs_input_grad(2)) grads[2] = grad_p(g, s);
    return grads;
  }
};

// clang-format off
constexpr LossRule kLossRules[] = {
  // node                                     dL/dx, dL/dt, dL/dp
  {"CrossEntropyBackward0",
      // p recomputed from x under create_graph, so the second derivative sees it
      [](G g, S s) { const Tensor p = GradModeFast::enabled() ? where(unsqueeze(ne(s.a, 0.0), 1), softmax(s.x(), 1), 0.0) : s.probs;
                     return unsqueeze(g * s.a, 1) * p - unsqueeze(g, 1) * s.b; },
      nullptr, nullptr},
  {"BinaryCrossEntropyBackward0",
      [](G g, S s) { return g * (s.x() - s.t()) / clamp_min(s.x() * (1.0 - s.x()), kBceEpsilon); },
      [](G g, S s) { return g * (clamp_min(log1p(-s.x()), -100.0) - clamp_min(log(s.x()), -100.0)); },
      nullptr},
  {"BinaryCrossEntropyWithLogitsBackward0",
      [](G g, S s) { return g * (sigmoid(s.x()) - s.t()); },
      [](G g, S s) { return -(g * s.x()); },
      nullptr},
  {"BinaryCrossEntropyWithLogitsPosWeightBackward0",
      [](G g, S s) { return g * ((1.0 + (s.p() - 1.0) * s.t()) * sigmoid(s.x()) - s.p() * s.t()); },
      [](G g, S s) { return g * ((s.p() - 1.0) * softplus_neg(s.x()) - s.x()); },
      [](G g, S s) { return g * s.t() * softplus_neg(s.x()); }},
};
// clang-format on
static_assert(node_names_unique(kLossRules));

// a_i and B_ic of the header comment, as tensors of the logits' dtype.
void row_coefficients(LossSaved& s, const Tensor& target, const Tensor& weight, std::int64_t ignore_index, double eps,
                      std::int64_t rows, std::int64_t classes, Dtype dtype) {
  s.a = make_tensor({rows}, dtype);
  s.b = make_tensor({rows, classes}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const std::int64_t* y = contiguous_data<std::int64_t>(target);
      const T* w = weight.defined() ? contiguous_data<T>(weight) : nullptr;
      T* pa = contiguous_data<T>(s.a);
      T* pb = contiguous_data<T>(s.b);
      const double total_w = w ? std::accumulate(w, w + classes, 0.0) : static_cast<double>(classes);
      for (std::int64_t i = 0; i < rows; ++i) {
        const bool kept = y[i] != ignore_index;
        const double wy = kept ? (w ? static_cast<double>(w[y[i]]) : 1.0) : 0.0;
        pa[i] = static_cast<T>(kept ? (1 - eps) * wy + eps * total_w / static_cast<double>(classes) : 0.0);
        for (std::int64_t c = 0; c < classes; ++c)
          pb[i * classes + c] = static_cast<T>(
              kept ? (c == y[i] ? (1 - eps) * wy : 0.0) + eps * (w ? static_cast<double>(w[c]) : 1.0) / classes : 0.0);
      }
    }
  });
}

}  // namespace

void append_loss_rule_names(std::vector<std::string>& names) { append_rule_names(kLossRules, names); }

const std::vector<std::string>& fused::backward_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    append_loss_rule_names(all);
    return all;
  }();
  return names;
}

Tensor fused::cross_entropy_rows(const Tensor& x_in, const Tensor& target_in, const Tensor& weight_in,
                                 std::int64_t ignore_index, double eps, double& total_weight) {
  const Tensor x = dense(x_in), target = dense(target_in), weight = weight_in.defined() ? dense(weight_in) : weight_in;
  const std::int64_t rows = x.size(0), classes = x.size(1);
  // log-probabilities from the one softmax kernel; p = e^logp for the backward
  Tensor logp = make_tensor({rows, classes}, x.dtype());
  Tensor losses = make_tensor({rows}, x.dtype());
  const std::int64_t* y = contiguous_data<std::int64_t>(target);
  std::vector<double> row_weight(static_cast<std::size_t>(rows), 0.0);
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      kernels::softmax_lines(contiguous_data<T>(x), contiguous_data<T>(logp), rows, classes, 1, true);
      const T* lp = contiguous_data<T>(logp);
      const T* w = weight.defined() ? contiguous_data<T>(weight) : nullptr;
      T* out = contiguous_data<T>(losses);
      for (std::int64_t i = 0; i < rows; ++i) {
        if (y[i] == ignore_index) {
          out[i] = 0;
          continue;
        }
        const T* row = lp + i * classes;
        const double wy = w ? static_cast<double>(w[y[i]]) : 1.0;
        double loss = -(1 - eps) * wy * static_cast<double>(row[y[i]]);
        if (eps > 0) {
          double smooth = 0;
          for (std::int64_t c = 0; c < classes; ++c) smooth += (w ? static_cast<double>(w[c]) : 1.0) * row[c];
          loss -= eps / static_cast<double>(classes) * smooth;
        }
        out[i] = static_cast<T>(loss);
        row_weight[i] = wy;
      }
    }
  });
  // summed in row order: the mean's denominator has the same bits on any number of threads
  total_weight = std::accumulate(row_weight.begin(), row_weight.end(), 0.0);
  if (should_record({&x_in})) {
    LossSaved s{.input = SavedTensor(x_in)};
    row_coefficients(s, target, weight, ignore_index, eps, rows, classes, x.dtype());
    {
      NoGradGuard no_grad;  // ignored rows get p = 0, so a NaN logit there cannot reach the gradient
      s.probs = where(unsqueeze(ne(s.a, 0.0), 1), exp(logp), 0.0);
    }
    record(rule_for(kLossRules, "CrossEntropyBackward0"), losses, {&x_in}, std::move(s));
  }
  return losses;
}

Tensor fused::binary_cross_entropy(const Tensor& x, const Tensor& t) {
  Tensor out = kernels::map_elementwise(
      x,
      [](auto xv, auto tv) {
        using T = decltype(xv);
        return (tv - T(1)) * std::max(std::log1p(-xv), T(-100)) - tv * std::max(std::log(xv), T(-100));
      },
      t);
  if (should_record({&x, &t}))
    record(rule_for(kLossRules, "BinaryCrossEntropyBackward0"), out, {&x, &t},
           LossSaved{.input = SavedTensor(x), .target = SavedTensor(t)});
  return out;
}

Tensor fused::binary_cross_entropy_with_logits(const Tensor& x, const Tensor& t, const Tensor& p) {
  const auto softplus_neg_value = [](auto v) { return static_cast<decltype(v)>(kernels::log1p_exp(-v)); };
  Tensor out;
  if (p.defined())
    out = kernels::map_elementwise(
        x,
        [&](auto xv, auto tv, auto pv) {
          using T = decltype(xv);
          return (T(1) - tv) * xv + (T(1) + (pv - T(1)) * tv) * softplus_neg_value(xv);
        },
        t, p);
  else
    out = kernels::map_elementwise(
        x, [&](auto xv, auto tv) { return (decltype(xv)(1) - tv) * xv + softplus_neg_value(xv); }, t);
  if (should_record({&x, &t, &p})) {
    LossSaved s{.input = SavedTensor(x), .target = SavedTensor(t), .pos_weight = p.defined() ? SavedTensor(p) : SavedTensor()};
    if (p.defined())
      record(rule_for(kLossRules, "BinaryCrossEntropyWithLogitsPosWeightBackward0"), out, {&x, &t, &p}, std::move(s));
    else
      record(rule_for(kLossRules, "BinaryCrossEntropyWithLogitsBackward0"), out, {&x, &t}, std::move(s));
  }
  return out;
}

}  // namespace xgrad
