// Tensors: factories, dtypes and promotion, views and versions, printing, forward values of ops.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>

#include <xgrad/xgrad.hpp>

namespace {
std::vector<double> v(const xg::Tensor& t) { return t.to_vector(); }
}  // namespace

TEST_CASE("factories give the shapes, dtypes and values torch gives") {
  CHECK(xg::zeros({2, 3}).dtype() == xg::kFloat32);
  CHECK(v(xg::arange(0, 5, 2, xg::kInt64)) == std::vector<double>{0, 2, 4});
  CHECK(xg::arange(0, 1, 0.25).numel() == 4);
  auto l = xg::linspace(-10, 10, 100, xg::kFloat64);
  CHECK(l.numel() == 100);
  CHECK(v(l).front() == -10.0);
  CHECK(v(l).back() == 10.0);  // exact endpoint, as torch
  CHECK(v(xg::full({2}, 7.5)) == std::vector<double>{7.5, 7.5});
  CHECK(xg::ones_like(xg::zeros({3}, xg::kFloat64)).dtype() == xg::kFloat64);
  xg::manual_seed(42);
  auto a = xg::randn({1000}, xg::kFloat64);
  xg::manual_seed(42);
  auto b = xg::randn({1000}, xg::kFloat64);
  CHECK(xg::equal(a, b));
  CHECK(std::fabs(xg::mean(a).item<double>()) < 0.1);
  CHECK(xg::std(a).item<double>() == doctest::Approx(1.0).epsilon(0.1));
  auto u = xg::rand({1000});
  CHECK(xg::min(u).item<double>() >= 0.0);
  CHECK(xg::max(u).item<double>() < 1.0);
  CHECK(xg::tensor({1, 2}, {2}, xg::kInt64).dtype() == xg::kInt64);
}

TEST_CASE("dtype promotion follows torch") {
  auto f32 = xg::ones({2});
  auto f64 = xg::ones({2}, xg::kFloat64);
  auto i64 = xg::ones({2}, xg::kInt64);
  CHECK((f32 + f64).dtype() == xg::kFloat64);
  CHECK((f32 * 2.5).dtype() == xg::kFloat32);
  CHECK((i64 + i64).dtype() == xg::kInt64);
  CHECK((i64 + f32).dtype() == xg::kFloat32);
  CHECK((i64 / i64).dtype() == xg::kFloat32);  // true division
  CHECK(xg::exp(i64).dtype() == xg::kFloat32);
  CHECK(xg::gt(f32, 0.5).dtype() == xg::kBool);
  CHECK(xg::sum(xg::gt(f32, 0.5)).dtype() == xg::kInt64);
  CHECK(xg::sum(xg::gt(f32, 0.5)).item<std::int64_t>() == 2);
}

TEST_CASE("views share storage and the version counter; copies do not") {
  auto x = xg::zeros({2, 3});
  auto r = x.reshape({3, 2});
  auto d = x.detach();
  auto c = x.clone();
  d.fill_(1.0);
  CHECK(v(r) == std::vector<double>(6, 1.0));
  CHECK(v(c) == std::vector<double>(6, 0.0));
  CHECK(x.version() == 1);
  CHECK(r.version() == 1);
  CHECK(c.version() == 0);
  x.add_(xg::ones({3}));
  CHECK(v(x) == std::vector<double>(6, 2.0));
  CHECK(xg::reshape(x, {-1, 2}).shape() == xg::Shape{3, 2});
  CHECK(xg::flatten(xg::zeros({2, 3, 4}), 1).shape() == xg::Shape{2, 12});
  CHECK(xg::unsqueeze(xg::zeros({3}), -1).shape() == xg::Shape{3, 1});
}

