// <xgrad/xtensor.hpp>: copies in from any xtensor expression, zero-copy adaptors out, aliasing both
// ways, the storage's lifetime, and the version counter.
#include <doctest/doctest.h>

#include <xgrad/xgrad.hpp>
#include <xgrad/xtensor.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

TEST_CASE("xtensor: from_xtensor copies any expression, dtype from its value type") {
  const xt::xarray<double> a = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  const xg::Tensor t = xg::from_xtensor(a);
  CHECK(t.dtype() == xg::kFloat64);
  CHECK(t.shape() == xg::Shape{2, 3});
  CHECK(t.to_vector() == std::vector<double>{1, 2, 3, 4, 5, 6});
  // An unevaluated expression, and a transposed view: values in row-major order of the result.
  CHECK(xg::from_xtensor(2.0 * a + 1.0).to_vector() == std::vector<double>{3, 5, 7, 9, 11, 13});
  CHECK(xg::from_xtensor(xt::transpose(a)).to_vector() == std::vector<double>{1, 4, 2, 5, 3, 6});
  const xt::xtensor<float, 1> f = {0.5f, 1.5f};
  CHECK(xg::from_xtensor(f).dtype() == xg::kFloat32);
  const xt::xarray<int> i = {7, 8};
  const xg::Tensor ti = xg::from_xtensor(i);
  CHECK(ti.dtype() == xg::kInt64);
  CHECK(ti.data_ptr<std::int64_t>()[1] == 8);
  CHECK(xg::from_xtensor(xt::xarray<double>(5.0)).shape() == xg::Shape{});  // 0-d
  // A copy: changing the source later does not reach the tensor.
  xt::xarray<double> b = {1.0, 2.0};
  const xg::Tensor tb = xg::from_xtensor(b);
  b(0) = 100.0;
  CHECK(tb.to_vector() == std::vector<double>{1.0, 2.0});
}

TEST_CASE("xtensor: as_xtensor aliases the tensor's storage both ways") {
  xg::Tensor t = xg::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3}, xg::kFloat64);
  auto v = xg::as_xtensor<double>(t);
  REQUIRE(v.shape().size() == 2);
  CHECK(v.shape()[0] == 2);
  CHECK(v.shape()[1] == 3);
  CHECK(v(1, 2) == 6.0);
  CHECK(v.data() == t.data_ptr<double>());  // zero copy
  v(0, 1) = 20.0;                           // a write through the adaptor is in the tensor
  CHECK(t.to_vector()[1] == 20.0);
  t.mul_(2.0);  // an in-place op on the tensor is seen by the adaptor
  CHECK(v(0, 1) == 40.0);
  xt::view(v, 1, xt::all()) = 0.0;  // xtensor algorithms write through as well
  CHECK(t.to_vector() == std::vector<double>{2, 40, 6, 0, 0, 0});
  // Views of the tensor share its storage, so they see the writes too.
  const xg::Tensor flat = t.reshape({6});
  CHECK(flat.to_vector()[1] == 40.0);
  const auto r = xg::as_xtensor<const double>(t);
  CHECK(r(0, 2) == 6.0);
}

TEST_CASE("xtensor: the adaptor keeps the storage alive after the last tensor handle is gone") {
  auto v = [] {
    xg::Tensor t = xg::arange(0.0, 4.0, 1.0, xg::kFloat32);
    return xg::as_xtensor<float>(t);
  }();
  CHECK(v(3) == 3.0f);
  v(3) = 9.0f;
  auto copy = v;  // copies share the owner
  CHECK(copy(3) == 9.0f);
}

