// Losses: gradcheck (and gradgradcheck) of every loss and reduction in float64, numerical
// stability, option semantics, the module forms, and the errors bad targets get.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <set>

#include <xgrad/xgrad.hpp>

namespace nn = xg::nn;
namespace F = xg::nn::functional;

namespace {

using Fn = xg::autograd::GradcheckFunction;

xg::Tensor f64(std::initializer_list<double> v, xg::Shape shape) { return xg::tensor(v, shape, xg::kFloat64); }
xg::Tensor labels(std::initializer_list<std::int64_t> v, xg::Shape shape) {
  return xg::tensor(std::vector<std::int64_t>(v), shape, xg::kInt64);
}

// First and second order checks; `second` is off for losses with kinks where the check would
// straddle one (their second derivative is 0 almost everywhere anyway).
void check_gradients(const std::string& what, const Fn& fn, const std::vector<xg::Tensor>& inputs, bool second = true) {
  CAPTURE(what);
  const auto first = xg::autograd::gradcheck(fn, inputs);
  CHECK_MESSAGE(first, first.message());
  if (second) {
    const auto again = xg::autograd::gradgradcheck(fn, inputs);
    CHECK_MESSAGE(again, again.message());
  }
}

const std::vector<std::string> kReductions = {"mean", "sum", "none"};

}  // namespace

TEST_CASE("regression losses pass gradcheck for each reduction, input and target") {
  xg::manual_seed(1);
  for (const auto& r : kReductions) {
    // Offsets keep |input − target| away from the kinks at 0 and at delta/beta.
    auto x = f64({0.3, -1.2, 2.5, 0.8, -0.1, 1.7}, {2, 3}).requires_grad_();
    auto y = f64({-0.4, 0.9, 0.1, 0.5, 2.2, 1.1}, {2, 3}).requires_grad_();
    check_gradients("mse " + r, [r](const auto& t) { return F::mse_loss(t[0], t[1], {.reduction = r}); }, {x, y});
    check_gradients(
        "l1 " + r, [r](const auto& t) { return F::l1_loss(t[0], t[1], {.reduction = r}); }, {x, y}, false);
    check_gradients(
        "huber " + r, [r](const auto& t) { return F::huber_loss(t[0], t[1], {.reduction = r, .delta = 1.0}); }, {x, y},
        false);
    check_gradients(
        "smooth_l1 " + r, [r](const auto& t) { return F::smooth_l1_loss(t[0], t[1], {.reduction = r, .beta = 0.5}); },
        {x, y}, false);
    check_gradients(
        "smooth_l1 beta=0 " + r,
        [r](const auto& t) { return F::smooth_l1_loss(t[0], t[1], {.reduction = r, .beta = 0.0}); }, {x, y}, false);
  }
  for (const auto& r : {"mean", "sum", "none", "batchmean"}) {
    auto logp = xg::log_softmax(xg::randn({3, 4}, xg::kFloat64), 1).detach().requires_grad_();
    auto q = xg::softmax(xg::randn({3, 4}, xg::kFloat64), 1).detach().requires_grad_();
    std::string red = r;
    check_gradients(std::string("kl_div ") + r,
                    [red](const auto& t) { return F::kl_div(t[0], t[1], {.reduction = red}); }, {logp, q});
    check_gradients(std::string("kl_div log_target ") + r,
                    [red](const auto& t) { return F::kl_div(t[0], t[1], {.reduction = red, .log_target = true}); },
                    {logp, xg::log(q).detach().requires_grad_()});
  }
}

