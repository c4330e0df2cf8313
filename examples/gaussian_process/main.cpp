// Fits a Gaussian process's kernel hyper-parameters by maximizing the exact marginal likelihood
// (cholesky, cholesky_solve and the log-determinant, differentiated by xgrad) and writes the posterior
// mean ± 2σ for gnuplot:  ./gaussian_process && gnuplot gaussian_process.gp  (makes gaussian_process.png)
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "gp.hpp"

int main() {
  auto [x, y] = gp::make_data();
  gp::Hyper h = gp::make_hyper(0.0, 0.0, -1.0);
  fmt::print("gaussian_process: 40 noisy points of sin(2x) + 0.3x, RBF kernel, Adam lr 0.05, 150 steps\n");
  const auto result = gp::fit(x, y, h, 150, 0.05);
  for (std::size_t step = 0; step < result.nll.size(); step += 30)
    fmt::print("  step {:3}  negative log marginal likelihood {:10.5f}\n", step, result.nll[step]);
  fmt::print("final NLL {:.6f}; length scale {:.4f}, signal std {:.4f}, noise std {:.4f}\n", result.final_nll,
             std::exp(h.log_ell.item<double>()), std::exp(h.log_sf.item<double>()), std::exp(h.log_sn.item<double>()));

  const auto xs = xg::linspace(-3.5, 3.5, 141, xg::kFloat64);
  const auto [mean, std] = gp::predict(x, y, h, xs);
  std::FILE* data = std::fopen("gaussian_process.dat", "w");
  std::FILE* points = std::fopen("gaussian_process_points.dat", "w");
  std::FILE* script = std::fopen("gaussian_process.gp", "w");
  if (!data || !points || !script) {
    fmt::print(stderr, "cannot write the plot files in the current directory\n");
    return 1;
  }
  const auto xv = xs.to_vector(), mv = mean.to_vector(), sv = std.to_vector();
  for (std::size_t i = 0; i < xv.size(); ++i)
    fmt::print(data, "{} {} {} {}\n", xv[i], mv[i], mv[i] - 2 * sv[i], mv[i] + 2 * sv[i]);
  const auto px = x.to_vector(), py = y.to_vector();
  for (std::size_t i = 0; i < px.size(); ++i) fmt::print(points, "{} {}\n", px[i], py[i]);
  fmt::print(script,
             "set terminal pngcairo size 900,500\nset output 'gaussian_process.png'\nset key left top\n"
             "set title 'GP posterior mean and 2 sigma band (hyper-parameters by maximum marginal likelihood)'\n"
             "plot 'gaussian_process.dat' using 1:3:4 with filledcurves lc rgb '#cce0ff' title 'mean +/- 2 sigma', \\\n"
             "     '' using 1:2 with lines lw 2 lc rgb '#1f4e9e' title 'posterior mean', \\\n"
             "     'gaussian_process_points.dat' using 1:2 with points pt 7 ps 0.6 lc rgb 'black' title 'data'\n");
  std::fclose(data);
  std::fclose(points);
  std::fclose(script);
  fmt::print("wrote gaussian_process.dat and gaussian_process.gp (run: gnuplot gaussian_process.gp)\n");
  const bool ok = result.final_nll < result.nll.front() && std::isfinite(result.final_nll);
  fmt::print("{}\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
