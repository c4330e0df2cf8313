// The libtorch forms of <xgrad/torch.hpp> beside xgrad's own: both spellings compile and agree
// (designated initializers and builders, braced shapes and single integers), custom autograd functions
// are gradchecked, and the corner cases of each form behave as libtorch's do.
#include <doctest/doctest.h>

#include <xgrad/torch.hpp>

#include <filesystem>
#include <sstream>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

xg::Tensor quadratic_loss(const xg::Tensor& w) {
  return (w * w * xg::tensor({1.0, 3.0, 10.0}, xg::kFloat64)).sum() + w.sum();
}

template <class Optimizer>
std::vector<double> run_steps(Optimizer& optimizer, xg::Tensor w, int steps) {
  for (int i = 0; i < steps; ++i) {
    optimizer.zero_grad();
    quadratic_loss(w).backward();
    optimizer.step();
  }
  return w.to_vector();
}

xg::Tensor start() { return xg::tensor({1.0, -2.0, 0.5}, xg::dtype(xg::kFloat64).requires_grad(true)); }

}  // namespace

TEST_CASE("option builders and designated initializers give the same optimizer") {
  auto w1 = start(), w2 = start(), w3 = start(), w4 = start();
  xg::optim::SGD aggregate({w1}, {.lr = 0.01, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
  torch::optim::SGD builder({w2}, torch::optim::SGDOptions(0.01).momentum(0.9).nesterov(true).weight_decay(0.01));
  CHECK(run_steps(aggregate, w1, 20) == run_steps(builder, w2, 20));

  xg::optim::Adam adam_aggregate({w3}, {.lr = 0.05, .betas = {0.5, 0.9}, .eps = 1e-6, .amsgrad = true});
  torch::optim::Adam adam_builder({w4}, torch::optim::AdamOptions(0.05).betas({0.5, 0.9}).eps(1e-6).amsgrad(true));
  CHECK(run_steps(adam_aggregate, w3, 20) == run_steps(adam_builder, w4, 20));

  // The scalar form takes the lr only; a braced list still means options (here: all defaults).
  auto w5 = start(), w6 = start();
  xg::optim::SGD scalar({w5}, 0.25);
  CHECK(scalar.options().lr == 0.25);
  CHECK(scalar.options().momentum == 0.0);
  xg::optim::SGD braced({w6}, {});
  CHECK(braced.options().lr == xg::optim::SGDOptions{}.lr);
  xg::optim::Adam adam_scalar({start()}, 1);  // an integer lr converts, as libtorch's Scalar does
  CHECK(adam_scalar.options().lr == 1.0);

  const auto options = torch::optim::AdamWOptions(0.5).betas({0.8, 0.95}).weight_decay(0.25);
  CHECK(options.lr() == 0.5);
  CHECK(std::get<1>(options.betas()) == 0.95);
  const xg::optim::AdamWOptions& converted = options;
  CHECK(converted.weight_decay == 0.25);
  CHECK(converted.betas.first == 0.8);
}

TEST_CASE("DataLoaderOptions builder feeds xgrad's loader") {
  auto data = xg::arange(0.0, 10.0, 1.0, xg::kFloat64).reshape({10, 1});
  auto targets = xg::arange(0.0, 10.0, 1.0, xg::kInt64);
  xg::data::TensorDataset dataset(data, targets);
  const auto options = torch::data::DataLoaderOptions().batch_size(4).workers(2).drop_last(true);
  CHECK(options.batch_size() == 4);
  CHECK(options.workers() == 2);
  xg::data::DataLoader loader(dataset, options);
  std::vector<double> seen;
  for (const auto& batch : loader)
    for (double v : batch.data.to_vector()) seen.push_back(v);
  CHECK(loader.size() == 2);  // drop_last leaves out the short batch
  CHECK(seen == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7});
  xg::data::DataLoader plain(dataset, torch::data::DataLoaderOptions(3));
  CHECK(plain.size() == 4);
  static_assert(std::is_same_v<torch::data::Example<>, xg::data::Example>);
}

namespace {
struct TwoLayerImpl : torch::nn::Module {
  TwoLayerImpl() {
    first = register_module("first", torch::nn::Linear(torch::nn::LinearOptions(3, 4).bias(false)));
    second = register_module("second", torch::nn::Linear(4, 2));
  }
  torch::Tensor forward(const torch::Tensor& x) { return second(torch::relu(first(x))); }
  torch::nn::Linear first{nullptr}, second{nullptr};
};
TORCH_MODULE(TwoLayer);
}  // namespace

TEST_CASE("register_module returns the handle type; named_parameters items read both ways") {
  static_assert(std::is_same_v<decltype(std::declval<xg::nn::Module&>().register_module("m", xg::nn::Linear(1, 1))),
                               xg::nn::Linear>);
  TwoLayer net;
  CHECK_FALSE(net->first->bias.defined());
  CHECK(net->second->bias.defined());
  const auto named = net->named_parameters();
  REQUIRE(named.size() == 3);
  CHECK(named[0].key() == "first.weight");
  CHECK(named[0].value().shape() == xg::Shape{4, 3});
  const auto& [name, tensor] = named[2];  // still a pair underneath
  CHECK(name == "second.bias");
  CHECK(tensor.is_same(net->second->bias));
  const std::vector<std::pair<std::string, xg::Tensor>> pairs = named;  // what other layers take
  CHECK(pairs[1].first == "second.weight");
  CHECK(net->forward(xg::ones({2, 3})).shape() == xg::Shape{2, 2});
}

TEST_CASE("single-integer sizes and TensorOptions keep braced shapes as they were") {
  CHECK(xg::zeros({}).dim() == 0);  // braced empty list: 0-d, not [0]
  CHECK(xg::zeros({3}).shape() == xg::Shape{3});
  CHECK(xg::randn(3).shape() == xg::Shape{3});
  CHECK(xg::ones(std::size_t{2}, xg::kFloat64).dtype() == xg::kFloat64);
  CHECK(xg::full(2, 7.0).to_vector() == std::vector<double>{7, 7});
  auto r = xg::rand({2, 2}, xg::requires_grad());
  CHECK(r.requires_grad());
  CHECK(r.is_leaf());
  CHECK(xg::randint(0, 5, {4}, xg::TensorOptions()).dtype() == xg::kInt64);
  auto m = xg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2});
  CHECK(m.sum(1).to_vector() == std::vector<double>{3, 7});
  CHECK(m.sum({0, 1}).item<double>() == 10.0);
  CHECK(m.mean(-1, true).shape() == xg::Shape{2, 1});
  CHECK(xg::tensor(2.5).dim() == 0);
  CHECK(xg::tensor({1, 2, 3}).dtype() == xg::kInt64);
  CHECK(xg::tensor({1, 2}, xg::kFloat64).dtype() == xg::kFloat64);
}

