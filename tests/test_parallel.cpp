// The thread pool and the matrix products: every gemm path against a plain reference product, and
// results that do not depend on the number of threads, down to the bit.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "xgrad/xgrad.hpp"

namespace {

// Restores the thread setting a test changed.
struct ThreadsRestorer {
  int saved = xg::get_num_threads();
  ~ThreadsRestorer() { xg::set_num_threads(saved); }
};

// op(a)·op(b) in long double, element by element, from the tensors' values, with the sum of the
// terms' magnitudes (what a rounding error bound scales with).
struct Reference {
  std::vector<double> value, magnitude;
  std::int64_t k = 0;
};
Reference reference_product(const xg::Tensor& a, const xg::Tensor& b, bool ta, bool tb) {
  const auto av = a.to_vector(), bv = b.to_vector();
  const std::int64_t n = ta ? a.size(1) : a.size(0), k = ta ? a.size(0) : a.size(1);
  const std::int64_t m = tb ? b.size(0) : b.size(1);
  Reference ref{std::vector<double>(static_cast<std::size_t>(n * m)), std::vector<double>(static_cast<std::size_t>(n * m)), k};
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < m; ++j) {
      long double acc = 0, magnitude = 0;
      for (std::int64_t l = 0; l < k; ++l) {
        const long double term = static_cast<long double>(av[ta ? l * n + i : i * k + l]) * bv[tb ? j * k + l : l * m + j];
        acc += term;
        magnitude += term < 0 ? -term : term;
      }
      ref.value[i * m + j] = static_cast<double>(acc);
      ref.magnitude[i * m + j] = static_cast<double>(magnitude);
    }
  return ref;
}

// Every element within the classic bound of a k-term dot product, (k + 2)·u·Σ|terms| (u: the unit
// roundoff of the dtype); a wrong element, offset or transpose is off by O(Σ|terms|) instead.
void check_close(const xg::Tensor& got, const Reference& ref, const char* what) {
  const auto g = got.to_vector();
  REQUIRE(g.size() == ref.value.size());
  const double u = got.dtype() == xg::kFloat64 ? 0x1p-53 : 0x1p-24;
  double worst = 0;  // error as a fraction of the bound
  for (std::size_t i = 0; i < g.size(); ++i)
    worst = std::max(worst, std::abs(g[i] - ref.value[i]) / ((ref.k + 2) * u * ref.magnitude[i] + 1e-300));
  INFO(what << ": worst error is " << worst << " of the rounding bound");
  CHECK(worst <= 1.0);
}

