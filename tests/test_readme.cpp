// The code shown in README.md and DESIGN.md §5, compiled and run, so the documentation cannot rot.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>

#include <xgrad/xgrad.hpp>

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