TEST_CASE("forward values of ops") {
  auto a = xg::tensor({1, 2, 3, 4, 5, 6}, {2, 3}, xg::kFloat64);
  auto b = xg::tensor({1, 0, 0, 1, 1, 1}, {3, 2}, xg::kFloat64);
  CHECK(v(xg::matmul(a, b)) == std::vector<double>{4, 5, 10, 11});
  CHECK(v(a.t()) == std::vector<double>{1, 4, 2, 5, 3, 6});
  CHECK(v(xg::permute(xg::arange(0, 24).reshape({2, 3, 4}), {2, 0, 1})).at(1) == 4.0);
  CHECK(v(xg::sum(a, {0})) == std::vector<double>{5, 7, 9});
  CHECK(v(xg::mean(a, {1}, true)) == std::vector<double>{2, 5});
  CHECK(xg::var(a).item<double>() == doctest::Approx(3.5));
  auto [values, indices] = xg::max(a, 1);
  CHECK(v(values) == std::vector<double>{3, 6});
  CHECK(v(indices) == std::vector<double>{2, 2});
  CHECK(v(xg::argmax(a, 0)) == std::vector<double>{1, 1, 1});
  CHECK(v(xg::cat({a, a}, 0)).size() == 12);
  CHECK(xg::stack({a, a}, 1).shape() == xg::Shape{2, 2, 3});
  CHECK(v(xg::narrow(a, 1, 1, 2)) == std::vector<double>{2, 3, 5, 6});
  CHECK(v(xg::index_select(a, 1, xg::tensor({2, 0}, {2}, xg::kInt64))) == std::vector<double>{3, 1, 6, 4});
  CHECK(v(xg::gather(a, 1, xg::tensor({0, 2}, {2, 1}, xg::kInt64))) == std::vector<double>{1, 6});
  CHECK(v(xg::where(xg::gt(a, 3.0), a, 0.0)) == std::vector<double>{0, 0, 0, 4, 5, 6});
  CHECK(v(xg::clamp(a, 2, 4)) == std::vector<double>{2, 2, 3, 4, 4, 4});
  CHECK(v(xg::expand(xg::tensor({1, 2}, {2, 1}), {2, 3})) == std::vector<double>{1, 1, 1, 2, 2, 2});
  CHECK(xg::matmul(xg::ones({4, 2, 3}), xg::ones({3, 5})).shape() == xg::Shape{4, 2, 5});
  CHECK(xg::matmul(xg::ones({3}), xg::ones({3})).dim() == 0);
  CHECK(xg::gelu(xg::tensor({1.0}, {1}, xg::kFloat64)).item<double>() == doctest::Approx(0.8413447460685429));
}

TEST_CASE("softmax, log_softmax and logsumexp stay finite for logits of +-1000") {
  auto x = xg::tensor({1000, -1000, 0, 999}, {1, 4}, xg::kFloat64);
  auto p = xg::softmax(x, 1);
  auto lp = xg::log_softmax(x, 1);
  auto lse = xg::logsumexp(x, 1);
  for (double e : v(p)) CHECK(std::isfinite(e));
  for (double e : v(lp)) CHECK(std::isfinite(e));
  CHECK(xg::sum(p).item<double>() == doctest::Approx(1.0));
  CHECK(lse.item<double>() == doctest::Approx(1000.0 + std::log1p(std::exp(-1.0))));
  CHECK(v(lp)[1] == doctest::Approx(-2000.0 - std::log1p(std::exp(-1.0))));
  auto xr = x.detach().requires_grad_();
  xg::log_softmax(xr, 1).sum().backward();
  for (double e : v(xr.grad())) CHECK(std::isfinite(e));
}

TEST_CASE("printing looks like PyTorch's repr, with shape and dtype") {
  auto x = xg::tensor({1.5, -2.25, 3, 4}, {2, 2}, xg::kFloat64, true);
  const std::string s = xg::to_string(x);
  CHECK(s == "tensor([[ 1.5000, -2.2500],\n        [ 3.0000,  4.0000]], shape=[2, 2], dtype=float64, requires_grad=True)");
  CHECK(fmt::format("{}", x * 2.0).find("grad_fn=<MulBackward>") != std::string::npos);
  CHECK(xg::to_string(xg::tensor({1, 2}, {2}, xg::kInt64)) == "tensor([1, 2], shape=[2], dtype=int64)");
  CHECK(xg::to_string(xg::tensor({1.0, 2.0}, {2})) == "tensor([1., 2.], shape=[2], dtype=float32)");
  CHECK(xg::to_string(xg::scalar_tensor(0.5)) == "tensor(0.5000, shape=[], dtype=float32)");
  CHECK(xg::to_string(xg::gt(xg::tensor({1.0, -1.0}, {2}), 0.0)) == "tensor([ True, False], shape=[2], dtype=bool)");
  // Long tensors are summarized in the repr (operator<< prints libtorch's format: test_torch_compat).
  const std::string long_repr = xg::to_string(xg::zeros({2000}));
  CHECK(long_repr.find("...") != std::string::npos);
  CHECK(long_repr.size() < 200);
}
