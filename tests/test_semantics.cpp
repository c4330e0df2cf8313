// torch 1.13's semantics at the edges of issue 15: values, dtypes and gradients (second derivatives
// where the row is about them) compared with tests/fixtures/semantics.json, made by
// scripts/make_semantics_fixtures.py. Inputs come from the same file, so both sides see the same bits.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

#include "torch_fixtures.hpp"

namespace {

namespace F = xg::nn::functional;
using torch_fixtures::json;

const json& cases() {
  static const json all = torch_fixtures::load("semantics.json")["cases"];
  return all;
}

using torch_fixtures::dtype_of;
using torch_fixtures::number;

// A fixture tensor as an xgrad tensor of the same dtype.
xg::Tensor input(const json& j, bool requires_grad = false) {
  std::vector<double> values;
  for (const auto& v : j["values"]) values.push_back(number(v));
  const auto shape = j["shape"].get<xg::Shape>();
  const auto dtype = dtype_of(j["dtype"].get<std::string>());
  if (dtype == xg::kInt64) {
    std::vector<std::int64_t> ints(values.begin(), values.end());
    return xg::tensor(ints, shape, xg::kInt64);
  }
  if (dtype == xg::kBool) return xg::tensor(values, shape, xg::kFloat64).to(xg::kBool);
  return xg::tensor(values, shape, dtype, requires_grad);
}

// Same dtype, shape, NaNs and infinities; finite values within rtol of the tensor's largest magnitude
// (1e-12 for float64: the same formula in both libraries; float32 cases pass 1e-6).
void expect_same(const std::string& what, const xg::Tensor& got, const json& want, double rtol = 1e-12) {
  CAPTURE(what);
  REQUIRE(got.defined());
  CHECK(std::string(xg::dtype_name(got.dtype())) == want["dtype"].get<std::string>());
  REQUIRE(got.shape() == want["shape"].get<xg::Shape>());
  const std::vector<double> a = got.to_vector();
  std::vector<double> b;
  double scale = 1;
  for (const auto& v : want["values"]) {
    b.push_back(number(v));
    if (std::isfinite(b.back())) scale = std::max(scale, std::abs(b.back()));
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CAPTURE(a[i]);
    CAPTURE(b[i]);
    if (std::isnan(b[i])) CHECK(std::isnan(a[i]));
    else if (std::isinf(b[i])) CHECK(a[i] == b[i]);
    else CHECK(std::abs(a[i] - b[i]) <= rtol * scale);
  }
}

xg::Tensor grad_of(const xg::Tensor& out, const xg::Tensor& x, bool create_graph = false) {
  return xg::autograd::grad({out}, {x}, {}, true, create_graph)[0];
}

}  // namespace

TEST_CASE("semantics: std over a constant slice has gradient 0, var().sqrt() keeps NaN (torch)") {
  const json& c = cases()["std_constant_row"];
  const auto x = input(c["x"], true);
  const auto s = xg::std(x, {1});
  expect_same("std", s, c["std"]);
  expect_same("dstd", grad_of(xg::sum(s), x), c["dstd"]);
  // the normalization a user writes: one constant row must not poison the gradient
  const auto w = xg::tensor({1.0, 2.0, 3.0, -1.0, 0.5, 2.0}, {2, 3}, xg::kFloat64);
  const auto normalized = (x - xg::mean(x, {1}, true)) / (xg::std(x, {1}, true, true) + 1e-5);
  expect_same("dnormalized", grad_of(xg::sum(normalized * w), x), c["dnormalized"]);
  expect_same("dvar_sqrt", grad_of(xg::sum(xg::sqrt(xg::var(x, {1}, true, false))), x), c["dvar_sqrt"]);
  // second order through the constant row stays finite (the masked branch never divides by 0)
  const auto g = grad_of(xg::sum(xg::std(x, {1})), x, true);
  for (double v : grad_of(xg::sum(g * g), x).to_vector()) CHECK(std::isfinite(v));
}