// Same dtype, shape and bits (values widen to double exactly, so comparing those bits is enough).
bool same_bits(const xg::Tensor& a, const xg::Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  const auto va = a.to_vector(), vb = b.to_vector();
  return std::memcmp(va.data(), vb.data(), va.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("set_num_threads and get_num_threads") {
  ThreadsRestorer restore;
  CHECK(xg::get_num_threads() >= 1);
  xg::set_num_threads(3);
  CHECK(xg::get_num_threads() == 3);
  CHECK_THROWS_WITH_AS(xg::set_num_threads(0), "set_num_threads: expected a positive number of threads, got 0",
                       xg::Error);
  CHECK(xg::get_num_threads() == 3);
}

TEST_CASE("set_flush_denormal turns denormal results into zeros, on the pool's threads too") {
  ThreadsRestorer restore;
  xg::set_num_threads(2);
  const auto tiny = xg::full({1 << 17}, 1e-30);  // 1e-30 * 1e-10 = 1e-40: a float32 denormal
  REQUIRE(xg::set_flush_denormal(true));
  CHECK(xg::max(tiny * 1e-10).item<double>() == 0.0);
  xg::set_flush_denormal(false);
  CHECK(xg::min(tiny * 1e-10).item<double>() > 0.0);
}

TEST_CASE("float32 and float64 products match a reference for every transpose, odd sizes, tiles and threads") {
  ThreadsRestorer restore;
  xg::manual_seed(7);
  // Small (one tile), odd (edge tiles) and large enough to be cut into many tiles.
  const std::vector<std::array<std::int64_t, 3>> shapes = {{1, 1, 1}, {3, 5, 7}, {17, 33, 65}, {130, 257, 300}, {256, 520, 96}};
  for (int threads : {1, 3}) {
    xg::set_num_threads(threads);
    for (const auto dtype : {xg::kFloat32, xg::kFloat64})
      for (const auto& [n, k, m] : shapes)
        for (bool ta : {false, true})
          for (bool tb : {false, true}) {
            const auto a = xg::randn(ta ? xg::Shape{k, n} : xg::Shape{n, k}, dtype);
            const auto b = xg::randn(tb ? xg::Shape{m, k} : xg::Shape{k, m}, dtype);
            const auto c = xg::mm_transposed(a, b, ta, tb);
            CHECK(c.shape() == xg::Shape{n, m});
            CHECK(c.dtype() == dtype);
            check_close(c, reference_product(a, b, ta, tb), "mm_transposed");
          }
  }
}

TEST_CASE("linear fuses the bias; batched products and empty sums") {
  xg::manual_seed(3);
  for (const auto dtype : {xg::kFloat32, xg::kFloat64}) {
    const auto x = xg::randn({70, 300}, dtype), w = xg::randn({130, 300}, dtype), bias = xg::randn({130}, dtype);
    const auto y = xg::linear(x, w, bias);
    auto ref = reference_product(x, w, false, true);
    const auto bv = bias.to_vector();
    for (std::size_t i = 0; i < ref.value.size(); ++i) {
      ref.value[i] += bv[i % 130];
      ref.magnitude[i] += std::abs(bv[i % 130]);
    }
    check_close(y, ref, "linear");

    const auto a = xg::randn({4, 20, 33}, dtype), b = xg::randn({4, 33, 9}, dtype);
    const auto c = xg::bmm(a, b);
    for (std::int64_t i = 0; i < 4; ++i)
      check_close(c.narrow(0, i, 1).reshape({20, 9}),
                  reference_product(a.narrow(0, i, 1).reshape({20, 33}), b.narrow(0, i, 1).reshape({33, 9}), false, false),
                  "bmm");

    // k = 0: the product is all zeros, plus the bias for linear.
    CHECK(xg::mm(xg::zeros({3, 0}, dtype), xg::zeros({0, 4}, dtype)).to_vector() == std::vector<double>(12, 0.0));
    const auto empty_in = xg::linear(xg::zeros({2, 0}, dtype), xg::zeros({3, 0}, dtype), xg::tensor({1, 2, 3}, {3}, dtype));
    CHECK(empty_in.to_vector() == std::vector<double>{1, 2, 3, 1, 2, 3});
  }
}

TEST_CASE("a training step gives the same bits on 1, 2 and 3 threads") {
  ThreadsRestorer restore;
  // Sizes above every grain, so each kernel of the step really splits: gemm tiles, relu, the bias
  // gradient's column sums, softmax, the gradient norm and clipping, Adam's update and the loss's sum.
  auto step = [](int threads) {
    xg::set_num_threads(threads);
    xg::manual_seed(11);
    xg::nn::Sequential net(xg::nn::Linear(300, 512), xg::nn::ReLU(), xg::nn::Linear(512, 512), xg::nn::Tanh(),
                           xg::nn::Linear(512, 10));
    xg::optim::Adam opt(net->parameters(), {.lr = 1e-3});
    const auto x = xg::randn({256, 300});
    const auto y = xg::randint(0, 10, {256});
    for (int i = 0; i < 2; ++i) {
      opt.zero_grad();
      auto logits = net->forward(x);
      auto loss = xg::nn::functional::cross_entropy(logits, y) + xg::softmax(logits, 1).pow(2.0).sum() * 1e-3;
      loss.backward();
      xg::nn::utils::clip_grad_norm_(net->parameters(), 0.5);
      opt.step();
    }
    return net->parameters();
  };
  const auto one = step(1), two = step(2), three = step(3);
  REQUIRE(one.size() == two.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    CHECK(same_bits(one[i], two[i]));
    CHECK(same_bits(one[i], three[i]));
  }
}

TEST_CASE("long sums and reductions give the same bits on any number of threads") {
  ThreadsRestorer restore;
  xg::manual_seed(5);
  const auto x = xg::randn({1 << 20});
  const auto m = xg::randn({700, 900});
  std::vector<xg::Tensor> results;
  for (int threads : {1, 2, 3, 7}) {
    xg::set_num_threads(threads);
    results.push_back(xg::stack({x.sum(), m.sum(), m.sum({0}).sum(), m.sum({1}).sum(), xg::exp(m).mean()}, 0));
  }
  for (std::size_t i = 1; i < results.size(); ++i) CHECK(same_bits(results[0], results[i]));
}

TEST_CASE("bfloat16: conversions round to nearest even, print, and other ops ask for a conversion") {
  const auto x = xg::tensor({1.0, 1.00390625, 1.01171875, -2.5, 3.0e38, -0.0}, {6});
  const auto h = x.to(xg::kBFloat16);
  CHECK(h.dtype() == xg::kBFloat16);
  CHECK(xg::element_size(xg::kBFloat16) == 2);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1); 1 + 3·2^-8 goes up.
  // (the values torch 1.13's x.bfloat16().float() gives)
  CHECK(h.to(xg::kFloat32).to_vector() == std::vector<double>{1.0, 1.0, 1.015625, -2.5, 3.00405527047391e+38, -0.0});
  const auto special = xg::tensor({NAN, INFINITY, -INFINITY}, {3}).to(xg::kBFloat16).to(xg::kFloat64).to_vector();
  CHECK(std::isnan(special[0]));
  CHECK(special[1] == INFINITY);
  CHECK(special[2] == -INFINITY);
  CHECK(xg::to_string(xg::tensor({1.5, -2}, {2}).to(xg::kBFloat16)).find("dtype=bfloat16") != std::string::npos);
  CHECK(xg::promote_types(xg::kBFloat16, xg::kFloat32) == xg::kFloat32);
  CHECK(xg::promote_types(xg::kBFloat16, xg::kInt64) == xg::kBFloat16);
  CHECK(xg::tensor({2, 3}, {2}, xg::kInt64).to(xg::kBFloat16).to(xg::kInt64).to_vector() == std::vector<double>{2, 3});
  CHECK_THROWS_WITH_AS(xg::exp(h), doctest::Contains("bfloat16: this op has no bfloat16 kernel"), xg::Error);
  CHECK_THROWS_WITH_AS([] { xg::AutocastGuard guard(xg::kFloat64); }(),
                       "AutocastGuard: CPU autocast supports bfloat16 only, got float64", xg::Error);
}

TEST_CASE("autocast: bfloat16 products with float32 accumulation, float32 results and gradients") {
  xg::manual_seed(9);
  const auto x = xg::randn({64, 200}).requires_grad_();
  const auto w = xg::randn({96, 200}).requires_grad_();
  const auto b = xg::randn({96}).requires_grad_();
  const auto rounded = [](const xg::Tensor& t) { return t.detach().to(xg::kBFloat16).to(xg::kFloat32); };
  xg::Tensor y;
  {
    xg::AutocastGuard autocast(xg::kBFloat16);
    CHECK(xg::is_autocast_enabled());
    y = xg::linear(x, w, b);
  }
  CHECK_FALSE(xg::is_autocast_enabled());
  CHECK(y.dtype() == xg::kFloat32);
  // Exactly the float32 product of the rounded inputs, up to float32 accumulation order.
  const auto exact = xg::linear(rounded(x), rounded(w), b.detach());
  CHECK(xg::max(xg::abs(y - exact)).item<double>() < 1e-3);
  // and within bfloat16's precision of the float32 product.
  const auto full = xg::linear(x.detach(), w.detach(), b.detach());
  CHECK(xg::max(xg::abs(y - full)).item<double>() / xg::max(xg::abs(full)).item<double>() < 2e-2);
  CHECK(xg::max(xg::abs(y - full)).item<double>() > 0);  // it did run in bfloat16

  const auto g = xg::randn({64, 96});
  y.backward(g);
  REQUIRE(x.grad().defined());
  CHECK(x.grad().dtype() == xg::kFloat32);
  CHECK(w.grad().dtype() == xg::kFloat32);
  const auto gx = xg::mm(g, w.detach()), gw = xg::mm_transposed(g, x.detach(), true, false);
  CHECK(xg::max(xg::abs(x.grad() - gx)).item<double>() / xg::max(xg::abs(gx)).item<double>() < 2e-2);
  CHECK(xg::max(xg::abs(w.grad() - gw)).item<double>() / xg::max(xg::abs(gw)).item<double>() < 2e-2);
  CHECK(xg::max(xg::abs(b.grad() - g.sum({0}))).item<double>() < 1e-4);

  // float64 is left alone: gradcheck under autocast still passes to float64 precision.
  xg::AutocastGuard autocast(xg::kBFloat16);
  auto a64 = xg::randn({5, 4}, xg::kFloat64), b64 = xg::randn({4, 3}, xg::kFloat64);
  CHECK(xg::matmul(a64, b64).dtype() == xg::kFloat64);
  CHECK(same_bits(xg::matmul(a64, b64), [&] {
    xg::AutocastGuard off(xg::kBFloat16, false);
    return xg::matmul(a64, b64);
  }()));
  CHECK(xg::autograd::gradcheck([](const std::vector<xg::Tensor>& in) { return xg::matmul(in[0], in[1]); },
                                {a64.requires_grad_(), b64.requires_grad_()}));
}

TEST_CASE("bfloat16 tensors save and load as safetensors BF16") {
  const auto h = xg::tensor({1.5, -0.25, 1024}, {3}).to(xg::kBFloat16);
  const std::string path = "test_parallel_bf16.safetensors";
  xg::StateDict state;
  state.insert("h", h);
  xg::nn::save(state, path);
  const auto loaded = xg::nn::load(path);
  std::remove(path.c_str());
  REQUIRE(loaded.contains("h"));
  CHECK(loaded.at("h").dtype() == xg::kBFloat16);
  CHECK(loaded.at("h").to(xg::kFloat32).to_vector() == std::vector<double>{1.5, -0.25, 1024});
}
