// gradcheck: the Jacobian from autograd (one backward per output element) against central
// differences (two forwards per input element), in float64, with torch's tolerances.
#include "xgrad/gradcheck.hpp"

#include <cmath>
#include <random>

#include <fmt/format.h>

#include "xgrad/autograd.hpp"
#include "xgrad/factories.hpp"
#include "xgrad/grad_mode.hpp"
#include "xgrad/shape_ops.hpp"

namespace xgrad::autograd {

namespace {

// float64 leaf copies of the inputs, keeping which of them require grad.
std::vector<Tensor> float64_leaves(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> copies;
  for (const Tensor& t : inputs) {
    if (!t.is_floating_point()) {
      copies.push_back(t);
      continue;
    }
    Tensor c = t.detach().to(kFloat64).clone();  // our own storage: we perturb it in place
    c.requires_grad_(t.requires_grad());
    copies.push_back(c);
  }
  return copies;
}

std::vector<double> evaluate(const GradcheckFunction& fn, const std::vector<Tensor>& inputs) {
  const Tensor out = fn(inputs);
  return out.to(kFloat64).to_vector();
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFunction& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  std::vector<Tensor> xs = float64_leaves(inputs);
  std::vector<std::size_t> diff;  // inputs we differentiate with respect to
  for (std::size_t i = 0; i < xs.size(); ++i)
    if (xs[i].is_floating_point() && xs[i].requires_grad()) diff.push_back(i);
  if (diff.empty()) return {false, "gradcheck: no input requires grad"};

  const Tensor out = fn(xs);
  if (!out.is_floating_point()) return {false, "gradcheck: the function's output is not floating point"};
  const std::int64_t m = out.numel();

  // analytic[i][k * m + j] = d out[j] / d x_i[k]
  std::vector<std::vector<double>> analytic(diff.size());
  for (std::size_t a = 0; a < diff.size(); ++a) analytic[a].assign(xs[diff[a]].numel() * m, 0.0);
  if (out.requires_grad()) {
    std::vector<Tensor> wrt;
    for (auto i : diff) wrt.push_back(xs[i]);
    for (std::int64_t j = 0; j < m; ++j) {
      Tensor seed = zeros(out.shape(), out.dtype());
      if (seed.dtype() == kFloat64)
        seed.data_ptr<double>()[j] = 1;
      else
        seed.data_ptr<float>()[j] = 1;
      const std::vector<Tensor> grads = grad({out}, wrt, {seed}, true, false, true);
      for (std::size_t a = 0; a < diff.size(); ++a) {
        if (!grads[a].defined()) continue;
        const std::vector<double> g = grads[a].to_vector();
        for (std::size_t k = 0; k < g.size(); ++k) analytic[a][k * m + j] = g[k];
      }
    }
  }

  double worst_excess = 0;
  std::string worst;
  for (std::size_t a = 0; a < diff.size(); ++a) {
    Tensor& x = xs[diff[a]];
    double* p = x.data_ptr<double>();
    for (std::int64_t k = 0; k < x.numel(); ++k) {
      const double saved = p[k];
      p[k] = saved + options.eps;
      const std::vector<double> plus = evaluate(fn, xs);
      p[k] = saved - options.eps;
      const std::vector<double> minus = evaluate(fn, xs);
      p[k] = saved;
      for (std::int64_t j = 0; j < m; ++j) {
        const double numeric = (plus[j] - minus[j]) / (2 * options.eps);
        const double exact = analytic[a][k * m + j];
        const double excess = std::fabs(exact - numeric) - (options.atol + options.rtol * std::fabs(numeric));
        if (!(excess <= 0) && (worst.empty() || excess > worst_excess || std::isnan(excess))) {
          worst_excess = excess;
          worst = fmt::format(
              "gradcheck: Jacobian mismatch for input {} (shape {}) element {} and output element {} (output shape {}): "
              "analytic {:.10g}, numeric {:.10g} (atol {}, rtol {})",
              diff[a], shape_str(x.shape()), k, j, shape_str(out.shape()), exact, numeric, options.atol, options.rtol);
        }
      }
    }
  }
  if (!worst.empty()) return {false, worst};
  return {true, "gradcheck: passed"};
}

GradcheckResult gradgradcheck(const GradcheckFunction& fn, const std::vector<Tensor>& inputs,
                              const GradcheckOptions& options) {
  std::vector<Tensor> xs = float64_leaves(inputs);
  const Tensor probe = fn(xs);
  // A fixed random cotangent v, from a local generator so the global seed is untouched.
  std::mt19937_64 engine(1234);
  std::normal_distribution<double> normal;
  std::vector<double> v_values(static_cast<std::size_t>(probe.numel()));
  for (double& v : v_values) v = normal(engine);
  const Tensor v = tensor(v_values, probe.shape(), kFloat64);

  GradcheckFunction first_order = [&fn, v](const std::vector<Tensor>& args) {
    EnableGradGuard enable;
    std::vector<Tensor> wrt;
    for (const Tensor& t : args)
      if (t.is_floating_point() && t.requires_grad()) wrt.push_back(t);
    const Tensor out = fn(args);
    std::vector<Tensor> parts;
    if (!out.requires_grad()) {
      for (const Tensor& t : wrt) parts.push_back(zeros({t.numel()}, kFloat64));
    } else {
      const std::vector<Tensor> grads = grad({out}, wrt, {v.to(out.dtype())}, true, true, true);
      for (std::size_t i = 0; i < grads.size(); ++i)
        parts.push_back(grads[i].defined() ? reshape(grads[i], {-1}) : zeros({wrt[i].numel()}, kFloat64));
    }
    return cat(parts, 0);
  };
  GradcheckResult result = gradcheck(first_order, xs, options);
  if (result) return {true, "gradgradcheck: passed"};
  return {false, "gradgradcheck (second order): " + result.message()};
}

}  // namespace xgrad::autograd