TEST_CASE("binary cross-entropy (probabilities and logits) passes gradcheck, weights included") {
  xg::manual_seed(2);
  for (const auto& r : kReductions) {
    auto p = (xg::rand({3, 4}, xg::kFloat64) * 0.9 + 0.05).detach().requires_grad_();
    auto t = xg::rand({3, 4}, xg::kFloat64).requires_grad_();
    auto w = (xg::rand({4}, xg::kFloat64) + 0.5).requires_grad_();
    check_gradients("bce " + r, [r](const auto& a) { return F::binary_cross_entropy(a[0], a[1], {.reduction = r}); },
                    {p, t});
    check_gradients(
        "bce weight " + r,
        [r](const auto& a) { return F::binary_cross_entropy(a[0], a[1], {.weight = a[2], .reduction = r}); },
        {p, t, w});
    auto z = (xg::randn({3, 4}, xg::kFloat64) * 3.0).detach().requires_grad_();
    auto pw = (xg::rand({4}, xg::kFloat64) * 2.0 + 0.2).requires_grad_();
    check_gradients("bce_with_logits " + r,
                    [r](const auto& a) { return F::binary_cross_entropy_with_logits(a[0], a[1], {.reduction = r}); },
                    {z, t});
    check_gradients("bce_with_logits weight+pos_weight " + r,
                    [r](const auto& a) {
                      return F::binary_cross_entropy_with_logits(a[0], a[1],
                                                                 {.weight = a[2], .reduction = r, .pos_weight = a[3]});
                    },
                    {z, t, w, pw});
  }
}

TEST_CASE("cross_entropy and nll_loss pass gradcheck: indices, weights, ignore_index, smoothing, N-d, probabilities") {
  xg::manual_seed(3);
  const auto y = labels({0, 3, -100, 1, 2}, {5});
  const auto nd_y = labels({0, 2, 1, 1, 2, 0, 0, 1}, {2, 2, 2});
  for (const auto& r : kReductions) {
    auto x = xg::randn({5, 4}, xg::kFloat64).requires_grad_();
    auto w = xg::rand({4}, xg::kFloat64) + 0.5;  // class weights get no gradient (as torch)
    auto nd = xg::randn({2, 3, 2, 2}, xg::kFloat64).requires_grad_();
    check_gradients("ce " + r, [&, r](const auto& a) { return F::cross_entropy(a[0], y, {.reduction = r}); }, {x});
    check_gradients("ce weight+smoothing " + r,
                    [&, r](const auto& a) {
                      return F::cross_entropy(a[0], y, {.weight = w, .label_smoothing = 0.2, .reduction = r});
                    },
                    {x});
    check_gradients("ce N-d " + r, [&, r](const auto& a) { return F::cross_entropy(a[0], nd_y, {.reduction = r}); },
                    {nd});
    check_gradients("ce unbatched " + r,
                    [&, r](const auto& a) { return F::cross_entropy(a[0], labels({2}, {}), {.reduction = r}); },
                    {xg::randn({4}, xg::kFloat64, true)});
    auto soft = xg::softmax(xg::randn({5, 4}, xg::kFloat64), 1).detach().requires_grad_();
    check_gradients("ce probabilities " + r,
                    [&, r](const auto& a) {
                      return F::cross_entropy(a[0], a[1], {.weight = w, .label_smoothing = 0.1, .reduction = r});
                    },
                    {x, soft});
    check_gradients(
        "nll " + r,
        [&, r](const auto& a) { return F::nll_loss(xg::log_softmax(a[0], 1), y, {.weight = w, .reduction = r}); }, {x});
    check_gradients("nll N-d " + r, [&, r](const auto& a) { return F::nll_loss(a[0], nd_y, {.reduction = r}); }, {nd});
  }
}

