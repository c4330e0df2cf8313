// The fused-loss family: each loss is one pass forward and one node whose gradient is written in
// differentiable ops (so create_graph works). nn::functional checks arguments and reduces.
//
// cross_entropy = nll over log_softmax(x), as torch's: the log-probabilities come from the softmax
// family (its rule reads its own output), and nll is linear in them. Over rows [M, C] with class
// targets y, weights w, smoothing ε and kept-row mask m:
//   loss_i = −Σ_c B_ic·logp_ic,   B_ic = m_i·((1−ε)·w_y·[c = y] + ε·w_c/C),   dlogp = −g_i·B_ic
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
#include "xgrad/elementwise.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/fused_losses.hpp"
#include "xgrad/shape_ops.hpp"
#include "xgrad/softmax.hpp"

namespace xgrad {

namespace {

struct LossSaved {
  SavedTensor input, target, pos_weight;  // x, t, p: each kept when a gradient reads it
  Tensor coefficients;                    // nll: B (constant)
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
  {"NllLossBackward0",
      [](G g, S s) { return -(unsqueeze(g, 1) * s.coefficients); },
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

// B_ic of the header comment (a constant of the log-probabilities' dtype); `row_weight` gets each
// kept row's w_y.
Tensor nll_coefficients(const Tensor& target, const Tensor& weight, std::int64_t ignore_index, double eps,
                        std::int64_t rows, std::int64_t classes, Dtype dtype, std::vector<double>& row_weight) {
  Tensor b = make_tensor({rows, classes}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const std::int64_t* y = contiguous_data<std::int64_t>(target);
      const T* w = weight.defined() ? contiguous_data<T>(weight) : nullptr;
      T* pb = contiguous_data<T>(b);
      for (std::int64_t i = 0; i < rows; ++i) {
        const bool kept = y[i] != ignore_index;
        const double wy = kept ? (w ? static_cast<double>(w[y[i]]) : 1.0) : 0.0;
        row_weight[i] = wy;
        for (std::int64_t c = 0; c < classes; ++c)
          pb[i * classes + c] = static_cast<T>(
              kept ? (c == y[i] ? (1 - eps) * wy : 0.0) + eps * (w ? static_cast<double>(w[c]) : 1.0) / classes : 0.0);
      }
    }
  });
  return b;
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

Tensor fused::nll_rows(const Tensor& logp_in, const Tensor& target_in, const Tensor& weight_in,
                       std::int64_t ignore_index, double eps, double& total_weight) {
  const Tensor logp = dense(logp_in), target = dense(target_in);
  const Tensor weight = weight_in.defined() ? dense(weight_in) : weight_in;
  const std::int64_t rows = logp.size(0), classes = logp.size(1);
  std::vector<double> row_weight(static_cast<std::size_t>(rows), 0.0);
  Tensor b = nll_coefficients(target, weight, ignore_index, eps, rows, classes, logp.dtype(), row_weight);
  Tensor losses = make_tensor({rows}, logp.dtype());
  dispatch(logp.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T *lp = contiguous_data<T>(logp), *pb = contiguous_data<T>(b);
      T* out = contiguous_data<T>(losses);
      for (std::int64_t i = 0; i < rows; ++i) {
        // only classes with a coefficient: an ignored row (all 0) is 0 even where its log-probabilities
        // are not finite, and so is a class without weight
        double loss = 0;
        for (std::int64_t c = 0; c < classes; ++c)
          if (pb[i * classes + c] != T(0)) loss -= static_cast<double>(pb[i * classes + c]) * lp[i * classes + c];
        out[i] = static_cast<T>(loss);
      }
    }
  });
  // summed in row order: the mean's denominator has the same bits on any number of threads
  total_weight = std::accumulate(row_weight.begin(), row_weight.end(), 0.0);
  if (should_record({&logp_in}))
    record(rule_for(kLossRules, "NllLossBackward0"), losses, {&logp_in}, LossSaved{.coefficients = std::move(b)});
  return losses;
}

Tensor fused::cross_entropy_rows(const Tensor& logits, const Tensor& target, const Tensor& weight,
                                 std::int64_t ignore_index, double label_smoothing, double& total_weight) {
  return nll_rows(log_softmax(logits, 1), target, weight, ignore_index, label_smoothing, total_weight);
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
