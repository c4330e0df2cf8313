// Tensors: factories, dtypes and promotion, views and versions, printing, forward values of ops,
// and what core publishes for the layers above it (raw bytes, version bumps, bernoulli_, visit_dtype, files).
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <type_traits>

#include <xgrad/xgrad.hpp>

namespace {
std::vector<double> v(const xg::Tensor& t) { return t.to_vector(); }
}  // namespace

TEST_CASE("factories give the shapes, dtypes and values torch gives") {
  CHECK(xg::zeros({2, 3}).dtype() == xg::kFloat32);
  CHECK(v(xg::arange(0, 5, 2, xg::kInt64)) == std::vector<double>{0, 2, 4});
  CHECK(xg::arange(0, 1, 0.25).numel() == 4);
  auto l = xg::linspace(-10, 10, 100, xg::kFloat64);
  CHECK(l.numel() == 100);
  CHECK(v(l).front() == -10.0);
  CHECK(v(l).back() == 10.0);  // exact endpoint, as torch
  CHECK(v(xg::full({2}, 7.5)) == std::vector<double>{7.5, 7.5});
  CHECK(xg::ones_like(xg::zeros({3}, xg::kFloat64)).dtype() == xg::kFloat64);
  xg::manual_seed(42);
  auto a = xg::randn({1000}, xg::kFloat64);
  xg::manual_seed(42);
  auto b = xg::randn({1000}, xg::kFloat64);
  CHECK(xg::equal(a, b));
  CHECK(std::fabs(xg::mean(a).item<double>()) < 0.1);
  CHECK(xg::std(a).item<double>() == doctest::Approx(1.0).epsilon(0.1));
  auto u = xg::rand({1000});
  CHECK(xg::min(u).item<double>() >= 0.0);
  CHECK(xg::max(u).item<double>() < 1.0);
  CHECK(xg::tensor({1, 2}, {2}, xg::kInt64).dtype() == xg::kInt64);
}

TEST_CASE("dtype promotion follows torch") {
  auto f32 = xg::ones({2});
  auto f64 = xg::ones({2}, xg::kFloat64);
  auto i64 = xg::ones({2}, xg::kInt64);
  CHECK((f32 + f64).dtype() == xg::kFloat64);
  CHECK((f32 * 2.5).dtype() == xg::kFloat32);
  CHECK((i64 + i64).dtype() == xg::kInt64);
  CHECK((i64 + f32).dtype() == xg::kFloat32);
  CHECK((i64 / i64).dtype() == xg::kFloat32);  // true division
  CHECK(xg::exp(i64).dtype() == xg::kFloat32);
  CHECK(xg::gt(f32, 0.5).dtype() == xg::kBool);
  CHECK(xg::sum(xg::gt(f32, 0.5)).dtype() == xg::kInt64);
  CHECK(xg::sum(xg::gt(f32, 0.5)).item<std::int64_t>() == 2);
}

TEST_CASE("views share storage and the version counter; copies do not") {
  auto x = xg::zeros({2, 3});
  auto r = x.reshape({3, 2});
  auto d = x.detach();
  auto c = x.clone();
  d.fill_(1.0);
  CHECK(v(r) == std::vector<double>(6, 1.0));
  CHECK(v(c) == std::vector<double>(6, 0.0));
  CHECK(x.version() == 1);
  CHECK(r.version() == 1);
  CHECK(c.version() == 0);
  x.add_(xg::ones({3}));
  CHECK(v(x) == std::vector<double>(6, 2.0));
  CHECK(xg::reshape(x, {-1, 2}).shape() == xg::Shape{3, 2});
  CHECK(xg::flatten(xg::zeros({2, 3, 4}), 1).shape() == xg::Shape{2, 12});
  CHECK(xg::unsqueeze(xg::zeros({3}), -1).shape() == xg::Shape{3, 1});
}

