#include <doctest/doctest.h>

#include <xgrad/xgrad.hpp>

TEST_CASE("smoke: product rule") {
  auto a = xg::tensor({2.0, 3.0}, {2}, xg::kFloat64).requires_grad_();
  auto b = xg::tensor({5.0, 7.0}, {2}, xg::kFloat64).requires_grad_();
  (a * b).sum().backward();
  CHECK(a.grad().to_vector() == std::vector<double>{5.0, 7.0});
  CHECK(b.grad().to_vector() == std::vector<double>{2.0, 3.0});
}