TEST_CASE("Tensor methods under libtorch's names") {
  auto x = xg::tensor({3.0, -4.0}, xg::dtype(xg::kFloat64).requires_grad(true));
  auto n = x.norm();
  CHECK(n.item<double>() == doctest::Approx(5.0));
  n.backward();
  CHECK(x.grad().to_vector()[0] == doctest::Approx(0.6));
  CHECK(x.grad().to_vector()[1] == doctest::Approx(-0.8));
  auto m = xg::tensor({1.0, -2.0, 3.0, 4.0}, {2, 2}, xg::kFloat64);
  CHECK(m.norm(1, {1}).to_vector() == std::vector<double>{3, 7});
  CHECK(m.norm(INFINITY, {0}, true).to_vector() == std::vector<double>{3, 4});
  CHECK(m.norm(3).item<double>() == doctest::Approx(std::cbrt(1 + 8 + 27 + 64)));

  auto y = x * 2;
  CHECK(y.output_nr() == 0);
  y.detach_();
  CHECK_FALSE(y.requires_grad());
  CHECK(y.is_leaf());
  auto d = x.data();
  CHECK_FALSE(d.requires_grad());
  {
    xg::NoGradGuard no_grad;
    d *= 10;  // writes through to x, as torch's .data
  }
  CHECK(x.to_vector() == std::vector<double>{30, -40});

  auto p = xg::zeros({2}, xg::kFloat64).requires_grad_();
  const auto version = p._version();
  p.set_data(xg::ones({3}, xg::kFloat64));
  CHECK(p.shape() == xg::Shape{3});
  CHECK(p.requires_grad());
  CHECK(p._version() == 0);  // the new storage's counter
  (void)version;

  CHECK(x.device() == xg::Device(xg::kCPU));
  CHECK(x.to(xg::Device("cpu")).is_same(x));
  CHECK(x.to(xg::kCPU, xg::kFloat32).dtype() == xg::kFloat32);
  CHECK(xg::Device("cuda:1").index() == 1);
  CHECK(xg::Device("cuda:1").str() == "cuda:1");
  CHECK(torch::str(xg::Device(xg::kCUDA)) == "cuda");
  CHECK_FALSE(torch::cuda::is_available());
  CHECK(torch::cuda::device_count() == 0);
}

