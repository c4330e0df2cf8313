// Small programs written the way libtorch's tutorials and examples use its C++ API. This one source
// is compiled twice: against libtorch 1.13 (scripts/make_torch_compat_fixtures.cpp, which writes what
// each program prints to tests/fixtures/torch_compat.txt) and against xgrad through <xgrad/torch.hpp>
// (tests/test_torch_compat.cpp, which checks the lines are equal). So every line here is also the
// proof that a libtorch program builds on xgrad by changing its include and nothing else.
//
// The including file provides namespace torch (either library). Values are printed with fixed
// precision through numbers(), not operator<<, so the lines do not depend on either library's tensor
// format (except in printing(), which checks that format); computations that run many steps use
// float64 so both libraries print the same digits.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace torch_compat {

inline std::string number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6f", v == 0.0 ? 0.0 : v);  // no "-0.000000"
  return buffer;
}

// "[2, 3]"
inline std::string dims(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

// Every value, row-major, with fixed precision.
inline std::string numbers(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  std::string s;
  for (int64_t i = 0; i < c.numel(); ++i) s += (i ? " " : "") + number(p[i]);
  return s;
}

// ---- the autograd tour (the frontend's "autograd in C++" tutorial, in its order) ----
inline void autograd_tour(std::ostream& out) {
  auto x = torch::ones({2, 2}, torch::requires_grad());
  auto y = x + 2;
  auto z = y * y * 3;
  auto mean = z.mean();
  out << "x requires_grad " << x.requires_grad() << " leaf " << x.is_leaf() << "\n";
  out << "y requires_grad " << y.requires_grad() << " leaf " << y.is_leaf() << "\n";
  out << "x.grad_fn null " << (x.grad_fn() == nullptr) << " y.grad_fn " << y.grad_fn()->name() << " z.grad_fn "
      << z.grad_fn()->name() << "\n";
  // (z.mean()'s node is MeanBackward0 in libtorch; xgrad's mean records a division: not compared)
  mean.backward();
  out << "x.grad " << numbers(x.grad()) << "\n";
  auto m = torch::ones({2, 2}, torch::requires_grad());
  for (const auto& node : {(m + 1).grad_fn()->name(), (m * m).grad_fn()->name(), (-m).grad_fn()->name(),
                           m.pow(2).grad_fn()->name(), m.pow(m).grad_fn()->name(),
                           m.sum().grad_fn()->name(), torch::relu(m).grad_fn()->name(), m.mm(m).grad_fn()->name(),
                           m.exp().grad_fn()->name(), torch::tanh(m).grad_fn()->name(),
                           torch::sigmoid(m).grad_fn()->name(), (m / 2).grad_fn()->name(),
                           torch::log_softmax(m, 1).grad_fn()->name(), m.unsqueeze(0).grad_fn()->name()})
    out << node << " ";
  out << "\n";

  // requires_grad_ on a tensor made without it
  auto a = torch::tensor({2.0, -2.0, 3.0, -4.0}).reshape({2, 2});
  a = ((a * 3) / (a - 1));
  out << "a requires_grad " << a.requires_grad() << "\n";
  a.requires_grad_(true);
  auto b = (a * a).sum();
  out << "b requires_grad " << b.requires_grad() << " value " << number(b.item<double>()) << "\n";

  // vector-Jacobian product with a gradient argument
  auto v = torch::tensor({1.0, 2.0, 3.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto w = v * 2;
  int doublings = 1;
  while (w.norm().item<double>() < 1000) {
    w = w * 2;
    ++doublings;
  }
  w.backward(torch::tensor({0.1, 1.0, 0.0001}, torch::kFloat64));
  out << "doublings " << doublings << " v.grad " << numbers(v.grad()) << "\n";

  {
    torch::NoGradGuard no_grad;
    out << "under NoGradGuard requires_grad " << v.pow(2).requires_grad() << "\n";
  }
  auto d = v.detach();
  out << "detach requires_grad " << d.requires_grad() << " equal " << d.eq(v).all().item<bool>() << "\n";
  out << "any above 2 " << (d > 2).any().item<bool>() << " all above 2 " << (d > 2).all().item<bool>() << "\n";
}

// ---- sizes, dtypes and options ----
inline void tensor_basics(std::ostream& out) {
  auto z = torch::zeros(3);
  auto r = torch::ones(4, torch::kDouble);
  out << "zeros(3) " << dims(z) << " float " << (z.dtype() == torch::kFloat) << "\n";
  out << "ones(4, kDouble) " << dims(r) << " double " << (r.dtype() == torch::kFloat64) << "\n";
  out << "kF32 " << (torch::kF32 == torch::kFloat32) << " kF64 " << (torch::kF64 == torch::kDouble)
      << " kI64 " << (torch::kI64 == torch::kLong) << "\n";
  auto opts = torch::dtype(torch::kFloat64).requires_grad(true);
  auto f = torch::full({2, 3}, 1.5, opts);
  out << "full " << dims(f) << " requires_grad " << f.requires_grad() << " sum " << number(f.sum().item<double>())
      << "\n";

  auto m = torch::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, torch::kFloat64).reshape({2, 3});
  out << "sum(0) " << numbers(m.sum(0)) << "\n";
  out << "sum(1) " << numbers(m.sum(1)) << "\n";
  out << "mean(0) " << numbers(m.mean(0)) << "\n";
  out << "norm " << number(m.norm().item<double>()) << "\n";
  out << "mm " << numbers(m.mm(m.t())) << "\n";
  auto row = torch::tensor({10.0, 20.0, 30.0}, torch::kFloat64);
  out << "expand_as " << dims(row.expand_as(m)) << " " << numbers(row.expand_as(m)) << "\n";
  out << "eq " << numbers(m.eq(row.expand_as(m) / 10)) << "\n";

  out << "sizes " << m.sizes() << "\n";
  auto [largest, where] = m.max(1);
  out << "max(1) " << numbers(largest) << " at " << numbers(where) << "\n";
  auto correct = m.argmax(1).eq(torch::tensor({2, 0})).sum().item<int64_t>();
  out << "correct " << correct << "\n";
  auto like = torch::ones({2}, m.options());
  out << "options double " << (like.dtype() == torch::kDouble) << " scalar_type double "
      << (m.scalar_type() == torch::kDouble) << "\n";

  auto acc = torch::zeros({2, 3}, torch::kFloat64);
  auto v0 = acc._version();
  acc += m;
  acc *= 2;
  acc -= 1;
  acc /= torch::full({2, 3}, 4.0, torch::kFloat64);
  out << "compound " << numbers(acc) << " versions " << (acc._version() - v0) << "\n";

  auto labels = torch::tensor({1, 0, 2});
  out << "int list dtype long " << (labels.dtype() == torch::kLong) << "\n";
  out << "str " << torch::str("a", 1, "-", 2.5) << "\n";
}

// ---- the device API on a CPU-only program ----
inline void device_selection(std::ostream& out) {
  torch::Device device(torch::kCPU);
  if (torch::cuda::is_available()) device = torch::Device(torch::kCUDA);
  out << "cuda available " << torch::cuda::is_available() << " device " << device << "\n";
  auto x = torch::randn({2, 2}, torch::TensorOptions().device(device));
  auto y = x.to(device);
  out << "to(device) is cpu " << y.device().is_cpu() << " type cpu " << (y.device().type() == torch::kCPU) << "\n";
  torch::nn::Linear lin(2, 2);
  lin->to(device);
  out << "module on " << lin->weight.device() << "\n";
}

// ---- a module with registered submodules (the frontend docs' first example) ----
struct NetImpl : torch::nn::Module {
  NetImpl(int64_t n, int64_t m)
      : W(register_parameter("W", torch::ones({n, m}, torch::kFloat64))),
        b(register_parameter("b", torch::zeros(m, torch::kFloat64))) {
    fc = register_module("fc", torch::nn::Linear(torch::nn::LinearOptions(m, 2).bias(false)));
    fc->to(torch::kFloat64);
    torch::NoGradGuard no_grad;
    fc->weight.copy_(torch::tensor({0.5, -1.0, 0.25, 2.0, 0.0, -0.5}, torch::kFloat64).reshape({2, 3}));
  }
  torch::Tensor forward(torch::Tensor input) { return fc(torch::relu(input.mm(W) + b)); }
  torch::Tensor W, b;
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(Net);

inline void module_tour(std::ostream& out) {
  Net net(4, 3);
  for (const auto& p : net->named_parameters()) out << p.key() << " " << dims(p.value()) << "\n";
  auto input = torch::tensor({1.0, 2.0, -1.0, 0.5, 0.0, 1.0, 2.0, -3.0}, torch::kFloat64).reshape({2, 4});
  auto output = net->forward(input);
  out << "forward " << numbers(output) << "\n";
  int hook_calls = 0;
  double hook_sum = 0.0;
  net->W.register_hook([&](const torch::Tensor& grad) {
    ++hook_calls;
    hook_sum = grad.sum().item<double>();
  });
  output.sum().backward();
  out << "hook calls " << hook_calls << " sum " << number(hook_sum) << "\n";
  out << "W.grad " << numbers(net->W.grad()) << "\n";
  out << "fc.weight.grad " << numbers(net->fc->weight.grad()) << "\n";
}

// ---- polynomial regression (pytorch/examples' regression, with fixed data instead of random) ----
inline void polynomial_regression(std::ostream& out) {
  const std::vector<double> truth = {0.5, -1.25, 0.75, 0.3};  // w1..w3 and the bias
  auto x = torch::linspace(-1, 1, 16, torch::kFloat64).unsqueeze(1);
  auto features = torch::cat({x, x.pow(2), x.pow(3)}, 1);
  auto target = features.mm(torch::tensor({truth[0], truth[1], truth[2]}, torch::kFloat64).unsqueeze(1)) + truth[3];

  torch::nn::Linear fc(3, 1);
  fc->to(torch::kFloat64);
  {
    torch::NoGradGuard no_grad;
    fc->weight.zero_();
    fc->bias.zero_();
  }
  torch::optim::SGD optimizer(fc->parameters(), torch::optim::SGDOptions(0.2).momentum(0.5));
  for (int step = 0; step < 60; ++step) {
    optimizer.zero_grad();
    auto loss = torch::mse_loss(fc(features), target);
    loss.backward();
    optimizer.step();
    if (step % 20 == 0) out << "step " << step << " loss " << number(loss.item<double>()) << "\n";
  }
  out << "weight " << numbers(fc->weight) << " bias " << numbers(fc->bias) << "\n";
}

// ---- optimizers from libtorch's builders and the scalar form ----
inline void optimizer_builders(std::ostream& out) {
  auto run = [&](const char* label, auto make_optimizer) {
    auto w = torch::tensor({1.0, -2.0, 0.5}, torch::dtype(torch::kFloat64).requires_grad(true));
    auto optimizer = make_optimizer(std::vector<torch::Tensor>{w});
    for (int step = 0; step < 25; ++step) {
      optimizer.zero_grad();
      auto loss = (w * w * torch::tensor({1.0, 3.0, 10.0}, torch::kFloat64)).sum() + w.sum();
      loss.backward();
      optimizer.step();
    }
    out << label << " " << numbers(w) << "\n";
  };
  run("sgd_scalar", [](std::vector<torch::Tensor> p) { return torch::optim::SGD(p, 0.01); });
  run("sgd_nesterov", [](std::vector<torch::Tensor> p) {
    return torch::optim::SGD(p, torch::optim::SGDOptions(0.01).momentum(0.9).nesterov(true).weight_decay(0.01));
  });
  run("adam", [](std::vector<torch::Tensor> p) {
    return torch::optim::Adam(p, torch::optim::AdamOptions(0.05).betas({0.5, 0.9}).eps(1e-6));
  });
  run("adamw_amsgrad", [](std::vector<torch::Tensor> p) {
    return torch::optim::AdamW(p, torch::optim::AdamWOptions(0.05).weight_decay(0.1).amsgrad(true));
  });
  auto o = torch::optim::SGDOptions(0.5).momentum(0.25);
  out << "getters lr " << number(o.lr()) << " momentum " << number(o.momentum()) << "\n";
}

// ---- top-level functional ops ----
inline void functional_ops(std::ostream& out) {
  auto logits = torch::tensor({1.0, 2.0, 0.5, -1.0, 0.0, 3.0}, torch::kFloat64).reshape({2, 3});
  auto target = torch::tensor({1, 2});
  out << "nll_loss " << number(torch::nll_loss(torch::log_softmax(logits, 1), target).item<double>()) << "\n";
  auto a = torch::tensor({1.0, 2.0, 3.0}, torch::kFloat64);
  auto b = torch::tensor({1.5, 2.0, 1.0}, torch::kFloat64);
  out << "mse_loss " << number(torch::mse_loss(a, b).item<double>()) << "\n";
  out << "dropout eval " << numbers(torch::dropout(a, 0.5, /*train=*/false)) << "\n";
  auto p = torch::tensor({0.25, 0.75}, torch::kFloat64);
  auto t = torch::tensor({0.0, 1.0}, torch::kFloat64);
  out << "binary_cross_entropy " << number(torch::binary_cross_entropy(p, t).item<double>()) << "\n";
}

// ---- custom autograd functions ----
// A straight-through estimator (binarized networks): forward takes the sign, backward passes the
// gradient through unchanged where |x| <= 1 and blocks it elsewhere.
struct StraightThroughSign : public torch::autograd::Function<StraightThroughSign> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor x) {
    ctx->save_for_backward({x});
    return (x > 0).to(x.dtype()) * 2 - 1;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto x = ctx->get_saved_variables()[0];
    auto inside = (torch::abs(x) <= 1.0).to(x.dtype());
    return {grad_outputs[0] * inside};
  }
};

// y = x * w * constant, with the constant kept in saved_data and a gradient for both tensors.
struct MulConstant : public torch::autograd::Function<MulConstant> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor x, torch::Tensor w,
                               double constant) {
    ctx->saved_data["constant"] = constant;
    ctx->save_for_backward({x, w});
    return x * w * constant;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    double c = ctx->saved_data["constant"].toDouble();
    auto g = grad_outputs[0];
    torch::Tensor gx, gw;
    if (ctx->needs_input_grad(0)) gx = g * saved[1] * c;
    if (ctx->needs_input_grad(1)) gw = g * saved[0] * c;
    return {gx, gw, torch::Tensor()};
  }
};

