// xtensor in, xgrad in the middle, xtensor out: the features are prepared with xtensor, a linear model
// is fitted with xgrad (least squares by Adam, checked against linalg::lstsq), and the predictions are
// read back as an xtensor array without a copy.
#include <cmath>

#include <fmt/format.h>
#include <xgrad/xgrad.hpp>
#include <xgrad/xtensor.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

int main() {
  // Features [1, t, t²] of 50 points and targets 2 − t + 0.5t² (+ a deterministic wiggle), in xtensor.
  const xt::xarray<double> t = xt::linspace<double>(-2.0, 2.0, 50);
  const xt::xarray<double> features = xt::stack(xt::xtuple(xt::ones_like(t), t, t * t), 1);
  const xt::xarray<double> targets = 2.0 - t + 0.5 * t * t + 0.01 * xt::sin(7.0 * t);

  // Into xgrad: a copy for the features, a zero-copy view for the targets.
  const xg::Tensor a = xg::from_xtensor(features);
  const xg::Tensor b = xg::from_xtensor_view(std::make_shared<xt::xarray<double>>(targets));
  auto w = xg::zeros({3}, xg::kFloat64, true);
  xg::optim::Adam adam({w}, {.lr = 0.05});
  for (int step = 0; step < 2000; ++step) {
    adam.zero_grad();
    const auto loss = xg::mean(xg::pow(xg::matmul(a, w) - b, 2.0));
    loss.backward();
    adam.step();
  }
  const auto exact = std::get<0>(xg::linalg::lstsq(a, b));
  const double gap = xg::max(xg::abs(w.detach() - exact)).item<double>();
  fmt::print("xtensor_interop: Adam weights {} vs lstsq {} (max difference {:.1e})\n", fmt::join(w.to_vector(), ", "),
             fmt::join(exact.to_vector(), ", "), gap);

  // Back to xtensor: the predictions' storage seen as an xarray adaptor.
  const xg::Tensor predictions = xg::matmul(a, w.detach());
  const auto view = xg::as_xtensor<const double>(predictions);
  const double worst = xt::amax(xt::abs(view - targets))();
  fmt::print("largest |prediction - target| through the xtensor view: {:.3e}\n", worst);
  const bool ok = gap < 1e-6 && worst < 0.05;
  fmt::print("{}\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
