// xgrad::linalg against torch.linalg 1.13 (tests/fixtures/linalg.json from scripts/make_linalg_fixtures.py):
// values and gradients in float64 to 1e-10, float32 forward, batching, errors, and double backward.
// (Gradcheck and gradgradcheck of every linalg backward node are in test_gradcheck.cpp, with the
// op registry.)
#include <doctest/doctest.h>

#include <functional>
#include <map>

#include "torch_fixtures.hpp"

namespace {

namespace L = xg::linalg;
using torch_fixtures::json;
using torch_fixtures::rel_error;
using Tensors = std::vector<xg::Tensor>;
using Case = std::function<Tensors(const Tensors&)>;

constexpr double kTol = 1e-10;

// The fixture's cases, call for call (see LINALG_CASES in the script).
const std::map<std::string, Case>& cases() {
  static const std::map<std::string, Case> table = {
      {"inv", [](const Tensors& x) { return Tensors{L::inv(x[0])}; }},
      {"inv_nearly_singular", [](const Tensors& x) { return Tensors{L::inv(x[0])}; }},
      {"det", [](const Tensors& x) { return Tensors{L::det(x[0])}; }},
      {"det_nearly_singular", [](const Tensors& x) { return Tensors{L::det(x[0])}; }},
      {"slogdet", [](const Tensors& x) { return Tensors{std::get<1>(L::slogdet(x[0]))}; }},
      {"slogdet_sign", [](const Tensors& x) { return Tensors{std::get<0>(L::slogdet(x[0]))}; }},
      {"solve", [](const Tensors& x) { return Tensors{L::solve(x[0], x[1])}; }},
      {"solve_vector", [](const Tensors& x) { return Tensors{L::solve(x[0], x[1])}; }},
      {"solve_broadcast", [](const Tensors& x) { return Tensors{L::solve(x[0], x[1])}; }},
      {"solve_right", [](const Tensors& x) { return Tensors{L::solve(x[0], x[1], /*left=*/false)}; }},
      {"solve_nearly_singular", [](const Tensors& x) { return Tensors{L::solve(x[0], x[1])}; }},
      {"cholesky", [](const Tensors& x) { return Tensors{L::cholesky(x[0])}; }},
      {"cholesky_upper", [](const Tensors& x) { return Tensors{L::cholesky(x[0], /*upper=*/true)}; }},
      {"cholesky_of_product",
       [](const Tensors& x) {
         return Tensors{L::cholesky(xg::matmul(x[0], xg::transpose(x[0], -2, -1)) + xg::eye(3, xg::kFloat64))};
       }},
      {"solve_triangular_upper", [](const Tensors& x) { return Tensors{L::solve_triangular(x[0], x[1], true)}; }},
      {"solve_triangular_lower_right",
       [](const Tensors& x) { return Tensors{L::solve_triangular(x[0], x[1], false, /*left=*/false)}; }},
      {"solve_triangular_unit",
       [](const Tensors& x) { return Tensors{L::solve_triangular(x[0], x[1], false, true, /*unitriangular=*/true)}; }},
      {"cholesky_solve", [](const Tensors& x) { return Tensors{xg::cholesky_solve(x[1], L::cholesky(x[0]))}; }},
      {"cholesky_solve_upper",
       [](const Tensors& x) { return Tensors{xg::cholesky_solve(x[1], L::cholesky(x[0], true), /*upper=*/true)}; }},
  };
  return table;
}

const json& fixtures() {
  static const json fx = torch_fixtures::load("linalg.json");
  return fx;
}

}  // namespace

TEST_CASE("linalg: values and gradients match torch.linalg in float64") {
  std::size_t seen = 0;
  for (const json& c : fixtures()) {
    const std::string name = c["name"];
    CAPTURE(name);
    REQUIRE_MESSAGE(cases().count(name) == 1, "no C++ case for fixture " << name);
    ++seen;
    Tensors inputs;
    for (const json& x : c["inputs"]) inputs.push_back(torch_fixtures::tensor(x, /*requires_grad=*/true));
    const Tensors outs = cases().at(name)(inputs);
    REQUIRE(outs.size() == c["outputs"].size());
    for (std::size_t k = 0; k < outs.size(); ++k) CHECK(rel_error(outs[k], c["outputs"][k]) < kTol);
    if (!c.contains("grads")) continue;
    xg::Tensor loss = xg::zeros({}, xg::kFloat64);
    for (std::size_t k = 0; k < outs.size(); ++k) loss = loss + (outs[k] * torch_fixtures::tensor(c["cotangents"][k])).sum();
    const Tensors grads = xg::autograd::grad({loss}, inputs);
    for (std::size_t i = 0; i < grads.size(); ++i) {
      CAPTURE(i);
      CHECK(rel_error(grads[i], c["grads"][i]) < kTol);
    }
  }
  CHECK(seen == cases().size());
}
