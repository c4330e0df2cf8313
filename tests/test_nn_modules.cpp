// Modules: registration and dotted names, handles, Sequential, train/eval, zero_grad, to(dtype),
// state_dict/load_state_dict, the layers (Linear init, Dropout, Flatten, activations) and their
// gradchecks in float64.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>

#include <xgrad/xgrad.hpp>

namespace nn = xg::nn;
namespace F = xg::nn::functional;

namespace {

// The network of DESIGN.md §5, smaller.
struct Net : nn::Module {
  nn::Linear fc1{4, 8}, fc2{8, 3};
  nn::Dropout drop{0.2};
  Net() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
    register_module("drop", drop);
  }
  xg::Tensor forward(const xg::Tensor& x) { return fc2(drop(xg::relu(fc1(x)))); }
};

std::vector<std::string> names_of(const nn::NamedTensors& named) {
  std::vector<std::string> out;
  for (const auto& [name, t] : named) out.push_back(name);
  return out;
}

xg::Tensor f64(std::initializer_list<double> v, xg::Shape shape) { return xg::tensor(v, shape, xg::kFloat64); }

}  // namespace

TEST_CASE("a user module as in DESIGN.md: torch's dotted names, parameters are the layers' tensors") {
  Net net;
  CHECK(names_of(net.named_parameters()) ==
        std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});
  const auto params = net.parameters();
  REQUIRE(params.size() == 4);
  CHECK(params[0].is_same(net.fc1->weight));
  CHECK(params[3].is_same(net.fc2->bias));
  for (const auto& p : params) CHECK(p.requires_grad());
  CHECK(net.fc1->weight.shape() == xg::Shape{8, 4});  // [out, in], as torch

  const auto y = net.forward(xg::randn({5, 4}));
  CHECK(y.shape() == xg::Shape{5, 3});
  xg::sum(y).backward();
  for (const auto& p : params) CHECK(p.grad().defined());
  net.zero_grad();
  for (const auto& p : params) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("a copied or moved parent stays valid: handles share the registered modules") {
  Net a;
  Net b = a;
  CHECK(b.fc1->weight.is_same(a.fc1->weight));
  CHECK(b.parameters()[0].is_same(a.fc1->weight));
  Net c = std::move(b);
  CHECK(c.parameters().size() == 4);
  CHECK(c.forward(xg::randn({2, 4})).shape() == xg::Shape{2, 3});

  nn::Linear fc(2, 2);
  nn::Linear same = fc;  // a copy of the handle is the same module
  same->weight.requires_grad_(false);
  CHECK_FALSE(fc->weight.requires_grad());
  nn::Linear empty(nullptr);
  CHECK(empty.is_empty());
  CHECK_THROWS_AS(empty->forward(xg::randn({1, 2})), xg::Error);
}

