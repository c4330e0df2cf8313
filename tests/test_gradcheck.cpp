// Every differentiable op, gradchecked and gradgradchecked in float64 over broadcasting shapes.
// The sweep records each backward node it meets; the last case fails if a registered node was
// never checked, or if a checked graph held a node missing from the registry.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <set>

#include <xgrad/xgrad.hpp>

namespace {

using Inputs = std::vector<xg::Tensor>;
using Fn = xg::autograd::GradcheckFunction;

std::set<std::string>& covered() {
  static std::set<std::string> names;
  return names;
}

void note_graph(const xg::Tensor& t) {
  for (const auto& name : xg::autograd::graph_node_names(t)) covered().insert(name);
}

// Records the nodes of fn's graph and of its first-order gradient graph, then checks both orders.
void check(const std::string& what, const Fn& fn, const Inputs& inputs, bool second_order = true) {
  CAPTURE(what);
  std::vector<xg::Tensor> leaves;
  for (const auto& t : inputs) leaves.push_back(t.is_floating_point() ? t.detach().clone().requires_grad_(t.requires_grad()) : t);
  const xg::Tensor out = fn(leaves);
  note_graph(out);
  std::vector<xg::Tensor> wrt;
  for (const auto& t : leaves)
    if (t.is_floating_point() && t.requires_grad()) wrt.push_back(t);
  if (out.requires_grad()) {
    // The upstream gradient requires grad too, so a backward that reads only it (max-pool's) records.
    const auto grads = xg::autograd::grad({out}, wrt, {xg::ones_like(out).requires_grad_()}, true, true, true);
    for (const auto& g : grads)
      if (g.defined()) note_graph(g);
  }
  const auto first = xg::autograd::gradcheck(fn, inputs);
  CHECK_MESSAGE(first.ok(), first.message());
  if (second_order) {
    const auto second = xg::autograd::gradgradcheck(fn, inputs);
    CHECK_MESSAGE(second.ok(), second.message());
  }
}

xg::Tensor rnd(xg::Shape shape, double lo = -1.0, double hi = 1.0) {
  return (xg::rand(shape, xg::kFloat64) * (hi - lo) + lo).requires_grad_();
}
// Values bounded away from 0 (for kinks at 0: relu, abs, clamp edges): |x| in [0.2, 1].
xg::Tensor away_from_zero(xg::Shape shape) {
  auto magnitude = xg::rand(shape, xg::kFloat64) * 0.8 + 0.2;
  auto sign = xg::where(xg::gt(xg::rand(shape, xg::kFloat64), 0.5), 1.0, xg::full({}, -1.0, xg::kFloat64));
  return (magnitude * sign).requires_grad_();
}
xg::Tensor index(std::vector<std::int64_t> v, xg::Shape shape) { return xg::tensor(v, shape, xg::kInt64); }

}  // namespace

TEST_CASE("gradcheck: arithmetic with broadcasting") {
  xg::manual_seed(1);
  check("add [3,1]+[1,4]", [](const Inputs& x) { return x[0] + x[1]; }, {rnd({3, 1}), rnd({1, 4})});
  check("add 0-d + [2,3]", [](const Inputs& x) { return x[0] + x[1]; }, {rnd({}), rnd({2, 3})});
  check("sub [3,1]-[1,4]", [](const Inputs& x) { return x[0] - x[1]; }, {rnd({3, 1}), rnd({1, 4})});
  check("mul [3,1]*[1,4]", [](const Inputs& x) { return x[0] * x[1]; }, {rnd({3, 1}), rnd({1, 4})});
  check("mul 0-d*[2,3]", [](const Inputs& x) { return x[0] * x[1]; }, {rnd({}), rnd({2, 3})});
  check("div [2,3]/[3]", [](const Inputs& x) { return x[0] / x[1]; }, {rnd({2, 3}), rnd({3}, 0.5, 2.0)});
  check("scalar forms", [](const Inputs& x) { return (2.0 - x[0]) * 3.0 / 1.5 + 1.0 - 2.0 / (x[0] + 3.0); }, {rnd({4})});
  check("neg", [](const Inputs& x) { return -x[0]; }, {rnd({2, 2})});
  check("reciprocal", [](const Inputs& x) { return xg::reciprocal(x[0]); }, {rnd({5}, 0.5, 2.0)});
  check("pow tensor^tensor", [](const Inputs& x) { return xg::pow(x[0], x[1]); }, {rnd({2, 3}, 0.5, 2.0), rnd({3})});
  check("pow tensor^2.5", [](const Inputs& x) { return xg::pow(x[0], 2.5); }, {rnd({4}, 0.5, 2.0)});
  check("pow tensor^3", [](const Inputs& x) { return xg::pow(x[0], 3.0); }, {rnd({4})});
  check("pow 2^tensor", [](const Inputs& x) { return xg::pow(2.0, x[0]); }, {rnd({4})});
  check("clone", [](const Inputs& x) { return x[0].clone() * x[0]; }, {rnd({3})});
}