TEST_CASE("forward values of ops") {
  auto a = xg::tensor({1, 2, 3, 4, 5, 6}, {2, 3}, xg::kFloat64);
  auto b = xg::tensor({1, 0, 0, 1, 1, 1}, {3, 2}, xg::kFloat64);
  CHECK(v(xg::matmul(a, b)) == std::vector<double>{4, 5, 10, 11});
  CHECK(v(a.t()) == std::vector<double>{1, 4, 2, 5, 3, 6});
  CHECK(v(xg::permute(xg::arange(0, 24).reshape({2, 3, 4}), {2, 0, 1})).at(1) == 4.0);
  CHECK(v(xg::sum(a, {0})) == std::vector<double>{5, 7, 9});
  CHECK(v(xg::mean(a, {1}, true)) == std::vector<double>{2, 5});
  CHECK(xg::var(a).item<double>() == doctest::Approx(3.5));
  auto [values, indices] = xg::max(a, 1);
  CHECK(v(values) == std::vector<double>{3, 6});
  CHECK(v(indices) == std::vector<double>{2, 2});
  CHECK(v(xg::argmax(a, 0)) == std::vector<double>{1, 1, 1});
  CHECK(v(xg::cat({a, a}, 0)).size() == 12);
  CHECK(xg::stack({a, a}, 1).shape() == xg::Shape{2, 2, 3});
  CHECK(v(xg::narrow(a, 1, 1, 2)) == std::vector<double>{2, 3, 5, 6});
  CHECK(v(xg::index_select(a, 1, xg::tensor({2, 0}, {2}, xg::kInt64))) == std::vector<double>{3, 1, 6, 4});
  CHECK(v(xg::gather(a, 1, xg::tensor({0, 2}, {2, 1}, xg::kInt64))) == std::vector<double>{1, 6});
  CHECK(v(xg::where(xg::gt(a, 3.0), a, 0.0)) == std::vector<double>{0, 0, 0, 4, 5, 6});
  CHECK(v(xg::clamp(a, 2, 4)) == std::vector<double>{2, 2, 3, 4, 4, 4});
  CHECK(v(xg::expand(xg::tensor({1, 2}, {2, 1}), {2, 3})) == std::vector<double>{1, 1, 1, 2, 2, 2});
  CHECK(xg::matmul(xg::ones({4, 2, 3}), xg::ones({3, 5})).shape() == xg::Shape{4, 2, 5});
  CHECK(xg::matmul(xg::ones({3}), xg::ones({3})).dim() == 0);
  CHECK(xg::gelu(xg::tensor({1.0}, {1}, xg::kFloat64)).item<double>() == doctest::Approx(0.8413447460685429));
}

TEST_CASE("softmax, log_softmax and logsumexp stay finite for logits of +-1000") {
  auto x = xg::tensor({1000, -1000, 0, 999}, {1, 4}, xg::kFloat64);
  auto p = xg::softmax(x, 1);
  auto lp = xg::log_softmax(x, 1);
  auto lse = xg::logsumexp(x, 1);
  for (double e : v(p)) CHECK(std::isfinite(e));
  for (double e : v(lp)) CHECK(std::isfinite(e));
  CHECK(xg::sum(p).item<double>() == doctest::Approx(1.0));
  CHECK(lse.item<double>() == doctest::Approx(1000.0 + std::log1p(std::exp(-1.0))));
  CHECK(v(lp)[1] == doctest::Approx(-2000.0 - std::log1p(std::exp(-1.0))));
  auto xr = x.detach().requires_grad_();
  xg::log_softmax(xr, 1).sum().backward();
  for (double e : v(xr.grad())) CHECK(std::isfinite(e));
}

TEST_CASE("printing looks like PyTorch's repr, with shape and dtype") {
  auto x = xg::tensor({1.5, -2.25, 3, 4}, {2, 2}, xg::kFloat64, true);
  const std::string s = xg::to_string(x);
  CHECK(s == "tensor([[ 1.5000, -2.2500],\n        [ 3.0000,  4.0000]], shape=[2, 2], dtype=float64, requires_grad=True)");
  CHECK(fmt::format("{}", x * 2.0).find("grad_fn=<MulBackward1>") != std::string::npos);
  CHECK(xg::to_string(xg::tensor({1, 2}, {2}, xg::kInt64)) == "tensor([1, 2], shape=[2], dtype=int64)");
  CHECK(xg::to_string(xg::tensor({1.0, 2.0}, {2})) == "tensor([1., 2.], shape=[2], dtype=float32)");
  CHECK(xg::to_string(xg::scalar_tensor(0.5)) == "tensor(0.5000, shape=[], dtype=float32)");
  CHECK(xg::to_string(xg::gt(xg::tensor({1.0, -1.0}, {2}), 0.0)) == "tensor([ True, False], shape=[2], dtype=bool)");
  // Long tensors are summarized in the repr (operator<< prints libtorch's format: test_torch_compat).
  const std::string long_repr = xg::to_string(xg::zeros({2000}));
  CHECK(long_repr.find("...") != std::string::npos);
  CHECK(long_repr.size() < 200);
}