inline void custom_functions(std::ostream& out) {
  auto x = torch::tensor({-2.5, -0.5, 0.25, 0.75, 1.5}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto y = StraightThroughSign::apply(x);
  out << "ste forward " << numbers(y) << "\n";
  (y * torch::tensor({1.0, 2.0, 3.0, 4.0, 5.0}, torch::kFloat64)).sum().backward();
  out << "ste grad " << numbers(x.grad()) << "\n";

  auto a = torch::tensor({1.0, 2.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto w = torch::tensor({3.0, -1.0}, torch::kFloat64);
  auto z = MulConstant::apply(a, w, 2.5);
  out << "custom node " << z.grad_fn()->name() << "\n";
  z.sum().backward();
  out << "mul forward " << numbers(z) << " a.grad " << numbers(a.grad()) << " w.grad defined "
      << w.grad().defined() << "\n";

  // double backward: backward is written with differentiable ops
  auto u = torch::tensor({0.5, -1.5}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto v = torch::tensor({2.0, 4.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto first = torch::autograd::grad({MulConstant::apply(u, u * v, 1.5).sum()}, {u}, {}, true, true)[0];
  auto second = torch::autograd::grad({first.sum()}, {u, v});
  out << "first " << numbers(first) << " second " << numbers(second[0]) << " " << numbers(second[1]) << "\n";
}

// ---- checkpoints: save and load a module, an optimizer and a tensor ----
inline void checkpoints(std::ostream& out, const std::string& dir) {
  torch::nn::Linear model(3, 2);
  torch::nn::Linear restored(3, 2);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(0.1));
  auto x = torch::tensor({1.0, 2.0, 3.0});
  for (int i = 0; i < 3; ++i) {
    optimizer.zero_grad();
    model(x).pow(2).sum().backward();
    optimizer.step();
  }
  torch::save(model, dir + "/model.pt");
  torch::save(optimizer, dir + "/optimizer.pt");
  torch::save(x * 2, dir + "/tensor.pt");
  torch::load(restored, dir + "/model.pt");
  torch::optim::Adam restored_optimizer(restored->parameters(), torch::optim::AdamOptions(0.1));
  torch::load(restored_optimizer, dir + "/optimizer.pt");
  torch::Tensor t;
  torch::load(t, dir + "/tensor.pt");
  out << "same weight " << torch::equal(model->weight, restored->weight) << " same bias "
      << torch::equal(model->bias, restored->bias) << "\n";
  out << "tensor " << numbers(t) << "\n";
  // One more step from the restored pair goes where the original goes.
  optimizer.zero_grad();
  model(x).pow(2).sum().backward();
  optimizer.step();
  restored_optimizer.zero_grad();
  restored(x).pow(2).sum().backward();
  restored_optimizer.step();
  out << "resumed step equal " << torch::allclose(model->weight, restored->weight) << "\n";
}

// ---- the data pipeline (pytorch/examples' MNIST loader) on a generated test set ----
inline void write_idx(const std::string& path, uint32_t magic, const std::vector<uint32_t>& sizes,
                      const std::vector<unsigned char>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  auto put = [&](uint32_t v) {
    const unsigned char be[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                                 static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
    std::fwrite(be, 1, 4, f);
  };
  put(magic);
  for (uint32_t s : sizes) put(s);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

inline void data_pipeline(std::ostream& out, const std::string& dir) {
  const uint32_t n = 10000;  // libtorch's MNIST insists on the real test set's size
  std::vector<unsigned char> pixels(static_cast<size_t>(n) * 28 * 28), labels(n);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>((i * 7 + i / 784 * 13) % 256);
  for (uint32_t i = 0; i < n; ++i) labels[i] = static_cast<unsigned char>((i * 3) % 10);
  write_idx(dir + "/t10k-images-idx3-ubyte", 0x803, {n, 28, 28}, pixels);
  write_idx(dir + "/t10k-labels-idx1-ubyte", 0x801, {n}, labels);

  auto test_set = torch::data::datasets::MNIST(dir, torch::data::datasets::MNIST::Mode::kTest)
                      .map(torch::data::transforms::Normalize<>(0.5, 0.25))
                      .map(torch::data::transforms::Stack<>());
  out << "size " << test_set.size().value() << "\n";
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      std::move(test_set), torch::data::DataLoaderOptions().batch_size(64).workers(2));
  int batches = 0;
  for (auto& batch : *loader) {
    if (batches < 2) {
      out << "batch " << batches << " data " << dims(batch.data) << " target " << dims(batch.target) << "\n";
      out << "  targets " << numbers(batch.target.narrow(0, 0, 8)) << "\n";
      out << "  row " << numbers(batch.data.narrow(0, 1, 1).narrow(2, 3, 1).narrow(3, 0, 6)) << "\n";
    }
    ++batches;
    if (batches == 157) out << "last batch " << dims(batch.data) << "\n";
  }
  out << "batches " << batches << "\n";
}

// ---- printing with operator<<, line for line as libtorch ----
inline void printing(std::ostream& out) {
  out << torch::tensor(3.14159265) << "\n";
  out << torch::tensor({1.0, 2.0, 3.0}) << "\n";
  out << torch::tensor({1.5, -2.25, 3.0}) << "\n";
  out << torch::tensor({1.5, -2.25, 3.0, 4.0}, torch::kDouble).reshape({2, 2}) << "\n";
  out << torch::tensor({12345.6, 234567.1, 100000.0}, torch::kDouble) << "\n";
  out << torch::tensor({0.001, 0.0025, -0.003}, torch::kDouble) << "\n";
  out << torch::tensor({1e-5, 1.0, 1e5}, torch::kDouble) << "\n";
  out << torch::tensor({1e10, 3.0}, torch::kDouble) << "\n";
  out << torch::tensor({-123456.7, 2.5}, torch::kDouble) << "\n";
  out << torch::tensor({1, 20, 300}) << "\n";
  out << (torch::tensor({1.0, -1.0, 0.5}) > 0) << "\n";
  const double inf = std::numeric_limits<double>::infinity();
  out << torch::tensor({1.5, std::numeric_limits<double>::quiet_NaN(), inf, -inf}) << "\n";
  out << torch::arange(24, torch::kFloat).reshape({2, 3, 4}) << "\n";
  out << torch::arange(24, torch::kDouble).reshape({2, 3, 2, 2}) / 7 << "\n";
  out << torch::linspace(0, 1, 60, torch::kDouble).reshape({2, 30}) << "\n";
  out << torch::linspace(0, 50000, 24, torch::kDouble).reshape({2, 12}) << "\n";
  out << torch::zeros({0}) << "\n";
  out << torch::zeros({2, 0}) << "\n";
  out << torch::ones({2}, torch::requires_grad()) << "\n";
  out << torch::Tensor() << "\n";
}

// Every program by name, in the order the fixture file lists them.
inline std::vector<std::pair<std::string, std::function<void(std::ostream&, const std::string&)>>> programs() {
  return {
      {"autograd_tour", [](std::ostream& o, const std::string&) { autograd_tour(o); }},
      {"tensor_basics", [](std::ostream& o, const std::string&) { tensor_basics(o); }},
      {"device_selection", [](std::ostream& o, const std::string&) { device_selection(o); }},
      {"module_tour", [](std::ostream& o, const std::string&) { module_tour(o); }},
      {"polynomial_regression", [](std::ostream& o, const std::string&) { polynomial_regression(o); }},
      {"optimizer_builders", [](std::ostream& o, const std::string&) { optimizer_builders(o); }},
      {"functional_ops", [](std::ostream& o, const std::string&) { functional_ops(o); }},
      {"custom_functions", [](std::ostream& o, const std::string&) { custom_functions(o); }},
      {"checkpoints", [](std::ostream& o, const std::string& dir) { checkpoints(o, dir); }},
      {"data_pipeline", [](std::ostream& o, const std::string& dir) { data_pipeline(o, dir); }},
      {"printing", [](std::ostream& o, const std::string&) { printing(o); }},
  };
}

}  // namespace torch_compat