TEST_CASE("gradcheck: elementwise math") {
  xg::manual_seed(2);
  check("exp", [](const Inputs& x) { return xg::exp(x[0]); }, {rnd({2, 3})});
  check("log", [](const Inputs& x) { return xg::log(x[0]); }, {rnd({2, 3}, 0.5, 2.0)});
  check("log1p", [](const Inputs& x) { return xg::log1p(x[0]); }, {rnd({2, 3}, 0.0, 2.0)});
  check("sqrt", [](const Inputs& x) { return xg::sqrt(x[0]); }, {rnd({2, 3}, 0.5, 2.0)});
  check("rsqrt", [](const Inputs& x) { return xg::rsqrt(x[0]); }, {rnd({2, 3}, 0.5, 2.0)});
  check("abs", [](const Inputs& x) { return xg::abs(x[0]); }, {away_from_zero({2, 3})});
  check("sin", [](const Inputs& x) { return xg::sin(x[0]); }, {rnd({2, 3})});
  check("cos", [](const Inputs& x) { return xg::cos(x[0]); }, {rnd({2, 3})});
  check("tanh", [](const Inputs& x) { return xg::tanh(x[0]); }, {rnd({2, 3})});
  check("sigmoid", [](const Inputs& x) { return xg::sigmoid(x[0]); }, {rnd({2, 3}, -3, 3)});
  check("erf", [](const Inputs& x) { return xg::erf(x[0]); }, {rnd({2, 3})});
}

TEST_CASE("gradcheck: activations and selection") {
  xg::manual_seed(3);
  check("relu", [](const Inputs& x) { return xg::relu(x[0]) * x[0]; }, {away_from_zero({3, 4})});
  check("elu", [](const Inputs& x) { return xg::elu(x[0], 0.7); }, {away_from_zero({3, 4})});
  check("leaky_relu", [](const Inputs& x) { return xg::leaky_relu(x[0], 0.1) * x[0]; }, {away_from_zero({3, 4})});
  check("gelu", [](const Inputs& x) { return xg::gelu(x[0]); }, {rnd({3, 4}, -3, 3)});
  check("softplus", [](const Inputs& x) { return xg::softplus(x[0], 2.0, 3.0); },
        {xg::tensor({-2.0, -0.3, 0.4, 1.0, 2.5, 4.0}, {6}, xg::kFloat64, true)});
  check("clamp", [](const Inputs& x) { return xg::clamp(x[0], -0.5, 0.5) * x[0]; },
        {xg::tensor({-0.9, -0.3, 0.1, 0.45, 0.8}, {5}, xg::kFloat64, true)});
  check("sign (a zero gradient)", [](const Inputs& x) { return xg::sign(x[0]) * x[0]; }, {away_from_zero({4})});
  check("maximum [3,1]/[1,4]", [](const Inputs& x) { return xg::maximum(x[0], x[1]); }, {rnd({3, 1}), rnd({1, 4})});
  check("minimum [3,1]/[1,4]", [](const Inputs& x) { return xg::minimum(x[0], x[1]); }, {rnd({3, 1}), rnd({1, 4})});
  const auto cond = xg::gt(xg::rand({3, 1}), 0.5);
  check("where", [cond](const Inputs& x) { return xg::where(cond, x[0], x[1]); }, {rnd({3, 4}), rnd({4})});
}