TEST_CASE("registration rejects bad or duplicate names and names the module") {
  nn::Module m;
  m.register_parameter("w", xg::zeros({2}));
  CHECK_THROWS_WITH_AS(m.register_parameter("w", xg::zeros({2})), doctest::Contains("'w'"), xg::Error);
  CHECK_THROWS_WITH_AS(m.register_buffer("w", xg::zeros({2})), doctest::Contains("already has"), xg::Error);
  CHECK_THROWS_WITH_AS(m.register_parameter("a.b", xg::zeros({2})), doctest::Contains("must not contain '.'"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(m.register_parameter("", xg::zeros({2})), doctest::Contains("empty"), xg::Error);
  CHECK_THROWS_WITH_AS(m.register_module("w", nn::Linear(1, 1)), doctest::Contains("'w'"), xg::Error);
  CHECK_THROWS_AS(m.register_parameter("ints", xg::zeros({2}, xg::kInt64)), xg::Error);  // cannot require grad
  // A tensor with history becomes a leaf parameter.
  auto x = xg::ones({2}, xg::kFloat32, true);
  const auto p = m.register_parameter("p", x * 2.0);
  CHECK(p.is_leaf());
  CHECK(p.requires_grad());
  const auto frozen = m.register_parameter("frozen", xg::ones({1}), false);
  CHECK_FALSE(frozen.requires_grad());
}

TEST_CASE("Sequential: positional names, indexing, push_back, typed access, nested names") {
  nn::Sequential seq(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
  CHECK(seq->size() == 3);
  CHECK(names_of(seq->named_parameters()) == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(seq[0]->name() == "Linear");
  CHECK(seq[-1]->name() == "Linear");
  CHECK(seq->at<nn::LinearImpl>(2).out_features == 1);
  CHECK_THROWS_WITH_AS(seq->at<nn::LinearImpl>(1), doctest::Contains("ReLU"), xg::Error);
  CHECK_THROWS_WITH_AS(seq[3], doctest::Contains("index 3 is out of range for 3 modules"), xg::Error);
  seq->push_back(nn::Sigmoid());
  seq->push_back("head", nn::Linear(1, 2));
  CHECK(seq(xg::randn({4, 2})).shape() == xg::Shape{4, 2});
  CHECK(names_of(seq->named_parameters()).back() == "head.bias");

  struct Block : nn::Module {
    nn::Sequential body{nn::Linear(2, 2), nn::Tanh()};
    Block() { register_module("body", body); }
    xg::Tensor forward(const xg::Tensor& x) { return body(x) + x; }
  };
  nn::Sequential outer(Block(), std::make_shared<Block>());
  CHECK(names_of(outer->named_parameters()) ==
        std::vector<std::string>{"0.body.0.weight", "0.body.0.bias", "1.body.0.weight", "1.body.0.bias"});
  CHECK(outer(xg::randn({3, 2})).shape() == xg::Shape{3, 2});
  CHECK(outer->named_modules().size() == 8);  // 0, 0.body, 0.body.0, 0.body.1, and the same under 1

  nn::SequentialImpl copy = *seq;  // copying the module copies its list (sharing the layers), never nests it
  CHECK(copy.size() == seq->size());
  CHECK(copy.parameters()[0].is_same(seq->parameters()[0]));

  nn::Sequential empty;
  const auto x = xg::randn({2, 2});
  CHECK(empty(x).is_same(x));
}

TEST_CASE("a parameter shared by two modules is listed once") {
  nn::Linear a(3, 3);
  nn::Module m;
  m.register_module("a", a);
  nn::Module holder;
  holder.register_parameter("shared", a->weight);
  m.register_module("h", std::make_shared<nn::Module>(holder));
  const auto names = names_of(m.named_parameters());
  CHECK(names == std::vector<std::string>{"a.weight", "a.bias"});
  CHECK(m.state_dict().size() == 3);  // state_dict keeps every name, as torch
}

TEST_CASE("train() and eval() reach every submodule") {
  Net net;
  nn::Sequential seq(nn::Dropout(0.5), nn::Sequential(nn::Dropout(0.5)));
  net.register_module("extra", seq);
  net.eval();
  CHECK_FALSE(net.is_training());
  CHECK_FALSE(net.drop->is_training());
  CHECK_FALSE(seq[1]->is_training());
  CHECK_FALSE(std::dynamic_pointer_cast<nn::SequentialImpl>(seq[1])->ptr(0)->is_training());
  net.train();
  CHECK(std::dynamic_pointer_cast<nn::SequentialImpl>(seq[1])->ptr(0)->is_training());
}

TEST_CASE("zero_grad(set_to_none = false) zeroes in place") {
  nn::Linear fc(2, 2);
  xg::sum(fc(xg::ones({1, 2}))).backward();
  fc->zero_grad(false);
  REQUIRE(fc->weight.grad().defined());
  CHECK(xg::sum(xg::abs(fc->weight.grad())).item<double>() == 0.0);
}

TEST_CASE("to(dtype) converts parameters in place: every handle sees the new dtype") {
  nn::Sequential seq(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
  seq->register_buffer("steps", xg::zeros({1}, xg::kInt64));
  const auto w = seq->at<nn::LinearImpl>(0).weight;
  const auto before = w.to_vector();
  seq->to(xg::kFloat64);
  CHECK(w.dtype() == xg::kFloat64);
  CHECK(seq->at<nn::LinearImpl>(0).weight.dtype() == xg::kFloat64);
  CHECK(seq->parameters()[0].dtype() == xg::kFloat64);
  CHECK(seq->buffers()[0].dtype() == xg::kInt64);  // integer buffers stay
  CHECK(w.to_vector() == before);                  // float32 -> float64 is exact
  CHECK(w.requires_grad());
  const auto y = seq(xg::randn({4, 2}, xg::kFloat64));
  CHECK(y.dtype() == xg::kFloat64);
  xg::sum(y).backward();
  CHECK(w.grad().dtype() == xg::kFloat64);
  CHECK_THROWS_AS(seq->to(xg::kInt64), xg::Error);
}

TEST_CASE("state_dict / load_state_dict round-trip; missing, unexpected and mismatched keys are named") {
  Net a, b;
  a.register_buffer("running", xg::full({2}, 3.0));
  b.register_buffer("running", xg::zeros({2}));
  const xg::StateDict sd = a.state_dict();
  CHECK(sd.keys() == std::vector<std::string>{"running", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});
  const auto result = b.load_state_dict(sd);
  CHECK(result.missing_keys.empty());
  CHECK(xg::equal(b.fc1->weight, a.fc1->weight));
  CHECK(xg::equal(b.buffers()[0], xg::full({2}, 3.0)));
  CHECK_FALSE(b.fc1->weight.is_same(a.fc1->weight));  // values copied, not tensors shared
  CHECK(b.fc1->weight.requires_grad());

  xg::StateDict partial;
  partial.insert("fc1.weight", a.fc1->weight.detach());
  partial.insert("bogus", xg::zeros({1}));
  CHECK_THROWS_WITH_AS(b.load_state_dict(partial), doctest::Contains("missing keys: 'running', 'fc1.bias'"), xg::Error);
  CHECK_THROWS_WITH_AS(b.load_state_dict(partial), doctest::Contains("unexpected keys: 'bogus'"), xg::Error);
  const auto lenient = b.load_state_dict(partial, /*strict=*/false);
  CHECK(lenient.missing_keys == std::vector<std::string>{"running", "fc1.bias", "fc2.weight", "fc2.bias"});
  CHECK(lenient.unexpected_keys == std::vector<std::string>{"bogus"});

  // A shape mismatch throws even when not strict, and nothing is copied.
  xg::StateDict wrong = a.state_dict();
  wrong.insert("fc2.weight", xg::zeros({3, 9}));
  const auto bias_before = b.fc1->bias.to_vector();
  wrong.insert("fc1.bias", xg::full({8}, 42.0));
  CHECK_THROWS_WITH_AS(b.load_state_dict(wrong, false),
                       doctest::Contains("size mismatch for 'fc2.weight': the state dict has shape [3, 9], the module "
                                         "has shape [3, 8]"),
                       xg::Error);
  CHECK(b.fc1->bias.to_vector() == bias_before);
}

TEST_CASE("printing a module shows torch's repr") {
  nn::Sequential seq(nn::Linear(2, 3), nn::ReLU(), nn::Dropout(0.25), nn::Linear(3, 1, false));
  std::ostringstream os;
  os << seq;
  CHECK(os.str() ==
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.25)\n"
        "  (3): Linear(in_features=3, out_features=1, bias=False)\n"
        ")");
  CHECK(nn::CrossEntropyLoss()->name() == "CrossEntropyLoss");
}

TEST_CASE("Linear: torch's default init bounds, shapes, no-bias form and errors") {
  xg::manual_seed(3);
  nn::Linear fc(400, 50);
  const double bound = 1.0 / std::sqrt(400.0);  // kaiming_uniform(a=√5) on fan_in 400
  const double max_abs = xg::max(xg::abs(fc->weight)).item<double>();
  CHECK(max_abs <= bound);
  CHECK(max_abs > 0.99 * bound);                                         // 20000 draws reach the edge
  CHECK(std::fabs(xg::mean(fc->weight).item<double>()) < 0.02 * bound);  // σ of the mean ≈ 0.004·bound
  CHECK(xg::var(fc->weight).item<double>() == doctest::Approx(bound * bound / 3).epsilon(0.05));
  CHECK(xg::max(xg::abs(fc->bias)).item<double>() <= bound);
  nn::Linear nobias(3, 2, false);
  CHECK_FALSE(nobias->bias.defined());
  CHECK(nobias->parameters().size() == 1);
  CHECK(nobias(xg::ones({2, 5, 3})).shape() == xg::Shape{2, 5, 2});  // leading dims are kept
  CHECK_THROWS_WITH_AS(fc(xg::ones({2, 3})), doctest::Contains("linear: input of shape [2, 3]"), xg::Error);
  CHECK_THROWS_AS(nn::Linear(-1, 2), xg::Error);
  nn::Linear zero_in(0, 2);  // torch allows it: bias bound 0, output = bias
  CHECK(zero_in(xg::ones({3, 0})).shape() == xg::Shape{3, 2});
}

TEST_CASE("Linear and activation stacks pass gradcheck and gradgradcheck in float64") {
  const std::vector<std::pair<const char*, std::function<xg::Tensor(const xg::Tensor&)>>> activations = {
      {"relu", [](const xg::Tensor& x) { return nn::ReLU()(x); }},
      {"tanh", [](const xg::Tensor& x) { return nn::Tanh()(x); }},
      {"sigmoid", [](const xg::Tensor& x) { return nn::Sigmoid()(x); }},
      {"elu", [](const xg::Tensor& x) { return nn::ELU(0.5)(x); }},
      {"leaky_relu", [](const xg::Tensor& x) { return nn::LeakyReLU(0.2)(x); }},
      {"gelu", [](const xg::Tensor& x) { return nn::GELU()(x); }},
      {"gelu_tanh", [](const xg::Tensor& x) { return nn::GELU("tanh")(x); }},
      {"softmax", [](const xg::Tensor& x) { return nn::Softmax(1)(x); }},
      {"log_softmax", [](const xg::Tensor& x) { return nn::LogSoftmax(-1)(x); }},
      {"flatten", [](const xg::Tensor& x) { return nn::Flatten(0)(x); }},
      {"identity", [](const xg::Tensor& x) { return nn::Identity()(x); }},
  };
  xg::manual_seed(11);
  for (const auto& [name_entry, act] : activations) {
    const auto& name = name_entry;  // CAPTURE cannot take a structured binding in clang 14
    CAPTURE(name);
    auto x = xg::randn({3, 4}, xg::kFloat64).requires_grad_();
    auto w = xg::randn({2, 4}, xg::kFloat64).requires_grad_();
    auto b = xg::randn({2}, xg::kFloat64).requires_grad_();
    auto fn = [&activation = act](const std::vector<xg::Tensor>& in) { return activation(F::linear(in[0], in[1], in[2])); };
    const auto first = xg::autograd::gradcheck(fn, {x, w, b});
    CHECK_MESSAGE(first, first.message());
    if (std::string(name) != "relu" && std::string(name) != "leaky_relu") {  // kinks: second order is 0 a.e.
      const auto second = xg::autograd::gradgradcheck(fn, {x, w, b});
      CHECK_MESSAGE(second, second.message());
    }
  }
  // The module itself, parameters included, through its forward.
  nn::Linear fc(4, 3, true, xg::kFloat64);
  auto fn = [&fc](const std::vector<xg::Tensor>& in) {
    fc->weight = in[1];
    fc->bias = in[2];
    return fc(in[0]);
  };
  const auto r =
      xg::autograd::gradcheck(fn, {xg::randn({2, 4}, xg::kFloat64, true), fc->weight.detach().requires_grad_(),
                                   fc->bias.detach().requires_grad_()});
  CHECK_MESSAGE(r, r.message());
}

TEST_CASE("Dropout: inverted scaling in training, identity in eval, p = 0 and p = 1, seeded") {
  auto x = xg::ones({200, 100}, xg::kFloat64);
  nn::Dropout drop(0.3);
  xg::manual_seed(5);
  const auto y = drop(x);
  const auto v = y.to_vector();
  std::size_t zeros = 0, misscaled = 0;
  for (double e : v) {
    if (e == 0.0)
      ++zeros;
    else if (e != 1.0 / 0.7)
      ++misscaled;  // kept values are scaled by exactly 1/(1-p)
  }
  CHECK(misscaled == 0);
  const double dropped = static_cast<double>(zeros) / static_cast<double>(v.size());
  CHECK(dropped == doctest::Approx(0.3).epsilon(0.05));                     // 20000 draws: σ ≈ 0.0032
  CHECK(xg::mean(y).item<double>() == doctest::Approx(1.0).epsilon(0.02));  // expectation preserved

  xg::manual_seed(5);
  CHECK(xg::equal(drop(x), y));  // the same seed gives the same mask
  CHECK_FALSE(xg::equal(drop(x), y));

  drop->eval();
  CHECK(drop(x).is_same(x));
  drop->train();
  CHECK(nn::Dropout(0.0)(x).is_same(x));
  const auto all = nn::Dropout(1.0)(x);
  CHECK(xg::sum(xg::abs(all)).item<double>() == 0.0);
  CHECK_THROWS_WITH_AS(nn::Dropout(1.5), doctest::Contains("[0, 1]"), xg::Error);
  CHECK_THROWS_AS(F::dropout(x, -0.1), xg::Error);
  CHECK_THROWS_WITH_AS(F::dropout(xg::ones({2}, xg::kInt64)), doctest::Contains("floating point"), xg::Error);

  // Gradient: g·mask, checked with a fixed mask (the seed is reset inside the function).
  auto in = xg::randn({4, 5}, xg::kFloat64).requires_grad_();
  auto fixed_mask = [](const std::vector<xg::Tensor>& t) {
    xg::manual_seed(99);
    return F::dropout(t[0] * t[0], 0.4, true);
  };
  const auto r = xg::autograd::gradcheck(fixed_mask, {in});
  CHECK_MESSAGE(r, r.message());
  const auto r2 = xg::autograd::gradgradcheck(fixed_mask, {in});
  CHECK_MESSAGE(r2, r2.message());
  xg::manual_seed(99);
  const auto out = F::dropout(in, 0.4, true);
  out.backward(xg::ones({4, 5}, xg::kFloat64));
  CHECK(xg::equal(in.grad(), xg::where(xg::ne(out, 0.0), 1.0 / 0.6, xg::zeros({4, 5}, xg::kFloat64))));
  CHECK(nn::Dropout(1.0)(in).requires_grad());
}

TEST_CASE("activation modules compute their ops") {
  const auto x = f64({-2.0, -0.5, 0.0, 1.5}, {1, 4});
  CHECK(xg::equal(nn::ReLU()(x), xg::relu(x)));
  CHECK(xg::equal(nn::Tanh()(x), xg::tanh(x)));
  CHECK(xg::equal(nn::Sigmoid()(x), xg::sigmoid(x)));
  CHECK(xg::equal(nn::ELU(0.5)(x), xg::elu(x, 0.5)));
  CHECK(xg::equal(nn::LeakyReLU()(x), xg::leaky_relu(x, 0.01)));
  CHECK(xg::equal(nn::GELU()(x), xg::gelu(x)));
  CHECK(xg::allclose(nn::GELU("tanh")(x), xg::gelu(x), 0, 1e-3));  // the approximation is close
  CHECK(xg::equal(nn::Softmax(1)(x), xg::softmax(x, 1)));
  CHECK(xg::equal(nn::LogSoftmax(1)(x), xg::log_softmax(x, 1)));
  CHECK(nn::Flatten()(xg::ones({2, 3, 4})).shape() == xg::Shape{2, 12});
  CHECK_THROWS_WITH_AS(nn::GELU("fast"), doctest::Contains("'fast'"), xg::Error);
}

TEST_CASE("l2_penalty is β·Σ‖W‖² with gradient 2βW") {
  auto w1 = f64({1.0, -2.0}, {2}).requires_grad_();
  auto w2 = f64({3.0}, {1, 1}).requires_grad_();
  const auto p = nn::l2_penalty({w1, w2}, 0.5);
  CHECK(p.item<double>() == 0.5 * (1 + 4 + 9));
  p.backward();
  CHECK(w1.grad().to_vector() == std::vector<double>{1.0, -2.0});
  CHECK(w2.grad().to_vector() == std::vector<double>{3.0});
  CHECK(nn::l2_penalty({}, 1.0).item<double>() == 0.0);
  const auto r =
      xg::autograd::gradgradcheck([](const std::vector<xg::Tensor>& t) { return nn::l2_penalty(t, 0.3); },
                                  {xg::randn({3}, xg::kFloat64, true), xg::randn({2, 2}, xg::kFloat64, true)});
  CHECK_MESSAGE(r, r.message());
  CHECK_THROWS_AS(nn::l2_penalty({xg::Tensor()}, 1.0), xg::Error);
}