TEST_CASE("nn's fused backward nodes: each is what its op records, and the registry lists them all") {
  auto x = xg::randn({2, 3}, xg::kFloat64, true);
  auto t = xg::rand({2, 3}, xg::kFloat64, true);
  std::set<std::string> seen;
  seen.insert(F::cross_entropy(x, labels({0, 2}, {2}), {.reduction = "none"}).grad_fn_name());
  seen.insert(F::binary_cross_entropy(xg::sigmoid(x), t, {.reduction = "none"}).grad_fn_name());
  seen.insert(F::binary_cross_entropy_with_logits(x, t, {.reduction = "none"}).grad_fn_name());
  CHECK(seen == std::set<std::string>{"NllLossBackward0", "BinaryCrossEntropyBackward0",
                                      "BinaryCrossEntropyWithLogitsBackward0"});
  // With pos_weight the node has a third input. Its target gradient (p−1)·softplus(−x) − x uses the
  // one exact softplus, whose own rule gives the x-derivative −(p−1)·σ(−x) − 1.
  const auto pw = f64({3.0}, {1});
  auto x1 = f64({0.7, -2.0, 30.0}, {3}).requires_grad_();
  auto t1 = f64({0.2, 0.9, 0.5}, {3}).requires_grad_();
  const auto loss = F::binary_cross_entropy_with_logits(x1, t1, {.reduction = "none", .pos_weight = pw});
  seen.insert(loss.grad_fn_name());
  const auto gt = xg::autograd::grad({xg::sum(loss)}, {t1}, {}, true, /*create_graph=*/true)[0];
  const auto gtx = xg::autograd::grad({xg::sum(gt)}, {x1})[0].to_vector();
  const std::vector<double> xs{0.7, -2.0, 30.0};
  for (std::size_t i = 0; i < xs.size(); ++i) CHECK(gtx[i] == doctest::Approx(-2.0 / (1.0 + std::exp(xs[i])) - 1.0));
  CHECK(std::set<std::string>(nn::registered_backward_names().begin(), nn::registered_backward_names().end()) == seen);
}

TEST_CASE("cross_entropy's raw backward and its create_graph path agree") {
  xg::manual_seed(4);
  auto x = xg::randn({6, 5}, xg::kFloat64).requires_grad_();
  const auto y = labels({0, 4, 2, -100, 1, 3}, {6});
  const auto w = xg::rand({5}, xg::kFloat64) + 0.5;
  const nn::CrossEntropyLossOptions o{.weight = w, .label_smoothing = 0.3};
  const auto plain = xg::autograd::grad({F::cross_entropy(x, y, o)}, {x})[0];
  const auto graph = xg::autograd::grad({F::cross_entropy(x, y, o)}, {x}, {}, true, true)[0];
  CHECK(graph.requires_grad());
  CHECK(xg::allclose(plain, graph, 0, 1e-15));
  // ... and both equal the composite log_softmax + weighted smoothing formula.
  const auto logp = xg::log_softmax(x, 1);
  const auto composite =
      F::nll_loss(logp, y, {.weight = w}) * 0.7 +
      xg::sum(-(logp * w) * xg::unsqueeze(xg::ne(y, -100).to(xg::kFloat64), 1)) * (0.3 / 5) /
          xg::sum(xg::where(xg::ne(y, -100), xg::index_select(w, 0, xg::clamp(y, 0, 4).to(xg::kInt64)), 0.0));
  CHECK(F::cross_entropy(x, y, o).item<double>() == doctest::Approx(composite.item<double>()).epsilon(1e-13));
}

TEST_CASE("stability: logits of ±1000 give finite losses and gradients") {
  auto z = f64({1000.0, -1000.0, 1000.0, -1000.0, 0.0}, {5}).requires_grad_();
  const auto t = f64({1.0, 0.0, 0.0, 1.0, 0.5}, {5});
  const auto l = F::binary_cross_entropy_with_logits(z, t, {.reduction = "none"});
  CHECK(l.to_vector() == std::vector<double>{0.0, 0.0, 1000.0, 1000.0, std::log(2.0)});
  xg::sum(l).backward();
  CHECK(z.grad().to_vector() == std::vector<double>{0.0, 0.0, 1.0, -1.0, 0.0});
  // pos_weight scales the positive term: 3·softplus(1000) for target 1 at logit −1000.
  const auto lp =
      F::binary_cross_entropy_with_logits(z.detach(), t, {.reduction = "none", .pos_weight = f64({3.0}, {1})});
  CHECK(lp.to_vector()[3] == 3000.0);
  // float32 too.
  const auto l32 = F::binary_cross_entropy_with_logits(z.detach().to(xg::kFloat32), t.to(xg::kFloat32));
  CHECK(std::isfinite(l32.item<double>()));

  auto logits = f64({1000.0, -1000.0, 0.0, -1000.0, 1000.0, 999.0}, {2, 3}).requires_grad_();
  const auto ce = F::cross_entropy(logits, labels({1, 2}, {2}), {.reduction = "none"});
  CHECK(ce.to_vector()[0] == 2000.0);
  CHECK(ce.to_vector()[1] == doctest::Approx(1.0 + std::log1p(std::exp(-1.0))));
  xg::sum(ce).backward();
  for (double g : logits.grad().to_vector()) CHECK(std::isfinite(g));

  // Probabilities of exactly 0 and 1: logs clamped at −100 and a finite gradient, as torch.
  auto p = f64({0.0, 1.0}, {2}).requires_grad_();
  const auto b = F::binary_cross_entropy(p, f64({1.0, 0.0}, {2}), {.reduction = "none"});
  CHECK(b.to_vector() == std::vector<double>{100.0, 100.0});
  xg::sum(b).backward();
  const double torch_epsilon = static_cast<double>(1e-12f);  // torch clamps x(1−x) at its float constant
  CHECK(p.grad().to_vector() == std::vector<double>{-1.0 / torch_epsilon, 1.0 / torch_epsilon});
}