TEST_CASE("gradcheck: reductions") {
  xg::manual_seed(4);
  check("sum", [](const Inputs& x) { return xg::sum(x[0]); }, {rnd({2, 3})});
  check("sum dims keepdim", [](const Inputs& x) { return xg::sum(x[0], {0, 2}, true); }, {rnd({2, 3, 4})});
  check("sum dim -1", [](const Inputs& x) { return x[0].sum({-1}); }, {rnd({2, 3})});
  check("mean", [](const Inputs& x) { return xg::mean(x[0], {1}); }, {rnd({2, 3})});
  check("max all", [](const Inputs& x) { return xg::max(x[0]); }, {rnd({2, 3})});
  check("min all", [](const Inputs& x) { return xg::min(x[0]); }, {rnd({2, 3})});
  check("max dim", [](const Inputs& x) { return std::get<0>(xg::max(x[0], 1)); }, {rnd({3, 4})});
  check("min dim keepdim", [](const Inputs& x) { return std::get<0>(xg::min(x[0], 0, true)); }, {rnd({3, 4})});
  check("amax", [](const Inputs& x) { return xg::amax(x[0], 1); }, {rnd({3, 4})});
  check("amax keepdim", [](const Inputs& x) { return xg::amax(x[0], 0, true); }, {rnd({3, 4})});
  check("var", [](const Inputs& x) { return xg::var(x[0]); }, {rnd({5})});
  check("var dims biased", [](const Inputs& x) { return xg::var(x[0], {1}, false, true); }, {rnd({3, 4})});
  check("std", [](const Inputs& x) { return xg::std(x[0], {0}); }, {rnd({4, 2})});
  check("logsumexp", [](const Inputs& x) { return xg::logsumexp(x[0], 1); }, {rnd({3, 4})});
}

TEST_CASE("gradcheck: linear algebra") {
  xg::manual_seed(5);
  auto mm = [](const Inputs& x) { return xg::matmul(x[0], x[1]); };
  check("matmul 1-D . 1-D", mm, {rnd({4}), rnd({4})});
  check("matmul 2-D . 2-D", mm, {rnd({3, 4}), rnd({4, 2})});
  check("matmul 1-D . 2-D", mm, {rnd({4}), rnd({4, 2})});
  check("matmul 2-D . 1-D", mm, {rnd({3, 4}), rnd({4})});
  check("matmul batched", mm, {rnd({2, 3, 4}), rnd({4, 5})});
  check("matmul broadcast batch", mm, {rnd({2, 1, 3, 4}), rnd({3, 4, 2})});
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      check(fmt::format("mm_transposed {} {}", ta, tb),
            [ta, tb](const Inputs& x) { return xg::mm_transposed(x[0], x[1], ta, tb); },
            {rnd(ta ? xg::Shape{4, 3} : xg::Shape{3, 4}), rnd(tb ? xg::Shape{2, 4} : xg::Shape{4, 2})});
  check("bmm", [](const Inputs& x) { return xg::bmm(x[0], x[1]); }, {rnd({2, 3, 4}), rnd({2, 4, 2})});
  check("linear", [](const Inputs& x) { return xg::linear(x[0], x[1], x[2]); }, {rnd({5, 3}), rnd({2, 3}), rnd({2})});
  check("linear no bias, 3-D input", [](const Inputs& x) { return xg::linear(x[0], x[1]); }, {rnd({2, 5, 3}), rnd({2, 3})});
  check("t and transpose", [](const Inputs& x) { return x[0].t() * xg::transpose(x[1], 0, 1); }, {rnd({3, 2}), rnd({3, 2})});
}

