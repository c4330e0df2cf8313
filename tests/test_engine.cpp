// The autograd engine: accumulation, graph release, hooks, retain_grad, autograd::grad,
// higher order, anomaly mode and very deep graphs (threads: test_threads.cpp).
#include <doctest/doctest.h>

#include <cmath>

#include <xgrad/xgrad.hpp>

namespace {
std::vector<double> values(const xg::Tensor& t) { return t.to_vector(); }
xg::Tensor f64(std::initializer_list<double> v, xg::Shape shape) { return xg::tensor(v, shape, xg::kFloat64); }
}  // namespace

TEST_CASE("a tensor used several times gets the sum of its gradients") {
  auto x = f64({3.0}, {1}).requires_grad_();
  auto y = x * x + x * 2.0 + xg::exp(x) * 0.0;  // dy/dx = 2x + 2 = 8
  y.sum().backward();
  CHECK(x.grad().item<double>() == doctest::Approx(8.0));
}

TEST_CASE("gradients accumulate across backward calls until zeroed") {
  auto x = f64({1.0, 2.0}, {2}).requires_grad_();
  (x * 3.0).sum().backward();
  (x * 3.0).sum().backward();
  CHECK(values(x.grad()) == std::vector<double>{6.0, 6.0});
  {
    xg::NoGradGuard no_grad;
    x.mutable_grad().zero_();
  }
  (x * x).sum().backward();
  CHECK(values(x.grad()) == std::vector<double>{2.0, 4.0});
}

TEST_CASE("a stored gradient is never an alias of another tensor's gradient") {
  auto a = f64({1.0}, {1}).requires_grad_();
  auto b = f64({2.0}, {1}).requires_grad_();
  (a + b).sum().backward();  // AddBackward0 hands the same tensor to both inputs
  (a + b * 2.0).sum().backward();
  CHECK(a.grad().item<double>() == 2.0);
  CHECK(b.grad().item<double>() == 3.0);
}

TEST_CASE("broadcast gradients are reduced to each input's shape by the engine") {
  auto a = xg::rand({3, 1}, xg::kFloat64).requires_grad_();
  auto b = xg::rand({1, 4}, xg::kFloat64).requires_grad_();
  auto s = xg::scalar_tensor(2.0, xg::kFloat64, true);
  (a * b + s).sum().backward();
  CHECK(a.grad().shape() == xg::Shape{3, 1});
  CHECK(b.grad().shape() == xg::Shape{1, 4});
  CHECK(s.grad().shape() == xg::Shape{});
  CHECK(s.grad().item<double>() == 12.0);
  CHECK(a.grad().to_vector()[0] == doctest::Approx(xg::sum(b).item<double>()));
}

TEST_CASE("float32 and float64 mix: result float64, each gradient in its input's dtype") {
  auto a = xg::ones({2}, xg::kFloat32, true);
  auto b = xg::ones({2}, xg::kFloat64, true);
  auto c = a * b;
  CHECK(c.dtype() == xg::kFloat64);
  CHECK((a * 2.0).dtype() == xg::kFloat32);  // a double scalar keeps the tensor's dtype
  c.sum().backward();
  CHECK(a.grad().dtype() == xg::kFloat32);
  CHECK(b.grad().dtype() == xg::kFloat64);
}

TEST_CASE("backward twice without retain_graph is a clear error; with it, gradients add") {
  auto x = f64({2.0}, {1}).requires_grad_();
  auto y = (x * x).sum();
  y.backward(xg::Tensor(), true);
  y.backward();
  CHECK(x.grad().item<double>() == 8.0);
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("second time"), xg::Error);
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("retain_graph=true"), xg::Error);
}

TEST_CASE("backward of a non-scalar needs a gradient of its shape") {
  auto x = f64({1.0, 2.0, 3.0}, {3}).requires_grad_();
  auto y = x * 2.0;
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("[3]"), xg::Error);
  CHECK_THROWS_WITH_AS(y.backward(xg::ones({2}, xg::kFloat64)), doctest::Contains("[2]"), xg::Error);
  y.backward(f64({1.0, 10.0, 100.0}, {3}));
  CHECK(values(x.grad()) == std::vector<double>{2.0, 20.0, 200.0});
}