TEST_CASE("semantics: mean cross_entropy / nll_loss with every target ignored: loss NaN, gradient 0 (torch)") {
  const json& c = cases()["ignored_targets"];
  const auto logits = input(c["logits"], true);
  const auto target = input(c["target"]);
  const auto ce = F::cross_entropy(logits, target);
  expect_same("cross_entropy", ce, c["cross_entropy"]);
  expect_same("dcross_entropy", grad_of(ce, logits), c["dcross_entropy"]);
  const auto nll = F::nll_loss(logits, target);
  expect_same("nll_loss", nll, c["nll_loss"]);
  expect_same("dnll_loss", grad_of(nll, logits), c["dnll_loss"]);
}

TEST_CASE("semantics: NaN propagates through relu, leaky_relu, clamp, abs, maximum/minimum, max/min (torch)") {
  const json& c = cases()["nan"];
  const auto x = input(c["x"], true);
  const std::vector<std::pair<std::string, std::function<xg::Tensor(const xg::Tensor&)>>> unary = {
      {"relu", [](const xg::Tensor& v) { return xg::relu(v); }},
      {"leaky_relu", [](const xg::Tensor& v) { return xg::leaky_relu(v, 0.1); }},
      {"clamp", [](const xg::Tensor& v) { return xg::clamp(v, 0.0, 0.5); }},
      {"abs", [](const xg::Tensor& v) { return xg::abs(v); }},
      {"max", [](const xg::Tensor& v) { return xg::max(v); }},
      {"min", [](const xg::Tensor& v) { return xg::min(v); }},
      {"max_dim", [](const xg::Tensor& v) { return std::get<0>(xg::max(v, 0)); }}};
  for (const auto& [name, fn] : unary) {
    const auto y = fn(x);
    expect_same(name, y, c[name]);
    expect_same("d" + name, grad_of(xg::sum(y), x), c["d" + name]);
  }
  const auto v = input(c["relu_upstream_x"], true);
  const auto upstream = xg::tensor({NAN, NAN, INFINITY}, {3}, xg::kFloat64);
  expect_same("drelu_nan_upstream", xg::autograd::grad({xg::relu(v)}, {v}, {upstream})[0], c["drelu_nan_upstream"]);
  const auto z = xg::zeros({4}, xg::kFloat64).requires_grad_();
  for (const std::string name : {"maximum", "minimum"}) {
    const auto y = name == "maximum" ? xg::maximum(x, z) : xg::minimum(x, z);
    expect_same(name, y, c[name]);
    const auto g = xg::autograd::grad({xg::sum(y)}, {x, z});
    expect_same("d" + name + "_a", g[0], c["d" + name + "_a"]);
    expect_same("d" + name + "_b", g[1], c["d" + name + "_b"]);
  }
}

TEST_CASE("semantics: relu's backward over long float32 and float64 tensors: 0 where x <= 0 even for NaN g") {
  // Longer than relu_backward_map's blocks of 1024 and split over threads; x holds ±0, ±inf and NaN,
  // the upstream gradient NaN and inf, so every (x, g) class meets every other.
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> x_classes = {-2.0, -0.0, 0.0, 3.0, -inf, inf, nan, -nan};
  const std::vector<double> g_classes = {1.5, nan, -inf, 0.25, -7.0};
  std::vector<double> xs, gs;
  for (int i = 0; i < 5003; ++i) {
    xs.push_back(x_classes[i % x_classes.size()]);
    gs.push_back(g_classes[i % g_classes.size()]);
  }
  for (const xg::Dtype dtype : {xg::kFloat32, xg::kFloat64}) {
    const auto x = xg::tensor(xs, {5003}, dtype).requires_grad_(), g = xg::tensor(gs, {5003}, dtype);
    const auto got = xg::autograd::grad({xg::relu(x)}, {x}, {g})[0].to_vector();
    for (std::size_t i = 0; i < xs.size(); ++i) {
      CAPTURE(i);
      const bool passes = !(xs[i] <= 0.0);  // x > 0 or NaN
      const double want = passes ? gs[i] : 0.0;
      if (std::isnan(want))
        CHECK(std::isnan(got[i]));
      else
        CHECK(got[i] == want);
    }
  }
}