TEST_CASE("option semantics: ignore_index, all ignored, weights in the mean, label smoothing") {
  const auto x = f64({2.0, 0.5, -1.0, 0.0, 1.0, 3.0}, {2, 3});
  const auto lp = xg::log_softmax(x, 1).to_vector();
  CHECK(F::cross_entropy(x, labels({2, -100}, {2})).item<double>() == doctest::Approx(-lp[2]));
  CHECK(F::cross_entropy(x, labels({2, 1}, {2}), {.ignore_index = 1}).item<double>() == doctest::Approx(-lp[2]));
  CHECK(std::isnan(F::cross_entropy(x, labels({-100, -100}, {2})).item<double>()));  // 0/0, as torch
  CHECK(F::cross_entropy(x, labels({-100, -100}, {2}), {.reduction = "sum"}).item<double>() == 0.0);
  const auto w = f64({1.0, 2.0, 4.0}, {3});
  CHECK(F::cross_entropy(x, labels({0, 2}, {2}), {.weight = w}).item<double>() ==
        doctest::Approx((-lp[0] * 1.0 - lp[5] * 4.0) / 5.0));
  CHECK(F::nll_loss(xg::log_softmax(x, 1), labels({0, 2}, {2}), {.weight = w}).item<double>() ==
        doctest::Approx((-lp[0] * 1.0 - lp[5] * 4.0) / 5.0));
  // Smoothing ε with class indices equals the probability form with the smoothed one-hot target.
  const auto hard = F::cross_entropy(x, labels({0, 2}, {2}), {.label_smoothing = 0.25});
  const auto soft = F::cross_entropy(x, xg::one_hot(labels({0, 2}, {2}), 3, xg::kFloat64) * 0.75 + 0.25 / 3);
  CHECK(hard.item<double>() == doctest::Approx(soft.item<double>()).epsilon(1e-14));
  CHECK(F::cross_entropy(x, labels({0, 2}, {2}), {.reduction = "none"}).shape() == xg::Shape{2});
  CHECK(std::fabs(F::kl_div(xg::log_softmax(x, 1), xg::softmax(x, 1), {.reduction = "batchmean"}).item<double>()) <
        1e-15);
  // kl_div: a target of exactly 0 contributes 0 (t·log t) and no NaN reaches the gradient.
  auto q = f64({0.0, 0.5, 0.5}, {1, 3}).requires_grad_();
  const auto kl = F::kl_div(xg::log_softmax(x.narrow(0, 0, 1), 1), q, {.reduction = "sum"});
  kl.backward();
  CHECK(std::isfinite(kl.item<double>()));
  CHECK(std::isfinite(q.grad().to_vector()[1]));
}

