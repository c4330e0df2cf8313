// xgrad::autograd::functional against torch.autograd.functional 1.13 (tests/fixtures/functional.json,
// from scripts/make_linalg_fixtures.py, whose test functions are written again here op for op).
#include <doctest/doctest.h>

#include "torch_fixtures.hpp"

namespace {

namespace F = xg::autograd::functional;
using torch_fixtures::json;
using torch_fixtures::rel_error;
using Tensors = std::vector<xg::Tensor>;

constexpr double kTol = 1e-10;

const json& fixtures() {
  static const json fx = torch_fixtures::load("functional.json");
  return fx;
}
xg::Tensor T(const json& j) { return torch_fixtures::tensor(j); }

xg::Tensor vec_fn(const xg::Tensor& x) { return xg::sin(x) * x.sum() + xg::pow(x, 3.0); }
xg::Tensor mat_fn(const xg::Tensor& x) { return xg::tanh(xg::matmul(x, T(fixtures()["W"]))); }
xg::Tensor scalar_fn(const xg::Tensor& x) {
  return (x * x).sum() * xg::sin(x).sum() + xg::exp(0.5 * x).sum();
}
xg::Tensor pair_fn(const Tensors& x) { return xg::tanh(xg::matmul(x[0], x[1])) * (x[1] * x[1]).sum(); }
xg::Tensor pair_scalar_fn(const Tensors& x) {
  return xg::pow(xg::matmul(x[0], x[1]).sum(), 2.0) + xg::sin(x[0]).sum() * xg::pow(x[1], 3.0).sum();
}

F::Function single(const std::string& name) {
  if (name == "vec") return vec_fn;
  if (name == "mat") return mat_fn;
  return scalar_fn;
}

Tensors tensors(const json& list) {
  Tensors out;
  for (const auto& j : list) out.push_back(T(j));
  return out;
}

}  // namespace

TEST_CASE("functional: single-input vjp, jvp, jacobian, hessian, hvp, vhp match torch") {
  for (const json& c : fixtures()["single"]) {
    const std::string name = c["name"];
    CAPTURE(name);
    const auto f = single(name);
    const xg::Tensor x = T(c["x"]), v = T(c["v"]), u = T(c["u"]);

    const auto [y, vj] = F::vjp(f, x, v);
    CHECK(rel_error(y, c["y"]) < kTol);
    CHECK(rel_error(vj, c["vjp"]) < kTol);
    CHECK_FALSE(vj.requires_grad());
    const auto [y2, ju] = F::jvp(f, x, u);
    CHECK(rel_error(y2, c["y"]) < kTol);
    CHECK(rel_error(ju, c["jvp"]) < kTol);
    CHECK(rel_error(F::jacobian(f, x), c["jacobian"]) < kTol);
    if (c.contains("hessian")) {
      CHECK(rel_error(F::hessian(f, x), c["hessian"]) < kTol);
      const auto [y3, hv] = F::hvp(f, x, u);
      CHECK(rel_error(y3, c["y"]) < kTol);
      CHECK(rel_error(hv, c["hvp"]) < kTol);
      CHECK(rel_error(std::get<1>(F::vhp(f, x, u)), c["vhp"]) < kTol);
      // Third order through create_graph: d/dx sum(H(x)·u).
      const xg::Tensor xr = x.clone().requires_grad_();
      const auto [y4, hv_graph] = F::hvp(f, xr, u, /*create_graph=*/true);
      CHECK(hv_graph.requires_grad());
      hv_graph.sum().backward();
      CHECK(rel_error(xr.grad(), c["hvp_grad"]) < kTol);
    }
  }
}

TEST_CASE("functional: several inputs give per-input results and [i][j] Hessian blocks as torch") {
  for (const json& c : fixtures()["pair"]) {
    const std::string name = c["name"];
    CAPTURE(name);
    const F::FunctionN f = name == "pair" ? F::FunctionN(pair_fn) : F::FunctionN(pair_scalar_fn);
    const Tensors x = tensors(c["x"]), u = tensors(c["u"]);
    const xg::Tensor v = T(c["v"]);

    const auto [y, vj] = F::vjp(f, x, v);
    CHECK(rel_error(y, c["y"]) < kTol);
    REQUIRE(vj.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) CHECK(rel_error(vj[i], c["vjp"][i]) < kTol);
    CHECK(rel_error(std::get<1>(F::jvp(f, x, u)), c["jvp"]) < kTol);
    const auto jac = F::jacobian(f, x);
    REQUIRE(jac.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) CHECK(rel_error(jac[i], c["jacobian"][i]) < kTol);
    if (c.contains("hessian")) {
      const auto h = F::hessian(f, x);
      REQUIRE(h.size() == 2);
      for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 2; ++j) {
          CAPTURE(i);
          CAPTURE(j);
          CHECK(rel_error(h[i][j], c["hessian"][i][j]) < kTol);
        }
      const auto [y2, hv] = F::hvp(f, x, u);
      const auto [y3, vh] = F::vhp(f, x, u);
      for (std::size_t i = 0; i < 2; ++i) {
        CHECK(rel_error(hv[i], c["hvp"][i]) < kTol);
        CHECK(rel_error(vh[i], c["vhp"][i]) < kTol);
      }
    }
  }
}