TEST_CASE("semantics: float32 sums are cascaded: a million copies of 0.1 sum as torch sums them") {
  // torch 1.13: torch.full((1000000,), 0.1).sum() == 100000.0078125; the exact sum of float32(0.1)
  // a million times is 100000.00149. A plain running sum would be off by thousands.
  const double s = xg::full({1000000}, 0.1, xg::kFloat32).sum().item<double>();
  CHECK(std::abs(s - 100000.00149) / 100000.0 <= 1e-7);
  // Row sums of 1000 equal values: torch's are within 1 ulp, xgrad's within 4 (a naive running sum: about 100).
  const auto rows = xg::full({1000, 1000}, 0.1, xg::kFloat32).sum({1});
  CHECK(std::abs(rows[0].item<double>() - 100.00000149) <= 4 * 7.63e-6);
  // bool has no abs, relu or negation in torch: an error rather than a silent int64 or float result.
  const auto mask = xg::tensor(std::vector<double>{1, 0}, {2}, xg::kBool);
  CHECK_THROWS_WITH_AS(xg::abs(mask), doctest::Contains("abs: not implemented for bool"), xg::Error);
  CHECK_THROWS_WITH_AS(xg::relu(mask), doctest::Contains("relu: bool inputs are not supported"), xg::Error);
  CHECK_THROWS_WITH_AS(-mask, doctest::Contains("logical_not"), xg::Error);
}

TEST_CASE("semantics: pow with a tensor exponent has base gradient 0 where the exponent is 0 (torch)") {
  const json& c = cases()["pow_tensor_exponent"];
  const auto base = input(c["base"], true), exponent = input(c["exponent"], true);
  const auto y = xg::pow(base, exponent);
  expect_same("y", y, c["y"]);
  const auto g = xg::autograd::grad({xg::sum(y)}, {base, exponent});
  expect_same("dbase", g[0], c["dbase"]);
  expect_same("dexponent", g[1], c["dexponent"]);
}

TEST_CASE("semantics: dtype promotion follows torch's result_type") {
  const json& c = cases()["promotion"];
  const auto f32 = xg::tensor({1.5, -2.0}, {2}, xg::kFloat32);
  const auto f64_0d = xg::full({}, 2.0, xg::kFloat64);
  const auto i64 = xg::tensor(std::vector<std::int64_t>{3, -4}, {2});
  const auto b = xg::tensor({1.0, 0.0}, {2}, xg::kFloat64).to(xg::kBool);
  const auto both = xg::ones({2}, xg::kBool);
  expect_same("f32_mul_f64_0d", f32 * f64_0d, c["f32_mul_f64_0d"]);
  expect_same("f32_0d_mul_f64", xg::full({}, 2.0, xg::kFloat32) * xg::tensor({1.5, -2.0}, {2}, xg::kFloat64),
              c["f32_0d_mul_f64"]);
  expect_same("i64_mul_f64_0d", i64 * f64_0d, c["i64_mul_f64_0d"]);
  expect_same("i64_add_double", i64 + 2.0, c["i64_add_double"]);
  expect_same("i64_add_int", i64 + 2, c["i64_add_int"]);
  expect_same("i64_mul_int", i64 * 3, c["i64_mul_int"]);
  expect_same("bool_add_double", b + 2.0, c["bool_add_double"]);
  expect_same("bool_add_int", b + 2, c["bool_add_int"]);
  expect_same("bool_add_bool", b + both, c["bool_add_bool"]);
  expect_same("bool_mul_bool", b * both, c["bool_mul_bool"]);
  expect_same("i64_abs", xg::abs(i64), c["i64_abs"]);
  expect_same("i64_relu", xg::relu(i64), c["i64_relu"]);
  expect_same("i64_neg", -i64, c["i64_neg"]);
  expect_same("i64_pow_int", xg::pow(i64, 3), c["i64_pow_int"]);
  expect_same("i64_pow_zero", xg::pow(i64, 0), c["i64_pow_zero"]);
  expect_same("bool_pow_int", xg::pow(b, 2), c["bool_pow_int"]);
  expect_same("i64_pow_double", xg::pow(i64, 2.0), c["i64_pow_double"]);
  CHECK_THROWS_WITH_AS(xg::pow(i64, -1), doctest::Contains("negative integer powers"), xg::Error);
  expect_same("i64_eq_f64_0d", xg::eq(i64, xg::full({}, 3.0, xg::kFloat64)), c["i64_eq_f64_0d"]);
  const auto ints = [](std::vector<std::int64_t> v, xg::Shape s) { return xg::tensor(v, s); };
  expect_same("i64_matmul_2d", xg::matmul(ints({1, 2, 3, 4}, {2, 2}), ints({5, -6, 7, 8}, {2, 2})), c["i64_matmul_2d"]);
  expect_same("i64_matmul_1d", xg::matmul(ints({1, 2, 3}, {3}), ints({4, 5, 6}, {3})), c["i64_matmul_1d"]);
  expect_same("i64_matmul_batched",
              xg::matmul(xg::reshape(xg::arange(0, 12, 1, xg::kInt64), {2, 2, 3}),
                         xg::reshape(xg::arange(0, 6, 1, xg::kInt64), {3, 2})),
              c["i64_matmul_batched"]);
  // linear of int64 operands is the same exact product (weight [out, in]), plus the bias
  expect_same("i64_linear", xg::linear(ints({1, 2, 3, 4}, {2, 2}), ints({5, 7, -6, 8}, {2, 2}), ints({0, 0}, {2})),
              c["i64_matmul_2d"]);
  {  // autocast leaves integer products alone, as torch's
    xg::AutocastGuard guard(xg::kBFloat16);
    expect_same("i64_matmul_2d autocast", xg::matmul(ints({1, 2, 3, 4}, {2, 2}), ints({5, -6, 7, 8}, {2, 2})),
                c["i64_matmul_2d"]);
  }
  // as torch: subtracting bool tensors is refused, naming the op
  CHECK_THROWS_WITH_AS(b - both, doctest::Contains("sub"), xg::Error);
}