TEST_CASE("an in-place change of a saved tensor is caught at backward, naming the op and versions") {
  auto x = f64({1.0, 2.0}, {2}).requires_grad_();
  auto w = f64({3.0, 4.0}, {2});
  auto y = (x * w).sum();
  w.add_(1.0);
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("MulBackward"), xg::Error);
  auto z = (x * w).sum();
  w.mul_(2.0);
  try {
    z.backward();
    FAIL("expected an error");
  } catch (const xg::Error& e) {
    CHECK(std::string(e.what()).find("version 1") != std::string::npos);
    CHECK(std::string(e.what()).find("version 2") != std::string::npos);
  }
}

TEST_CASE("requires_grad is refused for integer tensors, in-place ops on grad leaves outside no_grad") {
  auto i = xg::tensor(std::vector<std::int64_t>{1, 2}, {2});
  CHECK_THROWS_WITH_AS(i.requires_grad_(), doctest::Contains("int64"), xg::Error);
  auto x = xg::ones({2}, xg::kFloat32, true);
  CHECK_THROWS_AS(x.add_(1.0), xg::Error);
  xg::NoGradGuard no_grad;
  x.add_(1.0);
  CHECK(values(x) == std::vector<double>{2.0, 2.0});
}

TEST_CASE("retain_grad keeps a non-leaf gradient; leaves keep theirs; others stay undefined") {
  auto x = f64({2.0}, {1}).requires_grad_();
  auto h = x * 3.0;
  auto g = h * h;
  h.retain_grad();
  g.sum().backward();
  CHECK(h.grad().item<double>() == 12.0);  // d(h²)/dh = 2h
  CHECK_FALSE(g.grad().defined());
  CHECK(x.grad().item<double>() == 36.0);
  CHECK(x.is_leaf());
  CHECK_FALSE(h.is_leaf());
  CHECK(h.grad_fn_name() == "MulBackward1");
}

TEST_CASE("hooks see gradients and may replace them") {
  auto x = f64({1.0, 2.0}, {2}).requires_grad_();
  auto h = x * 2.0;
  std::vector<double> seen;
  h.register_hook([&](const xg::Tensor& g) {
    seen = g.to_vector();
    return g * 10.0;
  });
  x.register_hook([](const xg::Tensor& g) { return g + 1.0; });
  h.sum().backward();
  CHECK(seen == std::vector<double>{1.0, 1.0});
  CHECK(values(x.grad()) == std::vector<double>{21.0, 21.0});
}

TEST_CASE("autograd::grad returns gradients without touching .grad, and prunes the graph") {
  auto x = f64({2.0}, {1}).requires_grad_();
  auto w = f64({5.0}, {1}).requires_grad_();
  auto y = (x * x * w).sum();
  auto grads = xg::autograd::grad({y}, {x});
  CHECK(grads.size() == 1);
  CHECK(grads[0].item<double>() == 20.0);
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(w.grad().defined());
  auto unused = f64({1.0}, {1}).requires_grad_();
  auto y2 = (x * 2.0).sum();
  CHECK_THROWS_WITH_AS(xg::autograd::grad({y2}, {unused}, {}, true), doctest::Contains("allow_unused"), xg::Error);
  auto g2 = xg::autograd::grad({y2}, {x, unused}, {}, false, false, true);
  CHECK(g2[0].item<double>() == 2.0);
  CHECK_FALSE(g2[1].defined());
}

TEST_CASE("create_graph gives second and third derivatives") {
  auto x = f64({0.7}, {1}).requires_grad_();
  auto y = xg::sin(x) * x * x;  // y = x² sin x
  auto dy = xg::autograd::grad({y.sum()}, {x}, {}, std::nullopt, true)[0];
  auto d2y = xg::autograd::grad({dy.sum()}, {x}, {}, std::nullopt, true)[0];
  auto d3y = xg::autograd::grad({d2y.sum()}, {x})[0];
  const double v = 0.7, s = std::sin(v), c = std::cos(v);
  CHECK(dy.item<double>() == doctest::Approx(2 * v * s + v * v * c));
  CHECK(d2y.item<double>() == doctest::Approx(2 * s + 4 * v * c - v * v * s));
  CHECK(d3y.item<double>() == doctest::Approx(6 * c - 6 * v * s - v * v * c));
}