TEST_CASE("functional: strict refuses inputs the output does not depend on; otherwise zeros") {
  const auto x = xg::tensor({1.0, 2.0}, {2}, xg::kFloat64);
  const auto y = xg::tensor({3.0}, {1}, xg::kFloat64);
  const F::FunctionN uses_first = [](const Tensors& in) { return (in[0] * in[0]).sum(); };
  const auto [out, g] = F::vjp(uses_first, {x, y});
  CHECK(out.item<double>() == 5.0);
  CHECK(g[0].to_vector() == std::vector<double>{2.0, 4.0});
  CHECK(g[1].to_vector() == std::vector<double>{0.0});
  CHECK_THROWS_AS(F::vjp(uses_first, {x, y}, xg::Tensor(), false, /*strict=*/true), xg::Error);
  CHECK_THROWS_AS(F::jacobian(uses_first, {x, y}, false, true), xg::Error);
  const auto h = F::hessian(uses_first, {x, y});
  CHECK(h[0][0].to_vector() == std::vector<double>{2.0, 0.0, 0.0, 2.0});
  CHECK(h[0][1].shape() == xg::Shape{2, 1});
  CHECK(h[1][1].to_vector() == std::vector<double>{0.0});
  // A linear function has a zero Hessian: strict refuses it (the gradient is independent of x).
  const F::Function linear = [](const xg::Tensor& in) { return (in * 3.0).sum(); };
  CHECK(F::hessian(linear, x).to_vector() == std::vector<double>(4, 0.0));
  CHECK_THROWS_AS(F::hessian(linear, x, false, true), xg::Error);
  CHECK(std::get<1>(F::jvp(linear, x, xg::ones_like(x))).item<double>() == 6.0);
}

TEST_CASE("functional: create_graph keeps results connected to inputs that require grad") {
  auto x = xg::tensor({0.5, -1.0, 2.0}, {3}, xg::kFloat64, true);
  const F::Function cube = [](const xg::Tensor& in) { return xg::pow(in, 3.0).sum(); };
  // Without create_graph the results are detached and x keeps no gradient.
  const auto h = F::hessian(cube, x);
  CHECK_FALSE(h.requires_grad());
  // With it, the Hessian diag(6x) is differentiable: d/dx sum(H) = 6 per element.
  const auto hg = F::hessian(cube, x, /*create_graph=*/true);
  REQUIRE(hg.requires_grad());
  hg.sum().backward();
  CHECK(x.grad().to_vector() == std::vector<double>{6.0, 6.0, 6.0});
  // Also under NoGradGuard: the functional API turns grad mode on for its own work.
  xg::NoGradGuard no_grad;
  const auto [out, jv] = F::jvp(cube, x.detach(), xg::ones_like(x));
  CHECK(jv.item<double>() == doctest::Approx(3 * (0.25 + 1.0 + 4.0)));
}

TEST_CASE("functional: bad arguments name the function and the shapes") {
  const auto x = xg::tensor({1.0, 2.0}, {2}, xg::kFloat64);
  const F::Function square = [](const xg::Tensor& in) { return in * in; };
  CHECK_THROWS_WITH_AS(F::vjp(square, x), doctest::Contains("vjp: v must be given"), xg::Error);
  CHECK_THROWS_WITH_AS(F::vjp(square, x, xg::ones({3}, xg::kFloat64)), doctest::Contains("[3]"), xg::Error);
  CHECK_THROWS_WITH_AS(F::hessian(square, x), doctest::Contains("single element"), xg::Error);
  CHECK_THROWS_WITH_AS(F::jacobian(square, xg::tensor(std::vector<std::int64_t>{1, 2}, {2})),
                       doctest::Contains("int64"), xg::Error);
}