// ---- what core publishes for the layers above it (no xgrad/detail/ outside core and ops) ----

TEST_CASE("bytes and mutable_bytes span a tensor's data; writing through them is an in-place change") {
  auto t = xg::tensor({1.5, -2.0, 3.25}, {3}, xg::kFloat64);
  const std::span<const std::byte> bytes = t.bytes();
  CHECK(bytes.size() == 3 * sizeof(double));
  CHECK(static_cast<const void*>(bytes.data()) == static_cast<const void*>(t.data_ptr<double>()));
  double second = 0;
  std::memcpy(&second, bytes.data() + sizeof(double), sizeof(double));
  CHECK(second == -2.0);
  const double written = 7.0;
  std::memcpy(t.mutable_bytes().data(), &written, sizeof written);
  CHECK(v(t) == std::vector<double>{7.0, -2.0, 3.25});
  CHECK(t.detach().bytes().data() == bytes.data());  // views share the bytes
  CHECK(xg::zeros({0, 4}).bytes().empty());
  CHECK(xg::ones({2, 2}, xg::kBool).bytes().size() == 4);
  CHECK(xg::ones({2}).to(xg::kBFloat16).mutable_bytes().size() == 4);
  CHECK_THROWS_WITH_AS(xg::Tensor().bytes(), "bytes: the tensor is undefined", xg::Error);
  CHECK_THROWS_WITH_AS(xg::Tensor().mutable_bytes(), "mutable_bytes: the tensor is undefined", xg::Error);
}

TEST_CASE("bump_version records a write made through data_ptr, so a backward that saved the tensor refuses") {
  auto x = xg::tensor({2.0, 3.0}, {2}, xg::kFloat64, true);
  auto y = x * x;  // saves x
  auto shared = x.detach();
  const auto before = x.version();
  shared.data_ptr<double>()[0] = 5.0;
  shared.bump_version();
  CHECK(x.version() == before + 1);  // one counter for the tensor and its views
  CHECK_THROWS_WITH_AS(y.sum().backward(), doctest::Contains("modified by an in-place operation"), xg::Error);
  CHECK_THROWS_WITH_AS(xg::Tensor().bump_version(), "bump_version: the tensor is undefined", xg::Error);
}