TEST_CASE("semantics: first derivatives of relu, leaky_relu and abs are differentiable (torch: zeros)") {
  const json& c = cases()["second_derivatives"];
  const std::vector<std::pair<std::string, std::function<xg::Tensor(const xg::Tensor&)>>> ops = {
      {"relu", [](const xg::Tensor& v) { return xg::relu(v); }},
      {"leaky_relu", [](const xg::Tensor& v) { return xg::leaky_relu(v, 0.1); }},
      {"abs", [](const xg::Tensor& v) { return xg::abs(v); }}};
  for (const auto& [name, fn] : ops) {
    const auto w = input(c["w"], true);
    const auto g = grad_of(xg::sum(fn(w)), w, true);
    CHECK(g.requires_grad());
    expect_same(name + "_dd", grad_of(xg::sum(g), w), c[name + "_dd"]);
    const auto h = grad_of(xg::sum(fn(w) * w), w, true);
    expect_same(name + "_times_w_dd", grad_of(xg::sum(h), w), c[name + "_times_w_dd"]);
  }
  // a ReLU network's Hessian-vector product: zeros through the activation, no "input 0 was not used"
  const auto w = input(c["w"], true);
  const auto g = grad_of(xg::sum(xg::relu(xg::relu(w) * 2.0)), w, true);
  expect_same("relu_net_dd", grad_of(xg::sum(g), w), c["relu_dd"]);
}

TEST_CASE("semantics: expand(-1), linspace with one step, t() of a 3-D tensor (torch)") {
  const json& c = cases()["shapes"];
  expect_same("expand_minus_one", xg::expand(xg::tensor({1.0, 2.0}, {2, 1}, xg::kFloat64), {-1, 3}),
              c["expand_minus_one"]);
  expect_same("linspace_one_step", xg::linspace(0, 1, 1, xg::kFloat64), c["linspace_one_step"]);
  CHECK_THROWS_WITH_AS(xg::expand(xg::ones({2}), {-1, 2}), doctest::Contains("-1"), xg::Error);
  CHECK_THROWS_WITH_AS(xg::ones({2, 3, 4}).t(), doctest::Contains("t: "), xg::Error);
  CHECK_THROWS_WITH_AS(xg::ones({2, 3, 4}).t(), doctest::Contains("[2, 3, 4]"), xg::Error);
}

