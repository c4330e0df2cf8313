// Gaussian-process regression with an RBF kernel whose hyper-parameters (length scale ℓ, signal and
// noise standard deviations σ_f, σ_n, each through its log) are fitted by maximizing the exact marginal
// likelihood with Adam. The negative log marginal likelihood of y under K = k(X, X) + σ_n²·I is
//   NLL = ½·yᵀK⁻¹y + ½·log det K + (n/2)·log 2π,
// computed from the Cholesky factor L of K: K⁻¹y = cholesky_solve(y, L), log det K = 2·Σ log L_ii.
// Gradients flow back through cholesky and cholesky_solve. tests/test_gaussian_process.cpp runs the
// same fit as PyTorch (scripts/make_linalg_fixtures.py) and compares.
#pragma once
#include <cmath>
#include <vector>

#include <xgrad/xgrad.hpp>

namespace gp {

struct Hyper {
  xg::Tensor log_ell, log_sf, log_sn;  // 0-d float64 leaves
  std::vector<xg::Tensor> list() const { return {log_ell, log_sf, log_sn}; }
};

inline Hyper make_hyper(double log_ell, double log_sf, double log_sn) {
  auto leaf = [](double v) { return xg::full({}, v, xg::kFloat64, true); };
  return {leaf(log_ell), leaf(log_sf), leaf(log_sn)};
}

// σ_f²·exp(−(a_i − b_j)² / (2ℓ²)) for 1-D a [n] and b [m]: [n, m].
inline xg::Tensor rbf(const xg::Tensor& a, const xg::Tensor& b, const Hyper& h) {
  const auto d = xg::unsqueeze(a, 1) - xg::unsqueeze(b, 0);
  return xg::exp(2.0 * h.log_sf) * xg::exp(-0.5 * d * d / xg::exp(2.0 * h.log_ell));
}

inline xg::Tensor diagonal(const xg::Tensor& m) { return xg::sum(m * xg::eye(m.size(0), m.dtype()), {1}); }

inline xg::Tensor cholesky_of_covariance(const xg::Tensor& x, const Hyper& h) {
  const auto k = rbf(x, x, h) + xg::exp(2.0 * h.log_sn) * xg::eye(x.size(0), xg::kFloat64);
  return xg::linalg::cholesky(k);
}

inline xg::Tensor negative_log_likelihood(const xg::Tensor& x, const xg::Tensor& y, const Hyper& h) {
  const auto n = static_cast<double>(x.size(0));
  const auto l = cholesky_of_covariance(x, h);
  const auto y_col = xg::unsqueeze(y, 1);
  const auto alpha = xg::cholesky_solve(y_col, l);  // K⁻¹·y
  const auto log_det = 2.0 * xg::sum(xg::log(diagonal(l)));
  return 0.5 * xg::sum(y_col * alpha) + 0.5 * log_det + 0.5 * n * std::log(2.0 * M_PI);
}

// Posterior mean and standard deviation of the latent function at xs.
struct Prediction {
  xg::Tensor mean, std;
};
inline Prediction predict(const xg::Tensor& x, const xg::Tensor& y, const Hyper& h, const xg::Tensor& xs) {
  xg::NoGradGuard no_grad;
  const auto l = cholesky_of_covariance(x, h);
  const auto ks = rbf(x, xs, h);                                                // [n, m]
  const auto mean = xg::sum(ks * xg::cholesky_solve(xg::unsqueeze(y, 1), l), {0});
  const auto v = xg::linalg::solve_triangular(l, ks, /*upper=*/false);         // L⁻¹·K*
  const auto var = xg::exp(2.0 * h.log_sf) - xg::sum(v * v, {0});
  return {mean, xg::sqrt(var)};
}

struct Fit {
  std::vector<double> nll;  // before each step
  double final_nll = 0;
};

inline Fit fit(const xg::Tensor& x, const xg::Tensor& y, Hyper& h, int steps, double lr) {
  xg::optim::Adam adam(h.list(), {.lr = lr});
  Fit result;
  for (int step = 0; step < steps; ++step) {
    adam.zero_grad();
    const auto loss = negative_log_likelihood(x, y, h);
    result.nll.push_back(loss.item<double>());
    loss.backward();
    adam.step();
  }
  result.final_nll = negative_log_likelihood(x, y, h).item<double>();
  return result;
}

// The example's data: 40 noisy samples of sin(2x) + 0.3x on [−3, 3], from a formula rather than a
// random generator so that the PyTorch reference (scripts/make_linalg_fixtures.py) fits the very same
// numbers: x_i = −3 + 6·frac(i·φ) with φ the golden ratio's fraction, noise 0.1·sin(12.9898·i + 1).
inline std::pair<xg::Tensor, xg::Tensor> make_data(int n = 40) {
  std::vector<double> x, y;
  for (int i = 0; i < n; ++i) {
    const double xi = -3.0 + 6.0 * std::fmod(i * 0.6180339887498949, 1.0);
    x.push_back(xi);
    y.push_back(std::sin(2.0 * xi) + 0.3 * xi + 0.1 * std::sin(12.9898 * i + 1.0));
  }
  return {xg::tensor(x, {n}, xg::kFloat64), xg::tensor(y, {n}, xg::kFloat64)};
}

}  // namespace gp