TEST_CASE("gradcheck: xgrad::linalg") {
  xg::manual_seed(9);
  namespace L = xg::linalg;
  // Well-conditioned inputs: random entries in [-1, 1] plus 3 on the diagonal.
  auto well = [](xg::Shape shape) {
    return (xg::rand(shape, xg::kFloat64) * 2.0 - 1.0 + 3.0 * xg::eye(shape.back(), xg::kFloat64)).requires_grad_();
  };
  auto spd = [](const xg::Tensor& x) {  // symmetric positive-definite, built differentiably from x
    return xg::matmul(x, xg::transpose(x, -2, -1)) + 3.0 * xg::eye(x.size(-1), xg::kFloat64);
  };
  check("linalg.solve batched", [](const Inputs& x) { return L::solve(x[0], x[1]); }, {well({2, 3, 3}), rnd({2, 3, 2})});
  check("linalg.solve broadcast, vector, right",
        [](const Inputs& x) { return L::solve(x[0], x[1]).sum() * L::solve(x[0], x[2], false); },
        {well({3, 3}), rnd({3}), rnd({2, 3})});
  check("linalg.inv", [](const Inputs& x) { return L::inv(x[0]); }, {well({2, 3, 3})});
  check("linalg.slogdet", [](const Inputs& x) { return std::get<1>(L::slogdet(x[0])); }, {-well({2, 3, 3})});
  check("linalg.det", [](const Inputs& x) { return L::det(x[0]); }, {-well({3, 3})});
  check("linalg.cholesky", [spd](const Inputs& x) { return L::cholesky(spd(x[0])); }, {rnd({2, 3, 3})});
  check("linalg.cholesky upper", [spd](const Inputs& x) { return L::cholesky(spd(x[0]), true); }, {rnd({3, 3})});
  for (bool upper : {false, true})
    for (bool left : {false, true})
      for (bool unit : {false, true})
        check(fmt::format("linalg.solve_triangular upper={} left={} unit={}", upper, left, unit),
              [upper, left, unit](const Inputs& x) { return L::solve_triangular(x[0], x[1], upper, left, unit); },
              {well({2, 3, 3}), rnd(left ? xg::Shape{2, 3, 2} : xg::Shape{2, 2, 3})});
  check("cholesky_solve", [spd](const Inputs& x) { return xg::cholesky_solve(x[1], L::cholesky(spd(x[0]))); },
        {rnd({2, 3, 3}), rnd({2, 3, 2})});
  // Decompositions, through functions that do not depend on the signs of eigen- and singular vectors.
  auto symmetric = [](const xg::Tensor& x) { return x + xg::transpose(x, -2, -1); };
  auto first_row = [](const xg::Tensor& m) { return xg::narrow(m, -2, 0, 1); };
  check("linalg.eigh",
        [symmetric, first_row](const Inputs& x) {
          auto [w, v] = L::eigh(symmetric(x[0]));
          return xg::cat({xg::flatten(v * first_row(v), -2), w}, -1);
        },
        {rnd({2, 3, 3})});
  // The gradient is symmetric (as torch's) while only one triangle is read: check on symmetric input.
  check("linalg.eigvalsh upper", [symmetric](const Inputs& x) { return L::eigvalsh(symmetric(x[0]), "U"); }, {rnd({3, 3})});
  auto diag = [](const xg::Tensor& m) { return xg::sum(m * xg::eye(m.size(-1), m.dtype()), {-1}); };
  for (xg::Shape shape : {xg::Shape{2, 4, 3}, xg::Shape{3, 3}, xg::Shape{3, 5}})
    check(fmt::format("linalg.qr {}", xg::shape_str(shape)),
          [diag](const Inputs& x) {
            auto [q, r] = L::qr(x[0]);
            const auto d = diag(xg::narrow(r, -1, 0, r.size(-2)));
            return xg::cat({xg::flatten(q * xg::unsqueeze(d, -2), -2), xg::flatten(r * xg::unsqueeze(d, -1), -2)}, -1);
          },
          {rnd(shape)});
  for (xg::Shape shape : {xg::Shape{2, 4, 3}, xg::Shape{3, 5}})
    check(fmt::format("linalg.svd {}", xg::shape_str(shape)),
          [first_row](const Inputs& x) {
            auto [u, s, vh] = L::svd(x[0], /*full_matrices=*/false);
            const auto u_scaled = u * first_row(xg::transpose(vh, -2, -1));  // column j times Vh[j, 0]
            const auto vh_scaled = vh * xg::transpose(first_row(u), -2, -1);  // row j times U[0, j]
            return xg::cat({xg::flatten(u_scaled, -2), xg::flatten(vh_scaled, -2), s}, -1);
          },
          {rnd(shape)});
  check("linalg.svdvals", [](const Inputs& x) { return L::svdvals(x[0]); }, {rnd({4, 3})});
  check("linalg.pinv tall and wide",
        [](const Inputs& x) { return xg::cat({xg::flatten(L::pinv(x[0])), xg::flatten(L::pinv(x[1]))}); },
        {rnd({2, 4, 3}), rnd({3, 5})});
  check("linalg.pinv hermitian", [symmetric](const Inputs& x) { return L::pinv(symmetric(x[0]), 1e-15, true); },
        {rnd({3, 3})});
  check("linalg.lstsq solution and residuals",
        [](const Inputs& x) {
          auto [solution, residuals, rank, sv] = L::lstsq(x[0], x[1], std::nullopt, "gelsd");
          return xg::cat({xg::flatten(solution), xg::flatten(residuals)});
        },
        {rnd({2, 5, 3}), rnd({2, 5, 2})});
  check("cholesky_solve of a factor", [](const Inputs& x) { return xg::cholesky_solve(x[1], x[0], true); },
        {well({3, 3}), rnd({3, 2})});
}