TEST_CASE("Hessian-vector product through create_graph") {
  // f(x) = sum(x³) has Hessian diag(6x); H·v = 6 x ∘ v.
  auto x = f64({1.0, 2.0, 3.0}, {3}).requires_grad_();
  auto v = f64({1.0, 0.5, -1.0}, {3});
  auto g = xg::autograd::grad({xg::pow(x, 3.0).sum()}, {x}, {}, std::nullopt, true)[0];
  auto hv = xg::autograd::grad({(g * v).sum()}, {x})[0];
  CHECK(values(hv) == std::vector<double>{6.0, 6.0, -18.0});
}

TEST_CASE("anomaly mode names the op whose backward produced NaN") {
  auto x = f64({0.0}, {1}).requires_grad_();
  auto y = xg::sqrt(x) * 0.0;  // sqrt'(0) = inf, times 0 = NaN
  xg::autograd::DetectAnomalyGuard anomaly;
  CHECK_THROWS_WITH_AS(y.sum().backward(), doctest::Contains("SqrtBackward"), xg::Error);
}

TEST_CASE("a 1,000,000-op chain back-propagates and is freed without recursion") {
  auto x = xg::ones({1}, xg::kFloat32, true);
  {
    auto y = x;
    for (int i = 0; i < 1'000'000; ++i) y = y * 1.0f + 0.0;
    y.sum().backward();
    CHECK(x.grad().item<float>() == 1.0f);
  }  // y and its million nodes are released here
  CHECK(x.grad().item<float>() == 1.0f);
}

