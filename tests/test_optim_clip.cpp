// Gradient clipping: clip_grad_norm_ and clip_grad_value_ against torch, and their edge cases.
#include <doctest/doctest.h>

#include <limits>

#include "optim_test_support.hpp"

using namespace optim_test;
namespace utils = xg::nn::utils;

namespace {

std::vector<xg::Tensor> params_with_grads(const json& grads, xg::Dtype dtype = xg::kFloat64) {
  std::vector<xg::Tensor> params;
  for (const json& g : grads) {
    auto p = xg::zeros(shape_of(g["shape"]), dtype, true);
    p.set_grad(xg::tensor(g["values"].get<std::vector<double>>(), shape_of(g["shape"]), dtype));
    params.push_back(p);
  }
  return params;
}

}  // namespace

TEST_CASE("clip_grad_norm_ and clip_grad_value_ match torch") {
  const json fx = load_fixture("optim_clip.json");
  for (const json& c : fx["cases"]) {
    auto params = params_with_grads(fx["grads"]);
    if (c["kind"] == "norm") {
      const double norm_type = c["norm_type"].is_string() ? std::numeric_limits<double>::infinity() : c["norm_type"].get<double>();
      CAPTURE(norm_type);
      const double total = utils::clip_grad_norm_(params, c["max_norm"].get<double>(), norm_type);
      CHECK(mixed_error(total, c["total_norm"].get<double>()) <= 1e-14);
    } else {
      utils::clip_grad_value_(params, c["clip_value"].get<double>());
    }
    for (std::size_t i = 0; i < params.size(); ++i)
      CHECK(max_error(params[i].grad().to_vector(), c["grads"][i].get<std::vector<double>>()) <= 1e-14);
  }
}

TEST_CASE("clip_grad_norm_ works in float32, skips params without gradients and bumps versions") {
  auto a = xg::zeros({2}, xg::kFloat32, true);
  auto none = xg::zeros({2}, xg::kFloat32, true);
  a.set_grad(xg::tensor({3.0, 4.0}, {2}, xg::kFloat32));
  const auto version = a.grad().version();
  CHECK(utils::clip_grad_norm_({a, none}, 1.0) == doctest::Approx(5.0));
  CHECK(a.grad().to_vector()[0] == doctest::Approx(0.6).epsilon(1e-6));
  CHECK(a.grad().version() > version);
  CHECK_FALSE(none.grad().defined());
  CHECK(utils::clip_grad_norm_(none, 1.0) == 0.0);  // nothing to clip

  // Under the limit: gradients are left as they are.
  a.set_grad(xg::tensor({0.3, 0.4}, {2}, xg::kFloat32));
  CHECK(utils::clip_grad_norm_(a, 1.0) == doctest::Approx(0.5));
  CHECK(a.grad().to_vector()[1] == doctest::Approx(0.4));
}

TEST_CASE("clip_grad_norm_ reports a non-finite norm when asked to") {
  auto p = xg::zeros({3}, xg::kFloat64, true);
  p.set_grad(xg::tensor({1.0, std::numeric_limits<double>::quiet_NaN(), 2.0}, {3}, xg::kFloat64));
  CHECK_THROWS_WITH_AS(utils::clip_grad_norm_(p, 1.0, 2.0, true),
                       doctest::Contains("clip_grad_norm_: the total norm of order 2 of the gradients of 1 parameters is "
                                         "non-finite"),
                       xg::Error);
  CHECK(p.grad().to_vector()[0] == 1.0);  // untouched after the error
  CHECK(std::isnan(utils::clip_grad_norm_(p, 1.0, std::numeric_limits<double>::infinity())));
  p.set_grad(xg::tensor({1.0, std::numeric_limits<double>::infinity(), 2.0}, {3}, xg::kFloat64));
  CHECK_THROWS_AS(utils::clip_grad_norm_(p, 1.0, 1.0, true), xg::Error);
  CHECK_THROWS_WITH_AS(utils::clip_grad_norm_(p, 1.0, 0.0), doctest::Contains("norm_type must be"), xg::Error);
}

TEST_CASE("clip_grad_value_ clamps every element of every gradient") {
  auto a = xg::zeros({4}, xg::kFloat32, true);
  a.set_grad(xg::tensor({-3.0, -0.5, 0.5, 3.0}, {4}, xg::kFloat32));
  utils::clip_grad_value_(a, 1.0);
  CHECK(a.grad().to_vector() == std::vector<double>{-1.0, -0.5, 0.5, 1.0});
}