TEST_CASE("xtensor: a mutable adaptor counts as an in-place change; a wrong value type throws") {
  auto x = xg::tensor({1.0, 2.0}, {2}, xg::kFloat64, true);
  auto y = (x * x).sum();  // saves x
  const auto before = x.version();
  const auto read_only = xg::as_xtensor<const double>(x);
  CHECK(x.version() == before);
  auto writable = xg::as_xtensor<double>(x);
  CHECK(x.version() == before + 1);
  CHECK_THROWS_AS(y.backward(), xg::Error);

  const auto f32 = xg::zeros({2, 2});
  CHECK_THROWS_WITH_AS(xg::as_xtensor<double>(f32), doctest::Contains("float32"), xg::Error);
  CHECK_THROWS_AS(xg::as_xtensor<std::int64_t>(f32), xg::Error);
  CHECK_THROWS_AS(xg::as_xtensor<int>(xg::zeros({2}, xg::kInt64)), xg::Error);  // int64 storage needs std::int64_t
  CHECK(xg::as_xtensor<std::int64_t>(xg::ones({2}, xg::kInt64))(1) == 1);
}

TEST_CASE("xtensor: prepare data with xtensor, fit with xgrad, read predictions back") {
  // y = 3x - 1 on a grid built with xtensor; least squares by gradient descent in xgrad.
  const xt::xarray<double> grid = xt::linspace<double>(-1.0, 1.0, 21);
  const xg::Tensor x = xg::from_xtensor(grid), y = xg::from_xtensor(3.0 * grid - 1.0);
  auto w = xg::zeros({}, xg::kFloat64, true), b = xg::zeros({}, xg::kFloat64, true);
  for (int step = 0; step < 500; ++step) {
    const auto loss = xg::mean(xg::pow(w * x + b - y, 2.0));
    const auto g = xg::autograd::grad({loss}, {w, b});
    xg::NoGradGuard no_grad;
    w.add_(g[0], -0.5);
    b.add_(g[1], -0.5);
  }
  const auto predictions = xg::as_xtensor<const double>((w * x + b).detach());
  CHECK(predictions(0) == doctest::Approx(-4.0).epsilon(1e-6));
  CHECK(predictions(20) == doctest::Approx(2.0).epsilon(1e-6));
}

TEST_CASE("xtensor: from_xtensor_view shares a container's buffer and keeps it alive") {
  auto shared = std::make_shared<xt::xarray<double>>(xt::xarray<double>{{1.0, 2.0}, {3.0, 4.0}});
  const double* buffer = shared->data();
  xg::Tensor t = xg::from_xtensor_view(shared);
  CHECK(t.dtype() == xg::kFloat64);
  CHECK(t.shape() == xg::Shape{2, 2});
  CHECK(t.data_ptr<double>() == buffer);  // zero copy
  (*shared)(1, 0) = 30.0;                 // container writes are seen by the tensor
  CHECK(t.to_vector()[2] == 30.0);
  t.mul_(2.0);  // tensor writes are seen by the container
  CHECK((*shared)(0, 1) == 4.0);
  // The tensor holds the container: dropping the caller's handle leaves the data valid.
  std::weak_ptr<xt::xarray<double>> watch = shared;
  shared.reset();
  CHECK_FALSE(watch.expired());
  CHECK(t.sum().item<double>() == doctest::Approx(2 + 4 + 60 + 8));
  // A view of the tensor also keeps it; the container goes when the last one does.
  xg::Tensor flat = t.reshape({4});
  t = xg::Tensor();
  CHECK_FALSE(watch.expired());
  CHECK(flat.to_vector()[3] == 8.0);
  flat = xg::Tensor();
  CHECK(watch.expired());
  // Autograd works on the shared buffer like on any leaf.
  auto f = std::make_shared<xt::xtensor<float, 1>>(xt::xtensor<float, 1>{1.0f, 2.0f, 3.0f});
  auto x = xg::from_xtensor_view(f).requires_grad_();
  (x * x).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<double>{2.0, 4.0, 6.0});
  CHECK_THROWS_AS(xg::from_xtensor_view(std::shared_ptr<xt::xarray<double>>()), xg::Error);
}