TEST_CASE("loss modules hold their options, weights as buffers") {
  const auto x = f64({2.0, 0.5, -1.0, 0.0, 1.0, 3.0}, {2, 3});
  const auto y = labels({0, 2}, {2});
  nn::CrossEntropyLoss ce({.label_smoothing = 0.1, .reduction = "sum"});
  CHECK(ce(x, y).item<double>() == F::cross_entropy(x, y, {.label_smoothing = 0.1, .reduction = "sum"}).item<double>());
  nn::CrossEntropyLoss weighted({.weight = f64({1.0, 2.0, 3.0}, {3})});
  CHECK(weighted->state_dict().keys() == std::vector<std::string>{"weight"});
  weighted->to(xg::kFloat32);
  CHECK(weighted->options.weight.dtype() == xg::kFloat32);  // the buffer and the option are one tensor
  nn::MSELoss mse;
  CHECK(mse(x, x * 2.0).item<double>() == F::mse_loss(x, x * 2.0).item<double>());
  CHECK(nn::L1Loss({.reduction = "sum"})(x, x * 0.0).item<double>() == 7.5);
  CHECK(nn::HuberLoss({.delta = 0.5})(x, x * 0.0).item<double>() ==
        F::huber_loss(x, x * 0.0, {.delta = 0.5}).item<double>());
  CHECK(nn::SmoothL1Loss()(x, x).item<double>() == 0.0);
  CHECK(nn::KLDivLoss({.reduction = "batchmean"})(xg::log_softmax(x, 1), xg::softmax(x, 1)).dim() == 0);
  CHECK(nn::NLLLoss()(xg::log_softmax(x, 1), y).item<double>() ==
        doctest::Approx(F::cross_entropy(x, y).item<double>()));
  CHECK(nn::BCELoss()(xg::sigmoid(x), xg::sigmoid(x)).dim() == 0);
  nn::BCEWithLogitsLoss bcel({.pos_weight = f64({2.0, 2.0, 2.0}, {3})});
  CHECK(bcel->named_buffers().size() == 1);
  CHECK(
      bcel(x, xg::sigmoid(x)).item<double>() ==
      F::binary_cross_entropy_with_logits(x, xg::sigmoid(x), {.pos_weight = f64({2.0, 2.0, 2.0}, {3})}).item<double>());
}

