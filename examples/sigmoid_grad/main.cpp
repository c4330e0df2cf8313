// The classic demo: z = 1/(1+exp(-x)) on x = linspace(-10, 10, 100); sum(z).backward() gives
// x.grad, which must equal the analytic derivative sigmoid(x)·(1 − sigmoid(x)).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include <xgrad/xgrad.hpp>

namespace {

struct DemoResult {
  double max_abs_diff;
  double max_grad;
  double argmax_x;
};

DemoResult run(xg::Dtype dtype, bool print_table, const std::string& data_path) {
  auto x = xg::linspace(-10, 10, 100, dtype).requires_grad_();
  auto z = 1.0 / (1.0 + xg::exp(-x));
  z.sum().backward();

  const auto s = xg::sigmoid(x.detach());
  const auto analytic = s * (1.0 - s);
  const auto xs = x.to_vector(), auto_grad = x.grad().to_vector(), exact = analytic.to_vector(),
             zs = z.to_vector();
  DemoResult r{0, -1, 0};
  for (std::size_t i = 0; i < xs.size(); ++i) {
    r.max_abs_diff = std::max(r.max_abs_diff, std::fabs(auto_grad[i] - exact[i]));
    if (auto_grad[i] > r.max_grad) r.max_grad = auto_grad[i], r.argmax_x = xs[i];
  }
  if (print_table) {
    fmt::print("{:>10} {:>12} {:>14} {:>14}\n", "x", "sigmoid", "autograd", "s*(1-s)");
    for (std::size_t i = 0; i < xs.size(); i += 11)
      fmt::print("{:>10.4f} {:>12.6f} {:>14.8f} {:>14.8f}\n", xs[i], zs[i], auto_grad[i], exact[i]);
  }
  if (!data_path.empty()) {
    std::ofstream out(data_path);
    for (std::size_t i = 0; i < xs.size(); ++i)
      out << fmt::format("{} {} {} {}\n", xs[i], zs[i], exact[i], auto_grad[i]);
  }
  return r;
}

bool have_gnuplot() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

}  // namespace

int main(int argc, char** argv) {
  const std::string png = argc > 1 ? argv[1] : "sigmoid_grad.png";
  const std::string data = png + ".dat";
  fmt::print("xgrad sigmoid demo: x = linspace(-10, 10, 100), z = 1/(1+exp(-x)), sum(z).backward()\n\n");
  const DemoResult r64 = run(xg::kFloat64, true, data);
  const DemoResult r32 = run(xg::kFloat32, false, "");
  fmt::print("\nfloat64: max |x.grad - sigmoid*(1-sigmoid)| = {:.3e}\n", r64.max_abs_diff);
  fmt::print("float32: max |x.grad - sigmoid*(1-sigmoid)| = {:.3e}\n", r32.max_abs_diff);
  fmt::print("largest derivative {:.6f} at x = {:.4f} (grid points nearest 0 are ±0.1010; the exact maximum is "
             "0.25 at x = 0)\n",
             r64.max_grad, r64.argmax_x);
  auto at_zero = xg::zeros({1}, xg::kFloat64).requires_grad_();
  xg::sigmoid(at_zero).sum().backward();
  fmt::print("derivative at x = 0 exactly: {:.6f}\n", at_zero.grad().item<double>());

  const bool ok = r64.max_abs_diff < 1e-12 && r32.max_abs_diff < 1e-6 && at_zero.grad().item<double>() == 0.25;
  if (have_gnuplot()) {
    const std::string script = fmt::format(
        "set terminal pngcairo size 900,560; set output '{}'; set grid; set key left top;"
        "set title 'sigmoid and its derivative (xgrad autograd vs analytic)'; set xlabel 'x';"
        "plot '{}' using 1:2 with lines lw 2 title 'sigmoid(x)',"
        " '' using 1:3 with lines lw 2 title 'sigmoid(x)(1-sigmoid(x))',"
        " '' using 1:4 with points pt 7 ps 0.6 title 'autograd x.grad'",
        png, data);
    if (std::system(fmt::format("gnuplot -e \"{}\"", script).c_str()) == 0) fmt::print("plot written to {}\n", png);
  } else {
    fmt::print("gnuplot not found: no plot written\n");
  }
  fmt::print("{}\n", ok ? "OK: autograd matches the analytic derivative" : "FAILED: autograd differs");
  return ok ? 0 : 1;
}
