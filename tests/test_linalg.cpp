// xgrad::linalg against torch.linalg 1.13 (tests/fixtures/linalg.json from scripts/make_linalg_fixtures.py):
// values and gradients in float64 to 1e-10, float32 forward, batching, errors, and double backward.
// (Gradcheck and gradgradcheck of every linalg backward node are in test_gradcheck.cpp, with the
// op registry.)
#include <doctest/doctest.h>

#include <functional>
#include <limits>
#include <map>

#include "torch_fixtures.hpp"

namespace {

namespace L = xg::linalg;
using torch_fixtures::json;
using torch_fixtures::rel_error;
using Tensors = std::vector<xg::Tensor>;
using Case = std::function<Tensors(const Tensors&)>;

constexpr double kTol = 1e-10;

xg::Tensor mT(const xg::Tensor& t) { return xg::transpose(t, -2, -1); }
xg::Tensor first_row(const xg::Tensor& m) { return xg::narrow(m, -2, 0, 1); }

// Sign-invariant functions of the decompositions, as in the script.
Tensors eigh_invariant(const xg::Tensor& A, const std::string& uplo = "L") {
  auto [w, v] = L::eigh(A, uplo);
  return {w, v * first_row(v)};
}
Tensors qr_invariant(const xg::Tensor& A) {
  auto [q, r] = L::qr(A);
  const auto square = xg::narrow(r, -1, 0, r.size(-2));
  const auto d = xg::sum(square * xg::eye(square.size(-1), square.dtype()), {-1});
  return {q * xg::unsqueeze(d, -2), r * xg::unsqueeze(d, -1)};
}
Tensors svd_invariant(const xg::Tensor& A) {
  auto [u, s, vh] = L::svd(A, /*full_matrices=*/false);
  return {u * first_row(mT(vh)), vh * mT(first_row(u)), s};
}

constexpr double kInf = std::numeric_limits<double>::infinity();

template <class Tuple>
Tensors detached(const Tuple& outputs) {
  Tensors out;
  std::apply([&](const auto&... t) { (out.push_back(t.detach()), ...); }, outputs);
  return out;
}

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
      {"eigh", [](const Tensors& x) { return eigh_invariant(x[0]); }},
      {"eigh_upper", [](const Tensors& x) { return eigh_invariant(x[0], "U"); }},
      {"qr_tall", [](const Tensors& x) { return qr_invariant(x[0]); }},
      {"qr_square", [](const Tensors& x) { return qr_invariant(x[0]); }},
      {"qr_wide", [](const Tensors& x) { return qr_invariant(x[0]); }},
      {"svd_tall", [](const Tensors& x) { return svd_invariant(x[0]); }},
      {"svd_wide", [](const Tensors& x) { return svd_invariant(x[0]); }},
      {"svdvals", [](const Tensors& x) { return Tensors{L::svdvals(x[0])}; }},
      {"svd_full_tall",
       [](const Tensors& x) {
         auto [u, s, vh] = L::svd(x[0]);
         const auto k = vh.size(-1);
         const auto uk = xg::narrow(u, -1, 0, k);
         const auto first = xg::sum(uk * first_row(uk) * first_row(mT(vh)), {-2, -1});
         return Tensors{first + xg::sum(u * first_row(u), {-2, -1})};
       }},
      {"pinv_tall", [](const Tensors& x) { return Tensors{L::pinv(x[0])}; }},
      {"pinv_wide", [](const Tensors& x) { return Tensors{L::pinv(x[0])}; }},
      {"pinv_hermitian", [](const Tensors& x) { return Tensors{L::pinv(x[0], 1e-15, /*hermitian=*/true)}; }},
      {"pinv_rank_deficient", [](const Tensors& x) { return Tensors{L::pinv(x[0]).detach()}; }},
      {"lstsq_tall", [](const Tensors& x) { return Tensors{std::get<0>(L::lstsq(x[0], x[1]))}; }},
      {"lstsq_wide", [](const Tensors& x) { return Tensors{std::get<0>(L::lstsq(x[0], x[1]))}; }},
      {"lstsq_vector_values", [](const Tensors& x) { return detached(L::lstsq(x[0], x[1], std::nullopt, "gelsd")); }},
      {"lstsq_gelsd_values", [](const Tensors& x) { return detached(L::lstsq(x[0], x[1], std::nullopt, "gelsd")); }},
      {"lstsq_rank_deficient_values",
       [](const Tensors& x) { return detached(L::lstsq(x[0], x[1], std::nullopt, "gelsd")); }},
      {"vector_norm_2", [](const Tensors& x) { return Tensors{L::vector_norm(x[0])}; }},
      {"vector_norm_dims",
       [](const Tensors& x) { return Tensors{L::vector_norm(x[0], 3.0, std::vector<std::int64_t>{0, 2}, true)}; }},
      {"vector_norm_1", [](const Tensors& x) { return Tensors{L::vector_norm(x[0], 1, std::vector<std::int64_t>{-1})}; }},
      {"vector_norm_half", [](const Tensors& x) { return Tensors{L::vector_norm(x[0], 0.5, std::vector<std::int64_t>{0})}; }},
      {"vector_norm_inf_ties", [](const Tensors& x) { return Tensors{L::vector_norm(x[0], kInf, std::vector<std::int64_t>{1})}; }},
      {"vector_norm_-inf_ties", [](const Tensors& x) { return Tensors{L::vector_norm(x[0], -kInf)}; }},
      {"vector_norm_0", [](const Tensors& x) { return Tensors{L::vector_norm(x[0], 0).detach()}; }},
      {"vector_norm_zero_vector", [](const Tensors& x) { return Tensors{L::vector_norm(x[0])}; }},
      {"matrix_norm_fro", [](const Tensors& x) { return Tensors{L::matrix_norm(x[0])}; }},
      {"matrix_norm_nuc", [](const Tensors& x) { return Tensors{L::matrix_norm(x[0], "nuc", {0, 2})}; }},
      {"matrix_norm_2", [](const Tensors& x) { return Tensors{L::matrix_norm(x[0], 2)}; }},
      {"matrix_norm_-2", [](const Tensors& x) { return Tensors{L::matrix_norm(x[0], -2, {-2, -1}, true)}; }},
      {"matrix_norm_1", [](const Tensors& x) { return Tensors{L::matrix_norm(x[0], 1)}; }},
      {"matrix_norm_-1", [](const Tensors& x) { return Tensors{L::matrix_norm(x[0], -1, {1, 0})}; }},
      {"matrix_norm_inf", [](const Tensors& x) { return Tensors{L::matrix_norm(x[0], kInf, {-2, -1}, true)}; }},
      {"matrix_norm_-inf", [](const Tensors& x) { return Tensors{L::matrix_norm(x[0], -kInf)}; }},
      {"norm_default", [](const Tensors& x) { return Tensors{L::norm(x[0])}; }},
      {"norm_matrix_ord", [](const Tensors& x) { return Tensors{L::norm(x[0], 1)}; }},
      {"norm_vector_dim", [](const Tensors& x) { return Tensors{L::norm(x[0], 4.0, std::vector<std::int64_t>{1})}; }},
      {"norm_nuc", [](const Tensors& x) { return Tensors{L::norm(x[0], "nuc")}; }},
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

TEST_CASE("linalg: float32 follows float64, and results keep float32") {
  xg::manual_seed(11);
  const auto a64 = xg::rand({2, 4, 4}, xg::kFloat64) + 4.0 * xg::eye(4, xg::kFloat64);
  const auto b64 = xg::rand({2, 4, 3}, xg::kFloat64);
  const auto spd64 = xg::matmul(a64, mT(a64));
  const auto a32 = a64.to(xg::kFloat32), b32 = b64.to(xg::kFloat32), spd32 = spd64.to(xg::kFloat32);
  auto close = [](const xg::Tensor& f32, const xg::Tensor& f64) {
    CHECK(f32.dtype() == xg::kFloat32);
    const auto a = f32.to_vector(), b = f64.to_vector();
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(1.0, std::abs(b[i])));
    CHECK(worst < 1e-4);
  };
  close(L::solve(a32, b32), L::solve(a64, b64));
  close(L::inv(a32), L::inv(a64));
  close(L::det(a32), L::det(a64));
  close(std::get<1>(L::slogdet(a32)), std::get<1>(L::slogdet(a64)));
  close(L::cholesky(spd32), L::cholesky(spd64));
  close(L::solve_triangular(a32, b32, true), L::solve_triangular(a64, b64, true));
  close(xg::cholesky_solve(b32, L::cholesky(spd32)), xg::cholesky_solve(b64, L::cholesky(spd64)));
  close(L::eigvalsh(spd32), L::eigvalsh(spd64));
  close(L::svdvals(b32), L::svdvals(b64));
  close(qr_invariant(b32)[1], qr_invariant(b64)[1]);
  // Gradients flow in float32 too.
  auto x = a32.clone().requires_grad_();
  std::get<1>(L::slogdet(x)).sum().backward();
  close(x.grad(), mT(L::inv(a64)));
}