TEST_CASE("gradcheck: linalg norms (composites)") {
  xg::manual_seed(10);
  namespace L = xg::linalg;
  const double inf = std::numeric_limits<double>::infinity();
  using Dims = std::vector<std::int64_t>;
  for (double ord : {2.0, 1.0, 3.0, 0.5, inf, -inf})
    check(fmt::format("vector_norm ord {}", ord), [ord](const Inputs& x) { return L::vector_norm(x[0], ord, Dims{1}); },
          {away_from_zero({2, 4})});
  for (double ord : {2.0, -2.0, 1.0, -1.0, inf, -inf})
    check(fmt::format("matrix_norm ord {}", ord), [ord](const Inputs& x) { return L::matrix_norm(x[0], ord); },
          {away_from_zero({2, 3, 4})});
  check("matrix_norm fro", [](const Inputs& x) { return L::matrix_norm(x[0], "fro", {0, 2}, true); }, {rnd({3, 2, 4})});
  check("matrix_norm nuc", [](const Inputs& x) { return L::matrix_norm(x[0], "nuc"); }, {rnd({2, 3, 4})});
  check("norm", [](const Inputs& x) { return L::norm(x[0]) * L::norm(x[0], "fro"); }, {rnd({3, 4})});
}

TEST_CASE("gradcheck: shape ops") {
  xg::manual_seed(6);
  check("reshape/view/flatten", [](const Inputs& x) { return xg::flatten(xg::view(xg::reshape(x[0], {3, -1}), {2, 6}), 0); }, {rnd({4, 3})});
  check("squeeze/unsqueeze", [](const Inputs& x) { return xg::unsqueeze(xg::squeeze(x[0]), 0) * xg::squeeze(x[0], 1); }, {rnd({3, 1})});
  check("permute", [](const Inputs& x) { return xg::permute(x[0], {2, 0, 1}); }, {rnd({2, 3, 4})});
  check("expand", [](const Inputs& x) { return xg::expand(x[0], {2, 3, 4}); }, {rnd({3, 1})});
  check("sum_to", [](const Inputs& x) { return xg::sum_to(x[0], {3, 1}); }, {rnd({2, 3, 4})});
  check("cat", [](const Inputs& x) { return xg::cat({x[0], x[1], x[0]}, 1); }, {rnd({2, 3}), rnd({2, 1})});
  check("stack", [](const Inputs& x) { return xg::stack({x[0], x[1]}, 1); }, {rnd({2, 3}), rnd({2, 3})});
  check("narrow", [](const Inputs& x) { return xg::narrow(x[0], 1, 1, 2); }, {rnd({3, 4})});
  check("select and t[i]", [](const Inputs& x) { return xg::select(x[0], 1, -1) * x[0][2]; }, {rnd({3, 3})});
  check("slice with a step", [](const Inputs& x) { return xg::slice(x[0], 1, -4, std::nullopt, 2); }, {rnd({2, 5})});
  check("unfold, overlapping windows", [](const Inputs& x) { return x[0].unfold(0, 3, 1) * 2.0; }, {rnd({5})});
  check("as_strided, overlapping", [](const Inputs& x) { return x[0].as_strided({3, 2}, {1, 1}, 1); }, {rnd({5})});
  check("in-place through a view (CopySlices)", [](const Inputs& x) {
    auto a = x[0] * 1.0;
    a.narrow(1, 0, 2).mul_(x[1]);
    return a * a;  // a gradient that requires grad, so the backward's own ops are recorded too
  }, {rnd({2, 3}), rnd({2, 2})});
  check("a view read after a write through it (AsStridedBackward1)", [](const Inputs& x) {
    auto a = x[0] * 1.0;
    auto v = a.narrow(1, 0, 2);
    v.mul_(x[1]);
    return v * v + a.sum();
  }, {rnd({2, 3}), rnd({2, 2})});
  check("copy_ into a non-leaf (CopyBackwards)", [](const Inputs& x) {
    auto a = x[0] * 2.0;
    a.copy_(x[1]);
    return a * x[0];
  }, {rnd({2, 3}), rnd({3})});
  // Views of views, transposed and narrowed, feeding ops that read dense memory.
  check("ops on strided views",
        [](const Inputs& x) {
          const auto v = x[0].t().narrow(0, 1, 2);  // [2, 3], strides [1, 4]
          return xg::matmul(v, x[1].t()) + xg::exp(v).sum({1}, true) + xg::softmax(v, 0);
        },
        {rnd({3, 4}), rnd({3, 3})});
}

