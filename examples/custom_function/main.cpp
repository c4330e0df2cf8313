// A custom autograd function, written as libtorch's C++ frontend writes one: ClipGradient is the
// identity in the forward pass and clamps the gradient flowing back through it to [-bound, bound].
// Put after a model's predictions, it caps how hard any one sample can pull on the weights: a line
// fitted to data with one wild outlier stays near the true line, where a plain fit is dragged away.
//
// The backward uses xgrad's differentiable ops, so the function also supports double backward; the
// program gradchecks it before training.
#include <cstdio>
#include <vector>

#include <xgrad/torch.hpp>

struct ClipGradient : torch::autograd::Function<ClipGradient> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, double bound) {
    ctx->saved_data["bound"] = bound;
    return x.clone();
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const double bound = ctx->saved_data["bound"].toDouble();
    // One gradient per forward argument: none for the double.
    return {torch::clamp(grad_outputs[0], -bound, bound), torch::Tensor()};
  }
};

// Fits y = a·x + b by gradient descent on the summed squared error; clip > 0 clips each sample's
// gradient at the predictions.
static std::vector<double> fit(const torch::Tensor& x, const torch::Tensor& y, double clip) {
  torch::nn::Linear line(1, 1);
  line->to(torch::kFloat64);
  {
    torch::NoGradGuard no_grad;
    line->weight.zero_();
    line->bias.zero_();
  }
  torch::optim::SGD optimizer(line->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  for (int step = 0; step < 500; ++step) {
    optimizer.zero_grad();
    auto prediction = line(x);
    if (clip > 0) prediction = ClipGradient::apply(prediction, clip);
    auto loss = (prediction - y).pow(2).sum() / x.size(0);
    loss.backward();
    optimizer.step();
  }
  return {line->weight.item<double>(), line->bias.item<double>()};
}

int main() {
  // The function's gradient, checked against central differences (the bound is large enough that
  // these random inputs fall inside it, where the gradient is the identity's).
  auto check = torch::autograd::gradcheck(
      [](const std::vector<torch::Tensor>& in) { return ClipGradient::apply(in[0], 10.0).pow(2); },
      {torch::randn({4}, torch::dtype(torch::kFloat64).requires_grad(true))});
  std::printf("gradcheck: %s\n", check ? "passed" : check.message().c_str());

  // y = 2x + 1 on 20 points in [-1, 1], with the last point (x = 1) an outlier 39 above the line.
  auto x = torch::linspace(-1, 1, 20, torch::kFloat64).unsqueeze(1);
  auto y = 2 * x + 1 + 39 * (x > 0.99).to(torch::kFloat64);
  const auto plain = fit(x, y, 0.0);
  const auto clipped = fit(x, y, 0.05);
  std::printf("true line:         y = 2.000 x + 1.000\n");
  std::printf("plain fit:         y = %.3f x + %.3f\n", plain[0], plain[1]);
  std::printf("clipped gradients: y = %.3f x + %.3f\n", clipped[0], clipped[1]);
  return 0;
}