TEST_CASE("linalg: full and complete factors, reconstruction and orthogonality") {
  xg::manual_seed(12);
  const auto a = xg::rand({2, 5, 3}, xg::kFloat64) - 0.5;
  auto max_abs = [](const xg::Tensor& t) { return xg::max(xg::abs(t)).item<double>(); };
  auto [u, s, vh] = L::svd(a);  // full_matrices = true by default, as torch
  CHECK(u.shape() == xg::Shape{2, 5, 5});
  CHECK(s.shape() == xg::Shape{2, 3});
  CHECK(vh.shape() == xg::Shape{2, 3, 3});
  CHECK(max_abs(xg::matmul(mT(u), u) - xg::eye(5, xg::kFloat64)) < 1e-12);
  const auto u3 = xg::narrow(u, -1, 0, 3);
  CHECK(max_abs(xg::matmul(u3 * xg::unsqueeze(s, -2), vh) - a) < 1e-12);
  auto [q, r] = L::qr(a, "complete");
  CHECK(q.shape() == xg::Shape{2, 5, 5});
  CHECK(r.shape() == xg::Shape{2, 5, 3});
  CHECK(max_abs(xg::matmul(mT(q), q) - xg::eye(5, xg::kFloat64)) < 1e-12);
  CHECK(max_abs(xg::matmul(q, r) - a) < 1e-12);
  auto [q0, r_only] = L::qr(a, "r");
  CHECK(q0.numel() == 0);
  CHECK(max_abs(xg::abs(r_only) - xg::abs(std::get<1>(L::qr(a)))) < 1e-12);
  const auto sym = xg::matmul(mT(a), a);
  auto [w, v] = L::eigh(sym);
  CHECK(max_abs(xg::matmul(v * xg::unsqueeze(w, -2), mT(v)) - sym) < 1e-12);
  // Ascending eigenvalues, descending singular values, as LAPACK and torch.
  const auto wv = w.to_vector();
  CHECK(wv[0] <= wv[1]);
  const auto sv = s.to_vector();
  CHECK(sv[0] >= sv[1]);
}