TEST_CASE("semantics: log_softmax keeps large logits, logsumexp at inf and empty, amax ties, kl_div, var of empty") {
  const json& c = cases()["softmax_reduce"];
  expect_same("log_softmax_huge", xg::log_softmax(input(c["huge"]), 0), c["log_softmax_huge"]);
  // float32 confident rows: torch's float32 digits (x - (max + log Σ) was off by 1.6e-3 relative)
  const auto confident = input(c["confident"]);
  expect_same("log_softmax_confident", xg::log_softmax(confident, 1), c["log_softmax_confident"], 1e-6);
  // the strided (non-last dim) kernel computes the same way
  expect_same("log_softmax_confident dim 0",
              xg::transpose(xg::log_softmax(xg::transpose(confident, 0, 1).contiguous(), 0), 0, 1).contiguous(),
              c["log_softmax_confident"], 1e-6);
  const auto inf_row = input(c["inf_row"], true);
  const auto lse = xg::logsumexp(inf_row, 0);
  expect_same("logsumexp_inf", lse, c["logsumexp_inf"]);
  expect_same("dlogsumexp_inf", grad_of(lse, inf_row), c["dlogsumexp_inf"]);
  expect_same("logsumexp_empty", xg::logsumexp(xg::zeros({2, 0}, xg::kFloat64), 1), c["logsumexp_empty"]);
  const auto ties = input(c["ties"], true);
  expect_same("damax", grad_of(xg::amax(ties, 0), ties), c["damax"]);
  const auto [value, index] = xg::max(ties, 0);
  expect_same("max_index", index, c["max_index"]);
  expect_same("dmax_dim", grad_of(value, ties), c["dmax_dim"]);
  expect_same("kl_none", F::kl_div(input(c["kl_input"]), input(c["kl_target"]), {.reduction = "none"}), c["kl_none"]);
  expect_same("var_empty", xg::var(xg::zeros({0}, xg::kFloat64)), c["var_empty"]);
  expect_same("std_empty", xg::std(xg::zeros({0}, xg::kFloat64)), c["std_empty"]);
  expect_same("var_empty_dim", xg::var(xg::zeros({2, 0}, xg::kFloat64), {1}, true, false), c["var_empty_dim"]);
}

TEST_CASE("semantics: where torch 1.13 is wrong, var and std keep the mathematically right gradients") {
  // one element: var and std are NaN (0/0, as torch); the gradient is NaN of the input's shape, where
  // torch 1.13's backward fails with "invalid gradient ... got [] but expected [1]"
  const auto one = xg::tensor({2.0}, {1}, xg::kFloat64, true);
  for (const auto& out : {xg::var(one), xg::std(one)}) {
    CHECK(std::isnan(out.item<double>()));
    const auto g = grad_of(out, one);
    REQUIRE(g.shape() == xg::Shape{1});
    CHECK(std::isnan(g.to_vector()[0]));
  }
  // var(x, {}) reduces every dim (as torch's value); its gradient is 2(x - mean)/(n - 1), where
  // torch 1.13 returns ±inf
  const auto y = xg::tensor({1.0, 2.0, 3.0, 5.0}, {2, 2}, xg::kFloat64, true);
  const auto v = xg::var(y, {}, true, false);
  CHECK(v.item<double>() == doctest::Approx(35.0 / 12.0).epsilon(1e-14));
  const auto g = grad_of(v, y).to_vector();
  const std::vector<double> want{-3.5 / 3.0, -1.5 / 3.0, 0.5 / 3.0, 4.5 / 3.0};
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(g[i] == doctest::Approx(want[i]).epsilon(1e-14));
  CHECK(xg::autograd::gradcheck([](const std::vector<xg::Tensor>& x) { return xg::var(x[0], {}, true, false); },
                                {y.detach().requires_grad_()}));
}