TEST_CASE("hooks returning void see the gradient of non-leaves too") {
  auto x = xg::tensor({1.0, 2.0}, xg::dtype(xg::kFloat64).requires_grad(true));
  auto y = x * 3;
  double seen = 0;
  y.register_hook([&](const xg::Tensor& g) { seen = g.sum().item<double>(); });
  (y * 2).sum().backward();
  CHECK(seen == 4.0);
  CHECK(x.grad().to_vector() == std::vector<double>{6, 6});
}

namespace {
// Clipped gradient: identity forward, backward clamps the gradient to [-bound, bound]; written with
// differentiable ops, so create_graph works through it.
struct ClipGradient : xg::autograd::Function<ClipGradient> {
  static xg::Tensor forward(xg::autograd::AutogradContext* ctx, const xg::Tensor& x, double bound) {
    ctx->saved_data["bound"] = bound;
    return x.clone();
  }
  static xg::autograd::variable_list backward(xg::autograd::AutogradContext* ctx, xg::autograd::variable_list g) {
    const double bound = ctx->saved_data["bound"].toDouble();
    return {xg::clamp(g[0], -bound, bound), xg::Tensor()};
  }
};

// x² · sin(y) with both saved: gradients in differentiable ops, so gradgradcheck applies.
struct SquareSin : xg::autograd::Function<SquareSin> {
  static xg::Tensor forward(xg::autograd::AutogradContext* ctx, xg::Tensor x, xg::Tensor y) {
    ctx->save_for_backward({x, y});
    return x * x * xg::sin(y);
  }
  static xg::autograd::variable_list backward(xg::autograd::AutogradContext* ctx, xg::autograd::variable_list g) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& y = saved[1];
    return {g[0] * 2 * x * xg::sin(y), g[0] * x * x * xg::cos(y)};
  }
};

// In place: doubles its input and returns it (mark_dirty).
struct DoubleInPlace : xg::autograd::Function<DoubleInPlace> {
  static xg::Tensor forward(xg::autograd::AutogradContext* ctx, xg::Tensor x) {
    x.mul_(2.0);
    ctx->mark_dirty({x});
    return x;
  }
  static xg::autograd::variable_list backward(xg::autograd::AutogradContext*, xg::autograd::variable_list g) {
    return {g[0] * 2};
  }
};

// Argmax positions as a float tensor, marked non-differentiable.
struct Positions : xg::autograd::Function<Positions> {
  static xg::Tensor forward(xg::autograd::AutogradContext* ctx, xg::Tensor x) {
    auto out = xg::argmax(x, 0).to(x.dtype());
    ctx->mark_non_differentiable({out});
    return out;
  }
  static xg::autograd::variable_list backward(xg::autograd::AutogradContext*, xg::autograd::variable_list) {
    return {xg::Tensor()};
  }
};

// An int64 output: no gradient, without being marked.
struct IndexOfMax : xg::autograd::Function<IndexOfMax> {
  static xg::Tensor forward(xg::autograd::AutogradContext*, xg::Tensor x) { return xg::argmax(x, 0); }
  static xg::autograd::variable_list backward(xg::autograd::AutogradContext*, xg::autograd::variable_list) {
    return {xg::Tensor()};
  }
};

// Saves its own output (the exp), as torch's docs allow.
struct ExpSavingOutput : xg::autograd::Function<ExpSavingOutput> {
  static xg::Tensor forward(xg::autograd::AutogradContext* ctx, xg::Tensor x) {
    auto out = xg::exp(x);
    ctx->save_for_backward({out});
    return out;
  }
  static xg::autograd::variable_list backward(xg::autograd::AutogradContext* ctx, xg::autograd::variable_list g) {
    return {g[0] * ctx->get_saved_variables()[0]};
  }
};
}  // namespace