TEST_CASE("linalg: second derivatives through create_graph") {
  // d²/dx² of log det(x·I + M) at x = 0 is −tr(M⁻²) (M⁻¹ and M commute with I).
  const auto m = xg::tensor({3.0, 1.0, 0.5, 2.0}, {2, 2}, xg::kFloat64);
  auto x = xg::zeros({}, xg::kFloat64, true);
  const auto logdet = std::get<1>(L::slogdet(m + x * xg::eye(2, xg::kFloat64)));
  const auto first = xg::autograd::grad({logdet}, {x}, {}, true, true)[0];
  const auto second = xg::autograd::grad({first}, {x})[0];
  const auto minv = L::inv(m);
  const double want = -xg::sum(xg::matmul(minv, minv) * xg::eye(2, xg::kFloat64)).item<double>();
  CHECK(second.item<double>() == doctest::Approx(want).epsilon(1e-12));
  // The Hessian of a Gaussian log-likelihood term bᵀ(LLᵀ)⁻¹b in b is 2(LLᵀ)⁻¹, via cholesky_solve.
  const auto l = L::cholesky(m + mT(m));
  const auto h = xg::autograd::functional::hessian(
      [&](const xg::Tensor& b) { return xg::sum(b * xg::squeeze(xg::cholesky_solve(xg::unsqueeze(b, -1), l), -1)); },
      xg::tensor({0.3, -0.7}, {2}, xg::kFloat64));
  const auto want_h = 2.0 * L::inv(m + mT(m));
  CHECK(xg::max(xg::abs(h - want_h)).item<double>() < 1e-12);
}