TEST_CASE("gradcheck: indexing") {
  xg::manual_seed(7);
  const auto idx = index({2, 0, 2}, {3});
  check("index_select", [idx](const Inputs& x) { return xg::index_select(x[0], 1, idx); }, {rnd({2, 3})});
  check("index_add", [idx](const Inputs& x) { return xg::index_add(x[0], 0, idx, x[1]); }, {rnd({3, 2}), rnd({3, 2})});
  const auto gidx = index({0, 2, 1, 1, 0, 0}, {2, 3});
  check("gather", [gidx](const Inputs& x) { return xg::gather(x[0], 1, gidx); }, {rnd({2, 4})});
  check("scatter_add", [gidx](const Inputs& x) { return xg::scatter_add(x[0], 1, gidx, x[1]); }, {rnd({2, 4}), rnd({2, 3})});
}

TEST_CASE("gradcheck: tensor indexing (index, index_put_, masked, scatter, take_along_dim)") {
  xg::manual_seed(9);
  using namespace xg::indexing;
  const auto i = index({2, 0, 2}, {3}), j = index({1, -1}, {2, 1});
  const auto mask = xg::tensor({1.0, 0.0, 1.0, 1.0}, {4}, xg::kFloat64).to(xg::kBool);
  check("index: slices, None, Ellipsis", [](const Inputs& x) { return x[0].index({Slice(1, None), None, Ellipsis, Slice(None, None, 2)}); },
        {rnd({3, 2, 4})});
  check("index: adjacent index tensors with duplicates", [i, j](const Inputs& x) { return x[0].index({Slice(), i, j}); },
        {rnd({2, 3, 4})});
  check("index: separated index tensors and a mask", [i, mask](const Inputs& x) { return x[0].index({i, Slice(), mask}) * x[0].index({Ellipsis, mask}).sum(); },
        {rnd({3, 2, 4})});
  check("index_put_ accumulate, values broadcast", [i](const Inputs& x) {
          auto y = x[0] * 1.0;
          y.index_put_({i}, x[1], true);
          return y;
        },
        {rnd({3, 4}), rnd({4})});
  check("index_put_ with duplicates-free index, and through a slice", [j](const Inputs& x) {
          auto y = x[0].clone();
          y.index_put_({Slice(), j.flatten()}, x[1]);
          y.index_put_({0, Slice(1, 3)}, x[1].index({0}).sum());
          return y;
        },
        {rnd({2, 4}), rnd({2, 1})});
  check("masked_fill, masked_fill_, masked_select", [mask](const Inputs& x) {
          auto y = x[0].masked_fill(mask, x[1]);
          y.masked_fill_(xg::logical_not(mask), 0.5);
          return y + x[0].masked_select(mask).sum();
        },
        {rnd({3, 4}), rnd({})});
  const auto sidx = index({1, 0, 3, 2, 0, 1}, {2, 3});
  check("scatter and scatter_", [sidx](const Inputs& x) {
          auto y = x[0].scatter(1, sidx, x[1]) * 2.0;
          y.scatter_(1, sidx, x[1] * x[1]);
          return y.scatter(0, index({1, 0, 1}, {1, 3}), 0.25);
        },
        {rnd({2, 4}), rnd({2, 3})});
  check("index_add_, scatter_add_", [i, sidx](const Inputs& x) {
          auto y = x[0] * 1.0;
          y.index_add_(1, i, x[1], 0.5);
          y.index({Slice(None, 2)}).scatter_add_(1, sidx, x[1].index({Slice(None, 2)}));
          return y;
        },
        {rnd({3, 4}), rnd({3, 3})});
  check("take_along_dim", [sidx](const Inputs& x) { return x[0].take_along_dim(sidx.index({Slice(None, 1)}), 1) + xg::take_along_dim(x[0], sidx).sum(); },
        {rnd({2, 4})});
}

