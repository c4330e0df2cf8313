// The code shown in README.md and DESIGN.md §5, compiled and run, so the documentation cannot rot.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>

#include <xgrad/xgrad.hpp>
#include <xgrad/xtensor.hpp>
#include <xtensor/xbuilder.hpp>

namespace {

struct Net : xg::nn::Module {
  xg::nn::Linear fc1{784, 256}, fc2{256, 10};
  xg::nn::Dropout drop{0.2};
  Net() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
    register_module("drop", drop);
  }
  xg::Tensor forward(const xg::Tensor& x) { return fc2(drop(xg::relu(fc1(x)))); }
};

}  // namespace

TEST_CASE("README: training loop, checkpoint") {
  xg::manual_seed(0);
  auto images = xg::randn({256, 784});
  auto labels = xg::randint(0, 10, {256});
  xg::nn::Sequential net(xg::nn::Linear(784, 256), xg::nn::ReLU(), xg::nn::Dropout(0.2), xg::nn::Linear(256, 10));
  xg::optim::Adam opt(net->parameters(), {.lr = 1e-3});
  xg::data::DataLoader loader(xg::data::TensorDataset(images, labels), {.batch_size = 128, .shuffle = true, .seed = 0});
  double first = 0, last = 0;
  for (int epoch = 0; epoch < 5; ++epoch)
    for (const auto& batch : loader) {
      opt.zero_grad();
      auto loss = xg::nn::functional::cross_entropy(net->forward(batch.data), batch.target);
      loss.backward();
      opt.step();
      if (first == 0) first = loss.item<double>();
      last = loss.item<double>();
    }
  CHECK(last < first);
  const auto path = std::filesystem::temp_directory_path() / "xgrad_readme_net.safetensors";
  xg::nn::save(net->state_dict(), path.string());
  CHECK(xg::nn::load(path.string()).contains("3.weight"));
  std::filesystem::remove(path);
}

TEST_CASE("README: gradcheck") {
  auto result = xg::autograd::gradcheck([](const std::vector<xg::Tensor>& in) { return xg::tanh(in[0]).matmul(in[1]); },
                                        {xg::randn({3, 4}, xg::kFloat64, true), xg::randn({4, 2}, xg::kFloat64, true)});
  CHECK_MESSAGE(result, result.message());
}

TEST_CASE("README: convolutional networks") {
  const auto images = xg::rand({4, 784});
  xg::nn::Sequential cnn(
      xg::nn::Conv2d(xg::nn::Conv2dOptions(1, 32, 3).padding(1)), xg::nn::BatchNorm2d(32), xg::nn::ReLU(),
      xg::nn::MaxPool2d(xg::nn::MaxPool2dOptions(2)), xg::nn::Flatten(), xg::nn::Linear(32 * 14 * 14, 10));
  auto logits = cnn->forward(images.reshape({-1, 1, 28, 28}));
  CHECK(logits.shape() == xg::Shape{4, 10});
  xg::nn::functional::cross_entropy(logits, xg::randint(0, 10, {4})).backward();
  CHECK(cnn->named_parameters().front().first == "0.weight");
  CHECK(cnn->named_parameters().front().second.grad().shape() == xg::Shape{32, 1, 3, 3});
}

TEST_CASE("README: views and in-place ops") {
  auto w = xg::arange(0, 12, 1, xg::kFloat64).reshape({3, 4});
  w.narrow(0, 0, 2).fill_(0);
  w.t().mul_(2);
  w.select(1, 0).copy_(xg::ones({3}, xg::kFloat64));
  CHECK(w.to_vector() == std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1, 18, 20, 22});
  auto x = xg::ones({3, 4}, xg::kFloat64, true);
  auto h = x * 2.0;
  h[1].mul_(3.0);
  h.relu_();
  (h * h).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<double>{8, 8, 8, 8, 72, 72, 72, 72, 8, 8, 8, 8});
}

TEST_CASE("README: indexing") {
  using namespace xg::indexing;
  auto t = xg::arange(0, 24, 1, xg::kFloat64).reshape({2, 3, 4});
  auto v = t.index({Slice(), 0, Slice(1, None, 2)});
  v.mul_(10);
  CHECK(t.index({1, 0}).to_vector() == std::vector<double>{12, 130, 14, 150});
  auto g = t.index({"...", xg::tensor(std::vector<std::int64_t>{3, 0}, {2}, xg::kInt64)});
  CHECK(g.shape() == xg::Shape{2, 3, 2});
  t.index_put_({t > 20.0}, 0.0);
  t.index_put_({1, xg::tensor(std::vector<std::int64_t>{0, 0}, {2}, xg::kInt64)}, xg::ones({4}, xg::kFloat64), true);
  CHECK(t.index({1, 0}).to_vector() == std::vector<double>{14, 2, 16, 2});
  CHECK(t.index({0, 0}).to_vector() == std::vector<double>{0, 10, 2, 0});  // 30 > 20
}