TEST_CASE("linalg.det: the gradient at an exactly singular matrix is the cofactor matrix") {
  // Batch element 0 has two equal rows (LU meets an exact zero pivot); element 1 is invertible.
  // (torch 1.13 returns zeros for element 0, which is not the derivative: det changes at first order
  // along A + t·E₁₁, by the cofactor 7.)
  auto a = xg::tensor({2, 1, 3, 2, 1, 3, 0.5, -1, 4, 1, 2, 0, 0, 1, 3, 2, 0, 1}, {2, 3, 3}, xg::kFloat64, true);
  const auto d = L::det(a);
  CHECK(d.to_vector() == std::vector<double>{0.0, 13.0});
  d.sum().backward();
  const std::vector<double> want = {7, -6.5, -2.5, -7, 6.5, 2.5, 0, 0, 0, 1, 6, -2, -2, 1, 4, 6, -3, 1};
  const auto got = a.grad().to_vector();
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-12));
  // Rank one (rank n − 2): every cofactor is 0.
  auto r = xg::tensor({1, 2, 3, 2, 4, 6, 1, 2, 3}, {3, 3}, xg::kFloat64, true);
  L::det(r).backward();
  CHECK(xg::max(xg::abs(r.grad())).item<double>() < 1e-12);
  // Second derivatives there are refused rather than wrong.
  auto s = xg::tensor({2, 1, 3, 2, 1, 3, 0.5, -1, 4}, {3, 3}, xg::kFloat64, true);
  const auto g = xg::autograd::grad({L::det(s)}, {s}, {}, true, /*create_graph=*/false)[0];
  CHECK(g.to_vector()[0] == doctest::Approx(7.0));
  CHECK_THROWS_WITH_AS(xg::autograd::grad({L::det(s)}, {s}, {}, true, /*create_graph=*/true), doctest::Contains("singular"),
                       xg::Error);
}

TEST_CASE("linalg.qr: mode \"r\" keeps R's gradient; \"complete\" of a tall matrix refuses a graph") {
  const auto a0 = xg::tensor({1.0, 2.0, -1.0, 0.5, 3.0, 1.0}, {3, 2}, xg::kFloat64);
  auto a = a0.clone().requires_grad_(), b = a0.clone().requires_grad_();
  xg::sum(xg::pow(std::get<1>(L::qr(a, "r")), 2.0)).backward();
  xg::sum(xg::pow(std::get<1>(L::qr(b)), 2.0)).backward();
  CHECK(xg::max(xg::abs(a.grad() - b.grad())).item<double>() == 0.0);
  // ‖R‖² = ‖A‖², so the gradient is 2A.
  CHECK(xg::max(xg::abs(a.grad() - 2.0 * a0)).item<double>() < 1e-14);
  CHECK_THROWS_AS(L::qr(a, "complete"), xg::Error);
  xg::NoGradGuard no_grad;
  CHECK(std::get<0>(L::qr(a, "complete")).shape() == xg::Shape{3, 3});
}

TEST_CASE("linalg norms: dtype argument, 0-d input, empty dim means all") {
  const auto x = xg::tensor({3.0, -4.0}, {2});
  const auto n64 = L::vector_norm(x, 2, std::nullopt, false, xg::kFloat64);
  CHECK(n64.dtype() == xg::kFloat64);
  CHECK(n64.item<double>() == 5.0);
  CHECK(L::vector_norm(xg::full({}, -2.5, xg::kFloat64)).item<double>() == 2.5);
  CHECK(L::vector_norm(x, 1, std::vector<std::int64_t>{}).item<double>() == 7.0);
  CHECK(L::norm(x, 3.0).item<double>() == doctest::Approx(std::cbrt(27.0 + 64.0)));
  CHECK(L::matrix_norm(xg::ones({2, 3, 4}), "fro", {-2, -1}, true).shape() == xg::Shape{2, 1, 1});
}