TEST_CASE("gradcheck: softmax family") {
  xg::manual_seed(8);
  check("softmax last", [](const Inputs& x) { return xg::softmax(x[0], -1); }, {rnd({3, 4})});
  check("softmax dim 0", [](const Inputs& x) { return xg::softmax(x[0], 0); }, {rnd({3, 4})});
  check("log_softmax", [](const Inputs& x) { return xg::log_softmax(x[0], 1); }, {rnd({3, 4})});
  check("log_softmax dim 0 of 3-D", [](const Inputs& x) { return xg::log_softmax(x[0], 0); }, {rnd({2, 3, 2})});
}

TEST_CASE("gradcheck: fused losses (sweeps over options in test_nn_losses.cpp)") {
  xg::manual_seed(9);
  namespace F = xg::nn::functional;
  const auto labels = xg::tensor(std::vector<std::int64_t>{2, 0, -100}, {3}, xg::kInt64);
  check("cross_entropy, smoothing, an ignored row",
        [&](const Inputs& x) { return F::cross_entropy(x[0], labels, {.label_smoothing = 0.1, .reduction = "none"}); },
        {rnd({3, 4})});
  check("binary_cross_entropy",
        [](const Inputs& x) { return F::binary_cross_entropy(xg::sigmoid(x[0]), x[1], {.reduction = "none"}); },
        {rnd({2, 3}), rnd({2, 3}, 0.1, 0.9)});
  check("binary_cross_entropy_with_logits",
        [](const Inputs& x) { return F::binary_cross_entropy_with_logits(x[0], x[1], {.reduction = "none"}); },
        {rnd({2, 3}), rnd({2, 3}, 0.1, 0.9)});
  check("binary_cross_entropy_with_logits, pos_weight",
        [](const Inputs& x) {
          return F::binary_cross_entropy_with_logits(x[0], x[1], {.reduction = "sum", .pos_weight = x[2]});
        },
        {rnd({2, 3}), rnd({2, 3}, 0.1, 0.9), rnd({3}, 0.5, 2.0)});
}