TEST_CASE("README: threads, autocast, flush denormal") {
  const int saved_threads = xg::get_num_threads();
  xg::set_num_threads(2);
  xg::nn::Sequential net(xg::nn::Linear(20, 16), xg::nn::ReLU(), xg::nn::Linear(16, 3));
  const auto x = xg::randn({8, 20});
  const auto y = xg::randint(0, 3, {8});
  xg::Tensor logits;
  {
    xg::AutocastGuard autocast(xg::kBFloat16);
    logits = net->forward(x);
  }
  CHECK(logits.dtype() == xg::kFloat32);
  auto loss = xg::nn::functional::cross_entropy(logits, y);
  loss.backward();
  for (const auto& p : net->parameters()) CHECK(p.grad().dtype() == xg::kFloat32);
  CHECK(xg::set_flush_denormal(true));
  xg::set_flush_denormal(false);
  xg::set_num_threads(saved_threads);
  CHECK(xg::get_num_threads() == saved_threads);
}

TEST_CASE("README: linear algebra and higher-order derivatives") {
  const auto A = xg::tensor({2.0, 1.0, 0.5, -3.0}, {2, 2}, xg::kFloat64);
  const auto K = xg::tensor({4.0, 1.0, 1.0, 3.0}, {2, 2}, xg::kFloat64);
  const auto y = xg::tensor({1.0, 2.0}, {2, 1}, xg::kFloat64);
  const auto x = xg::tensor({0.5, -1.0, 2.0}, {3}, xg::kFloat64);
  const auto v = xg::tensor({1.0, 0.0, 1.0}, {3}, xg::kFloat64);
  auto [sign, logabsdet] = xg::linalg::slogdet(A);
  auto L = xg::linalg::cholesky(K);                    // K = L·Lᵀ
  auto alpha = xg::cholesky_solve(y, L);               // K⁻¹·y
  namespace F = xg::autograd::functional;
  auto f = [](const xg::Tensor& x) { return xg::pow(x, 3.0).sum(); };
  auto H = F::hessian(f, x);                           // diag(6x)
  auto [fx, Hv] = F::hvp(f, x, v);                     // (f(x), H·v)
  CHECK(sign.item<double>() == -1.0);
  CHECK(logabsdet.item<double>() == doctest::Approx(std::log(6.5)));
  CHECK(xg::max(xg::abs(xg::matmul(K, alpha) - y)).item<double>() < 1e-14);
  CHECK(H.to_vector() == std::vector<double>{3, 0, 0, 0, -6, 0, 0, 0, 12});
  CHECK(fx.item<double>() == doctest::Approx(0.125 - 1 + 8));
  CHECK(Hv.to_vector() == std::vector<double>{3, 0, 12});
}

TEST_CASE("README: xtensor interop") {
  xt::xarray<double> a = xt::linspace<double>(0, 1, 5);
  xg::Tensor t = xg::from_xtensor(a * 2.0);                  // a copy; dtype from the value type
  auto v = xg::as_xtensor<double>(t);                         // zero copy: v(1) = 7 writes into t
  auto shared = std::make_shared<xt::xarray<double>>(std::move(a));
  xg::Tensor u = xg::from_xtensor_view(shared);               // zero copy the other way; u keeps it alive
  v(1) = 7;
  CHECK(t.to_vector() == std::vector<double>{0, 7, 1, 1.5, 2});
  CHECK(u.data_ptr<double>() == shared->data());
}

TEST_CASE("DESIGN.md 5: a user's Module, Adam, cross-entropy, save") {
  Net net;
  CHECK(net.named_parameters().front().first == "fc1.weight");
  xg::optim::Adam opt(net.parameters(), {.lr = 1e-3});
  auto x = xg::randn({8, 784});
  auto labels = xg::randint(0, 10, {8});
  auto loss = xg::nn::functional::cross_entropy(net.forward(x), labels);
  opt.zero_grad();
  loss.backward();
  opt.step();
  CHECK(net.fc1->weight.grad().defined());
}
