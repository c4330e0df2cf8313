// Built against an installed xgrad: the demo's gradient, checked, exit code 0 on success.
#include <cmath>
#include <iostream>

#include <xgrad/xgrad.hpp>

int main() {
  auto x = xg::linspace(-10, 10, 100, xg::kFloat64).requires_grad_();
  auto z = 1.0 / (1.0 + xg::exp(-x));
  z.sum().backward();
  auto s = xg::sigmoid(x.detach());
  const double err = xg::max(xg::abs(x.grad() - s * (1.0 - s))).item<double>();
  std::cout << "consumer: max error " << err << "\n" << fmt::format("{}", x.grad().narrow(0, 48, 4)) << "\n";
  return err < 1e-12 ? 0 : 1;
}