TEST_CASE("gradcheck: batch_norm in training mode (fused backward; composite under create_graph)") {
  xg::manual_seed(10);
  namespace F = xg::nn::functional;
  check("batch_norm train, weight and bias",
        [](const Inputs& x) {
          return F::batch_norm(x[0], {}, {}, xg::nn::BatchNormFuncOptions().weight(x[1]).bias(x[2]).training(true));
        },
        {rnd({3, 2, 2, 2}), rnd({2}, 0.5, 1.5), rnd({2})});
  check("batch_norm train, no affine, [N, C]",
        [](const Inputs& x) { return F::batch_norm(x[0], {}, {}, xg::nn::BatchNormFuncOptions().training(true)) * x[0]; },
        {rnd({4, 3})});
}

TEST_CASE("gradcheck: convolutions (sweeps in test_cnn.cpp)") {
  xg::manual_seed(17);
  // The gradient graph of conv2d holds the input- and weight-gradient ops, checked to second order here.
  check("conv2d stride 2, padding 1, groups 2",
        [](const Inputs& x) { return xg::conv2d(x[0], x[1], x[2], 2, 1, 1, 2); }, {rnd({2, 4, 5, 4}), rnd({4, 2, 3, 2}), rnd({4})});
  check("conv_transpose2d", [](const Inputs& x) { return xg::conv_transpose2d(x[0], x[1], {}, 2, 1, 1); },
        {rnd({1, 2, 3, 3}), rnd({2, 3, 3, 3})});
}

TEST_CASE("gradcheck: pad and pooling (pad and avg_pool2d are compositions; sweeps in test_cnn.cpp)") {
  xg::manual_seed(23);
  check("pad reflect with a crop", [](const Inputs& x) { return xg::pad(x[0], {2, -1, 1, 3}, xg::kReflect); },
        {rnd({1, 2, 5, 4})});
  check("pad constant", [](const Inputs& x) { return xg::pad(x[0], {1, 0, 0, 2}, xg::kConstant, 0.5); }, {rnd({2, 3, 2})});
  check("max_pool2d ceil_mode", [](const Inputs& x) { return xg::max_pool2d(x[0], 2, 2, 0, 1, true); }, {rnd({1, 2, 5, 5})});
  check("max_pool2d 2x2", [](const Inputs& x) { return xg::max_pool2d(x[0], 2); }, {rnd({2, 2, 4, 5})});
  check("avg_pool2d ceil_mode", [](const Inputs& x) { return xg::avg_pool2d(x[0], 3, 2, 1, true, false); },
        {rnd({1, 2, 6, 5})});
}

TEST_CASE("dtype casts carry gradients back in the source dtype") {
  auto x = xg::tensor({1.5, -2.0}, {2}, xg::kFloat64, true);
  auto y = x.to(xg::kFloat32) * 2.0;
  note_graph(y);
  y.sum().backward();
  CHECK(x.grad().dtype() == xg::kFloat64);
  CHECK(x.grad().to_vector() == std::vector<double>{2.0, 2.0});
}

TEST_CASE("gradcheck reports the input, element and both values of a wrong gradient") {
  // A deliberately wrong backward: x*x whose hook doubles the gradient.
  auto fn = [](const Inputs& x) {
    auto y = x[0] * 1.0;
    y.register_hook([](const xg::Tensor& g) { return g * 2.0; });
    return y * y;
  };
  const auto result = xg::autograd::gradcheck(fn, {xg::tensor({0.5, 1.0}, {2}, xg::kFloat64, true)});
  CHECK_FALSE(result);
  CHECK(result.message().find("input 0") != std::string::npos);
  CHECK(result.message().find("element 1") != std::string::npos);
  CHECK(result.message().find("analytic 4") != std::string::npos);
  CHECK(result.message().find("numeric 2") != std::string::npos);
}

TEST_CASE("op registry: every registered backward was gradchecked, and nothing unregistered appeared") {
  // Runs last in this file (doctest keeps file order).
  std::set<std::string> registered(xg::autograd::registered_backward_names().begin(),
                                   xg::autograd::registered_backward_names().end());
  registered.insert("AccumulateGrad");
  for (const auto& name : registered) CHECK_MESSAGE(covered().count(name) == 1, "no gradcheck case reaches " << name);
  for (const auto& name : covered()) CHECK_MESSAGE(registered.count(name) == 1, name << " is not in the op registry");
}