TEST_CASE("custom autograd functions: gradcheck, double backward, in-place, non-differentiable outputs") {
  xg::manual_seed(3);
  auto x = xg::randn({3, 2}, xg::kFloat64).requires_grad_();
  auto y = xg::randn({3, 2}, xg::kFloat64).requires_grad_();
  auto fn = [](const std::vector<xg::Tensor>& in) { return SquareSin::apply(in[0], in[1]); };
  CHECK(xg::autograd::gradcheck(fn, {x, y}));
  CHECK(xg::autograd::gradgradcheck(fn, {x, y}));
  CHECK(SquareSin::apply(x, y).grad_fn_name().find("SquareSin") != std::string::npos);

  auto v = xg::tensor({0.5, -3.0, 10.0}, xg::dtype(xg::kFloat64).requires_grad(true));
  (ClipGradient::apply(v, 1.0) * xg::tensor({0.5, -3.0, 10.0}, xg::kFloat64)).sum().backward();
  CHECK(v.grad().to_vector() == std::vector<double>{0.5, -1.0, 1.0});

  // No input needs a gradient: no node, no context kept.
  auto plain = SquareSin::apply(xg::ones({2}, xg::kFloat64), xg::ones({2}, xg::kFloat64));
  CHECK_FALSE(plain.requires_grad());

  // mark_dirty on a non-leaf: the input itself becomes the output and takes the new history.
  auto leaf = xg::tensor({1.0, 2.0}, xg::dtype(xg::kFloat64).requires_grad(true));
  auto mid = leaf * 3;
  auto same = DoubleInPlace::apply(mid);
  CHECK(same.is_same(mid));
  CHECK(mid.to_vector() == std::vector<double>{6, 12});
  mid.sum().backward();
  CHECK(leaf.grad().to_vector() == std::vector<double>{6, 6});

  auto positions = Positions::apply(xg::tensor({1.0, 5.0, 2.0}, xg::dtype(xg::kFloat64).requires_grad(true)));
  CHECK_FALSE(positions.requires_grad());
  CHECK(positions.item<double>() == 1.0);
  auto indices = IndexOfMax::apply(xg::tensor({1.0, 5.0, 2.0}, xg::dtype(xg::kFloat64).requires_grad(true)));
  CHECK(indices.dtype() == xg::kInt64);
  CHECK_FALSE(indices.requires_grad());

  // A saved output does not keep itself alive through its own node.
  std::weak_ptr<xg::TensorImpl> watch;
  {
    auto input = xg::tensor({0.0, 1.0}, xg::dtype(xg::kFloat64).requires_grad(true));
    auto out = ExpSavingOutput::apply(input);
    watch = out.impl_ptr();
    out.sum().backward();
    CHECK(input.grad().to_vector()[1] == doctest::Approx(std::exp(1.0)));
  }
  CHECK(watch.expired());
}

TEST_CASE("operator<< prints libtorch's format; to_string and fmt keep the Python repr") {
  const auto m = xg::tensor({1.5, -2.25, 3.0, 4.0}, {2, 2}, xg::kFloat64);
  std::ostringstream os;
  os << m;
  CHECK(os.str() == " 1.5000 -2.2500\n 3.0000  4.0000\n[ CPUDoubleType{2,2} ]");
  CHECK(fmt::format("{}", m).rfind("tensor([[", 0) == 0);
  CHECK(xg::to_string(m).rfind("tensor([[", 0) == 0);
  // A narrower line splits the columns into blocks.
  std::ostringstream narrow;
  xg::print(narrow, xg::arange(0.0, 6.0, 1.0, xg::kFloat64).reshape({1, 6}) / 4, 20);
  CHECK(narrow.str() == "Columns 1 to 2 0.0000  0.2500\n\nColumns 3 to 4 0.5000  0.7500\n\n"
                        "Columns 5 to 6 1.0000  1.2500\n[ CPUDoubleType{1,6} ]");
  // The stream's own formatting survives.
  std::ostringstream flags;
  flags << std::scientific << m << " " << 0.5;
  CHECK(flags.str().substr(flags.str().size() - 12) == "5.000000e-01");
  std::ostringstream sizes;
  sizes << m.sizes() << xg::zeros({}).sizes();
  CHECK(sizes.str() == "[2, 2][]");
}

TEST_CASE("grad_fn() reads as libtorch's shared_ptr<Node>, with torch's node names") {
  auto x = xg::ones({2, 3}, xg::requires_grad());
  CHECK(x.grad_fn() == nullptr);
  CHECK_FALSE(x.grad_fn());
  auto y = x * 2;
  CHECK(y.grad_fn());
  CHECK(y.grad_fn() == y.grad_fn());
  CHECK(y.grad_fn()->name() == "MulBackward1");  // tensor * scalar, libtorch's Scalar overload
  CHECK(y.grad_fn_name() == "MulBackward1");     // xgrad's own name is torch's
  CHECK((x * y).grad_fn()->name() == "MulBackward0");
  xg::nn::Linear fc(3, 4);
  CHECK(fc(x).grad_fn()->name() == "AddmmBackward0");
  auto logits = fc(x);
  // (mean-reduced, xgrad's loss ends in a division: DivBackward1, where libtorch says NllLossBackward0)
  CHECK(xg::nn::functional::cross_entropy(logits, xg::tensor({1, 3}), {.reduction = "none"}).grad_fn()->name() ==
        "NllLossBackward0");
  const std::shared_ptr<xg::Node> node = y.grad_fn();  // still converts to the node's shared_ptr
  CHECK(node.get() == y.grad_fn().get());
}