TEST_CASE("bernoulli_ fills with 0 and 1 from the global generator, reproducibly under manual_seed") {
  xg::manual_seed(7);
  auto a = xg::empty({10000}, xg::kFloat64);
  a.bernoulli_(0.3);
  xg::manual_seed(7);
  auto b = xg::empty({10000}, xg::kFloat64);
  b.bernoulli_(0.3);
  CHECK(xg::equal(a, b));
  for (double e : v(a)) CHECK((e == 0.0 || e == 1.0));
  CHECK(xg::mean(a).item<double>() == doctest::Approx(0.3).epsilon(0.1));
  CHECK(xg::equal(xg::empty({5}).bernoulli_(0.0), xg::zeros({5})));
  // an odd length, float32, and the same bits on one thread as on several (the draws are counter-based)
  const int threads = xg::get_num_threads();
  xg::set_num_threads(1);
  xg::manual_seed(3);
  auto one_thread = xg::empty({200001}).bernoulli_(0.9);
  xg::set_num_threads(std::max(2, threads));
  xg::manual_seed(3);
  auto several = xg::empty({200001}).bernoulli_(0.9);
  xg::set_num_threads(threads);
  CHECK(xg::equal(one_thread, several));
  CHECK(xg::mean(one_thread).item<double>() == doctest::Approx(0.9).epsilon(0.01));
  CHECK_FALSE(xg::equal(one_thread, xg::empty({200001}).bernoulli_(0.9)));  // the next fill draws anew
  // neighbours are independent: P(both kept) = p²
  auto both = one_thread.slice(0, 0, 200000, 2) * one_thread.slice(0, 1, 200001, 2);
  CHECK(xg::mean(both).item<double>() == doctest::Approx(0.81).epsilon(0.01));
  CHECK(xg::equal(xg::empty({5}, xg::kInt64).bernoulli_(1.0), xg::ones({5}, xg::kInt64)));
  CHECK(xg::equal(xg::empty({3}, xg::kBool).bernoulli_(1.0), xg::ones({3}, xg::kBool)));
  auto c = xg::zeros({4});
  const auto before = c.version();
  c.bernoulli_();
  CHECK(c.version() == before + 1);
  CHECK_THROWS_WITH_AS(xg::zeros({2}).bernoulli_(1.5),
                       "bernoulli_: probability p must be in [0, 1], got 1.5 (tensor of shape [2])", xg::Error);
  CHECK_THROWS_WITH_AS(xg::zeros({2}).bernoulli_(std::nan("")), doctest::Contains("bernoulli_: probability p"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(xg::Tensor().bernoulli_(0.5), "bernoulli_: the tensor is undefined", xg::Error);
  CHECK_THROWS_WITH_AS(xg::zeros({2}, xg::kFloat32, true).bernoulli_(0.5),
                       doctest::Contains("bernoulli_: a leaf Variable that requires grad"), xg::Error);
  CHECK_THROWS_WITH_AS(xg::zeros({2}).to(xg::kBFloat16).bernoulli_(0.5), doctest::Contains("bfloat16"), xg::Error);
}

TEST_CASE("visit_dtype calls one generic lambda with the element type of each dtype") {
  const auto name_of = [](xg::Dtype dtype) {
    return xg::visit_dtype(dtype, [](auto tag) -> std::string {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, float>) return "float";
      else if constexpr (std::is_same_v<T, double>) return "double";
      else if constexpr (std::is_same_v<T, std::int64_t>) return "int64_t";
      else if constexpr (std::is_same_v<T, bool>) return "bool";
      else return "other";
    });
  };
  CHECK(name_of(xg::kFloat32) == "float");
  CHECK(name_of(xg::kFloat64) == "double");
  CHECK(name_of(xg::kInt64) == "int64_t");
  CHECK(name_of(xg::kBool) == "bool");
  CHECK_THROWS_WITH_AS(name_of(xg::kBFloat16), doctest::Contains("bfloat16"), xg::Error);
  auto t = xg::tensor({1.0, 2.0, 4.0}, {3}, xg::kFloat64);
  const double total = xg::visit_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    double s = 0;
    for (std::int64_t i = 0; i < t.numel(); ++i) s += static_cast<double>(t.data_ptr<T>()[i]);
    return s;
  });
  CHECK(total == 7.0);
}

TEST_CASE("RegularFile reads byte ranges of a regular file and refuses anything else, naming the op") {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("xgrad_regular_file_{}", ::getpid());
  std::filesystem::create_directories(dir);
  const auto path = dir / "five.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << "abcde";
  }
  {
    const xg::RegularFile file(path, "my_reader");
    CHECK(file.size() == 5);
    const auto middle = file.read(1, 3);
    CHECK(std::string(middle.begin(), middle.end()) == "bcd");
    CHECK(file.read_all().size() == 5);
    CHECK_THROWS_WITH_AS(file.read(3, 4), doctest::Contains("my_reader: '"), xg::Error);
    CHECK_THROWS_WITH_AS(file.read(3, 4), doctest::Contains("past the end of the file at byte 5"), xg::Error);
  }
  CHECK_THROWS_WITH_AS(xg::RegularFile(dir, "my_reader"), doctest::Contains("is a directory, not a regular file"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(xg::RegularFile(dir / "missing.bin", "my_reader"),
                       doctest::Contains("my_reader: cannot open"), xg::Error);
  std::filesystem::remove_all(dir);
}