TEST_CASE("bad targets and options get errors naming the loss and the shapes") {
  const auto x = xg::randn({4, 3}, xg::kFloat64);
  CHECK_THROWS_WITH_AS(F::cross_entropy(x, labels({0, 1, 3, 1}, {4})),
                       doctest::Contains("cross_entropy: target 3 is out of range for 3 classes (input shape [4, 3], "
                                         "target shape [4])"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(F::cross_entropy(x, labels({0, -1, 0, 1}, {4})), doctest::Contains("target -1 is out of range"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(F::cross_entropy(x, labels({0, 1, 2}, {3})),
                       doctest::Contains("target of shape [3] does not match input of shape [4, 3]"), xg::Error);
  CHECK_THROWS_WITH_AS(F::cross_entropy(x, f64({0, 1, 2, 1}, {4})),
                       doctest::Contains("floating target of shape [4] for input of shape [4, 3]"), xg::Error);
  CHECK_THROWS_WITH_AS(F::cross_entropy(x, xg::zeros({4}, xg::kBool)), doctest::Contains("must be int64, got bool"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(F::cross_entropy(xg::scalar_tensor(1.0), labels({0}, {})), doctest::Contains("class dimension"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(F::cross_entropy(x, labels({0, 1, 2, 1}, {4}), {.weight = xg::ones({2}, xg::kFloat64)}),
                       doctest::Contains("weight of shape [2] must have one entry per class ([3])"), xg::Error);
  CHECK_THROWS_WITH_AS(F::cross_entropy(x, labels({0, 1, 2, 1}, {4}), {.label_smoothing = 1.5}),
                       doctest::Contains("label_smoothing"), xg::Error);
  CHECK_THROWS_WITH_AS(F::cross_entropy(x, labels({0, 1, 2, 1}, {4}), {.reduction = "avg"}),
                       doctest::Contains("cross_entropy: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(F::nll_loss(x, labels({0, 1, 5, 1}, {4})), doctest::Contains("nll_loss: target 5"), xg::Error);
  CHECK_THROWS_WITH_AS(F::mse_loss(x, xg::randn({4}, xg::kFloat64)),
                       doctest::Contains("mse_loss: target of shape [4] does not match input of shape [4, 3]"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(F::l1_loss(x, x, {.reduction = "batchmean"}), doctest::Contains("l1_loss: reduction"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(
      F::binary_cross_entropy(f64({0.5, 1.5}, {2}), f64({0, 1}, {2})),
      doctest::Contains("binary_cross_entropy: input values must be probabilities in [0, 1], found 1.5 "
                        "at element 1"),
      xg::Error);
  CHECK_THROWS_WITH_AS(F::binary_cross_entropy(f64({0.5, 0.5}, {2}), labels({0, 1}, {2})),
                       doctest::Contains("target must be floating point, got int64"), xg::Error);
  CHECK_THROWS_WITH_AS(F::binary_cross_entropy_with_logits(x, xg::rand({4, 1}, xg::kFloat64)),
                       doctest::Contains("binary_cross_entropy_with_logits: target of shape [4, 1]"), xg::Error);
  CHECK_THROWS_WITH_AS(F::binary_cross_entropy_with_logits(x, x, {.pos_weight = xg::ones({2}, xg::kFloat64)}),
                       doctest::Contains("pos_weight of shape [2] does not broadcast to input of shape [4, 3]"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(F::binary_cross_entropy(xg::sigmoid(x), xg::sigmoid(x), {.weight = xg::ones({4}, xg::kFloat64)}),
                       doctest::Contains("weight of shape [4] does not broadcast"), xg::Error);
  CHECK_THROWS_WITH_AS(F::huber_loss(x, x, {.delta = 0.0}), doctest::Contains("huber_loss: delta"), xg::Error);
  CHECK_THROWS_WITH_AS(F::kl_div(x, x, {.reduction = "avg"}), doctest::Contains("'batchmean'"), xg::Error);
  CHECK_THROWS_AS(F::mse_loss(x, xg::Tensor()), xg::Error);
}

TEST_CASE("float32 inputs: every loss computes in float32 and agrees with float64") {
  xg::manual_seed(9);
  const auto x64 = xg::randn({4, 3}, xg::kFloat64), t64 = xg::rand({4, 3}, xg::kFloat64);
  const auto y = labels({0, 2, 1, -100}, {4});
  const std::vector<std::pair<const char*, std::function<xg::Tensor(const xg::Tensor&, const xg::Tensor&)>>> losses = {
      {"mse", [](const auto& x, const auto& t) { return F::mse_loss(x, t); }},
      {"l1", [](const auto& x, const auto& t) { return F::l1_loss(x, t); }},
      {"huber", [](const auto& x, const auto& t) { return F::huber_loss(x, t); }},
      {"smooth_l1", [](const auto& x, const auto& t) { return F::smooth_l1_loss(x, t); }},
      {"kl_div", [](const auto& x, const auto& t) { return F::kl_div(xg::log_softmax(x, 1), t); }},
      {"bce", [](const auto& x, const auto& t) { return F::binary_cross_entropy(xg::sigmoid(x), t); }},
      {"bce_logits", [](const auto& x, const auto& t) { return F::binary_cross_entropy_with_logits(x, t); }},
      {"cross_entropy", [&y](const auto& x, const auto&) { return F::cross_entropy(x, y, {.label_smoothing = 0.1}); }},
      {"nll", [&y](const auto& x, const auto&) { return F::nll_loss(xg::log_softmax(x, 1), y); }},
  };
  for (const auto& [loss_name, fn] : losses) {
    const char* name = loss_name;  // CAPTURE needs a variable (clang 14 cannot capture a structured binding)
    CAPTURE(name);
    auto x32 = x64.to(xg::kFloat32).requires_grad_();
    const auto l32 = fn(x32, t64.to(xg::kFloat32));
    CHECK(l32.dtype() == xg::kFloat32);
    CHECK(l32.item<double>() == doctest::Approx(fn(x64, t64).item<double>()).epsilon(1e-5));
    l32.backward();
    CHECK(x32.grad().dtype() == xg::kFloat32);
  }
}