TEST_CASE("a node with 100,000 consumers") {
  auto x = xg::ones({1}, xg::kFloat64, true);
  auto h = x * 2.0;
  std::vector<xg::Tensor> parts;
  for (int i = 0; i < 100'000; ++i) parts.push_back(h * 1.0);
  auto total = xg::cat(parts).sum();
  total.backward();
  CHECK(x.grad().item<double>() == 200000.0);
}

TEST_CASE("the seed's regression network: hand-derived gradients") {
  // y = φ0 + φ1·h1 + φ2·h2 with h = ReLU(θ0 + θ1·x), loss = mean((y − t)²).
  const double xv = 1.5, tv = 2.0;
  const double th0[2] = {0.3, -2.0}, th1[2] = {0.8, 0.5};
  const double phi[3] = {0.1, 1.2, -0.7};
  auto x = f64({xv}, {1, 1});
  auto t = f64({tv}, {1, 1});
  auto theta0 = f64({th0[0], th0[1]}, {1, 2}).requires_grad_();
  auto theta1 = f64({th1[0], th1[1]}, {1, 2}).requires_grad_();
  auto phi0 = f64({phi[0]}, {1}).requires_grad_();
  auto phi12 = f64({phi[1], phi[2]}, {2, 1}).requires_grad_();
  auto h = xg::relu(theta0 + xg::matmul(x, theta1));
  auto y = phi0 + xg::matmul(h, phi12);
  auto loss = xg::mean(xg::pow(y - t, 2.0));
  loss.backward();
  // By hand: pre = θ0 + θ1·x = (1.5, -1.25); h = (1.5, 0); y = 0.1 + 1.2·1.5 = 1.9; dL/dy = 2(y − t) = −0.2.
  const double h1 = th0[0] + th1[0] * xv, dy = 2 * (phi[0] + phi[1] * h1 - tv);
  CHECK(loss.item<double>() == doctest::Approx((phi[0] + phi[1] * h1 - tv) * (phi[0] + phi[1] * h1 - tv)));
  CHECK(phi0.grad().item<double>() == doctest::Approx(dy));
  CHECK(values(phi12.grad())[0] == doctest::Approx(dy * h1));
  CHECK(values(phi12.grad())[1] == doctest::Approx(0.0));  // h2 is switched off by the ReLU
  CHECK(values(theta0.grad())[0] == doctest::Approx(dy * phi[1]));
  CHECK(values(theta0.grad())[1] == doctest::Approx(0.0));
  CHECK(values(theta1.grad())[0] == doctest::Approx(dy * phi[1] * xv));
  CHECK(values(theta1.grad())[1] == doctest::Approx(0.0));
}

// A fused op recorded from outside core (as nn's losses are): raw forward, backward in differentiable ops.
namespace {
xg::Tensor fused_cube(const xg::Tensor& x) {
  xg::Tensor out = xg::empty(x.shape(), x.dtype());
  const double* in = x.data_ptr<double>();
  double* o = out.data_ptr<double>();
  for (std::int64_t i = 0; i < x.numel(); ++i) o[i] = in[i] * in[i] * in[i];
  if (xg::autograd::should_record({&x}))
    xg::autograd::record_backward("FusedCubeBackward", out, {&x}, [sx = xg::SavedTensor(x)](const xg::Tensor& g) {
      const xg::Tensor& xv = sx.get();
      return xg::Grads{g * 3.0 * xv * xv};
    });
  return out;
}
}  // namespace

TEST_CASE("record_backward gives a raw op a graph node: gradients, double backward, release and saved checks") {
  auto x = f64({1.0, -2.0}, {2}).requires_grad_();
  auto y = fused_cube(x);
  CHECK(y.grad_fn_name() == "FusedCubeBackward");
  CHECK(y.requires_grad());
  const auto gx = xg::autograd::grad({y.sum()}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  CHECK(values(gx) == std::vector<double>{3.0, 12.0});
  gx.sum().backward();  // d/dx 3x^2 = 6x
  CHECK(values(x.grad()) == std::vector<double>{6.0, -12.0});

  // Without any input requiring grad, or under NoGradGuard, nothing is recorded.
  CHECK_FALSE(xg::autograd::should_record({}));
  const auto plain = f64({2.0}, {1});
  CHECK_FALSE(xg::autograd::should_record({&plain}));
  CHECK(fused_cube(plain).grad_fn_name().empty());
  {
    xg::NoGradGuard no_grad;
    CHECK(fused_cube(x).grad_fn_name().empty());
  }
  const xg::Tensor undefined;
  CHECK(xg::autograd::should_record({&undefined, &x}));

  // The node frees its callable after backward; a second backward names the node.
  auto z = fused_cube(x);
  z.backward(xg::ones_like(z));
  CHECK_THROWS_WITH_AS(z.backward(xg::ones_like(z)), doctest::Contains("FusedCubeBackward: trying to backward"),
                       xg::Error);
  // A saved input changed in place refuses to give its gradient.
  auto w = fused_cube(x);
  {
    xg::NoGradGuard no_grad;
    x.add_(1.0);
  }
  CHECK_THROWS_WITH_AS(w.sum().backward(),
                       doctest::Contains("FusedCubeBackward: a tensor of shape [2] saved for backward was modified"),
                       xg::Error);

  const auto no_grads = [](const xg::Tensor&) { return xg::Grads{}; };
  xg::Tensor out;
  CHECK_THROWS_WITH_AS(xg::autograd::record_backward("Undefined", out, {&x}, no_grads),
                       "record_backward: Undefined: the output tensor is undefined", xg::Error);
  xg::Tensor ints = xg::zeros({2}, xg::kInt64);
  CHECK_THROWS_WITH_AS(xg::autograd::record_backward("IntOut", ints, {&x}, no_grads),
                       doctest::Contains("record_backward: IntOut: only a floating-point output"), xg::Error);
}

TEST_CASE("a saved output comes back attached to its node only while a graph is built, and holds no cycle") {
  std::weak_ptr<xg::Node> node;
  {
    auto x = f64({0.5, -1.0}, {2}).requires_grad_();
    auto y = xg::exp(x);  // ExpBackward0 saves y itself
    node = std::shared_ptr<xg::Node>(y.grad_fn());
    // first order: g·y; the graph of that gradient reaches x through y's node again
    const auto g = xg::autograd::grad({xg::sum(y)}, {x}, {}, true, /*create_graph=*/true)[0];
    CHECK(g.requires_grad());
    const auto gg = xg::autograd::grad({xg::sum(g)}, {x})[0];
    CHECK(values(gg) == values(xg::exp(x.detach())));
  }
  CHECK(node.expired());  // the node kept its output without history: nothing held it alive
}
