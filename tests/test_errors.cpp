// Bad input: each misuse throws xgrad::Error whose message names the op and the operands.
#include <doctest/doctest.h>

#include <functional>

#include <xgrad/xgrad.hpp>

namespace {

struct Misuse {
  const char* what;
  std::function<void()> action;
  std::vector<std::string> message_parts;  // each must appear in the message
};

void expect_error(const Misuse& m) {
  CAPTURE(m.what);
  try {
    m.action();
    FAIL_CHECK("no exception for: " << m.what);
  } catch (const xg::Error& e) {
    const std::string message = e.what();
    for (const auto& part : m.message_parts)
      CHECK_MESSAGE(message.find(part) != std::string::npos, "'" << part << "' missing from: " << message);
  }
}

xg::Tensor z(xg::Shape s) { return xg::zeros(s); }
xg::Tensor idx(std::vector<std::int64_t> v) { return xg::tensor(v, {static_cast<std::int64_t>(v.size())}, xg::kInt64); }

}  // namespace

TEST_CASE("bad inputs get clear errors") {
  const std::vector<Misuse> table = {
      {"matmul shapes", [] { xg::matmul(z({128, 784}), z({256, 10})); },
       {"matmul", "[128, 784]", "[256, 10]", "784 != 256"}},
      {"add [3] to [4]", [] { z({3}) + z({4}); }, {"add", "[3]", "[4]"}},
      {"sub broadcast", [] { z({2, 3}) - z({4, 3}); }, {"sub", "[2, 3]", "[4, 3]"}},
      {"mul broadcast", [] { z({2, 3}) * z({2}); }, {"mul", "[2, 3]", "[2]"}},
      {"div broadcast", [] { z({5}) / z({2}); }, {"div", "[5]", "[2]"}},
      {"maximum broadcast", [] { xg::maximum(z({5}), z({2})); }, {"maximum", "[5]", "[2]"}},
      {"where broadcast", [] { xg::where(xg::gt(z({3}), 0.0), z({3}), z({2})); }, {"where", "[2]"}},
      {"compare broadcast", [] { xg::gt(z({3}), z({2})); }, {"gt", "[3]", "[2]"}},
      {"mm not 2-D", [] { xg::mm(z({3}), z({3, 2})); }, {"mm", "[3]"}},
      {"bmm batch", [] { xg::bmm(z({2, 3, 4}), z({3, 4, 5})); }, {"bmm", "[2, 3, 4]", "[3, 4, 5]"}},
      {"matmul int", [] { xg::matmul(xg::ones({2, 2}, xg::kInt64), xg::ones({2, 2}, xg::kInt64)); }, {"matmul", "int64"}},
      {"matmul 0-d", [] { xg::matmul(z({}), z({2})); }, {"matmul", "[]"}},
      {"linear in_features", [] { xg::linear(z({4, 3}), z({2, 5})); }, {"linear", "[4, 3]", "[2, 5]"}},
      {"reshape size", [] { z({3, 4}).reshape({5, -1}); }, {"reshape", "[5, -1]", "[3, 4]"}},
      {"reshape two -1", [] { z({3, 4}).reshape({-1, -1}); }, {"reshape", "-1"}},
      {"view size", [] { z({3, 4}).view({7}); }, {"view", "[7]"}},
      {"sum bad dim", [] { xg::sum(z({2, 3}), {2}); }, {"sum", "dimension 2"}},
      {"sum repeated dim", [] { xg::sum(z({2, 3}), {1, -1}); }, {"sum", "twice"}},
      {"mean int", [] { xg::mean(xg::ones({2}, xg::kInt64)); }, {"mean", "int64"}},
      {"max bad dim", [] { xg::max(z({2, 3}), 5); }, {"max", "5"}},
      {"max empty", [] { xg::max(z({0})); }, {"max", "[0]"}},
      {"softmax bad dim", [] { xg::softmax(z({2, 3}), 2); }, {"softmax", "2"}},
      {"permute length", [] { xg::permute(z({2, 3}), {0}); }, {"permute", "[2, 3]"}},
      {"permute repeat", [] { xg::permute(z({2, 3}), {0, 0}); }, {"permute", "repeated"}},
      {"transpose dim", [] { xg::transpose(z({2, 3}), 0, 3); }, {"transpose", "3"}},
      {"expand", [] { xg::expand(z({3}), {4}); }, {"expand", "[3]", "[4]"}},
      {"cat shapes", [] { xg::cat({z({2, 3}), z({3, 3})}, 1); }, {"cat", "[3, 3]", "[2, 3]"}},
      {"cat empty", [] { xg::cat({}); }, {"cat"}},
      {"stack shapes", [] { xg::stack({z({2}), z({3})}); }, {"stack", "[3]", "[2]"}},
      {"narrow range", [] { xg::narrow(z({3, 4}), 1, 2, 3); }, {"narrow", "[2, 5)", "size 4"}},
      {"index_select range", [] { xg::index_select(z({3, 4}), 0, idx({0, 3})); }, {"index_select", "index 3", "size 3"}},
      {"index_select negative", [] { xg::index_select(z({3}), 0, idx({-1})); }, {"index_select", "-1"}},
      {"index_select float index", [] { xg::index_select(z({3}), 0, z({1})); }, {"index_select", "int64", "float32"}},
      {"gather range", [] { xg::gather(z({2, 3}), 1, xg::tensor({5}, {1, 1}, xg::kInt64)); }, {"gather", "index 5", "size 3"}},
      {"gather shape", [] { xg::gather(z({2, 3}), 1, xg::zeros({3, 1}, xg::kInt64)); }, {"gather", "[3, 1]", "[2, 3]"}},
      {"scatter_add src", [] { xg::scatter_add(z({2, 3}), 1, xg::zeros({2, 1}, xg::kInt64), z({2, 2})); }, {"scatter_add", "[2, 2]"}},
      {"one_hot range", [] { xg::one_hot(idx({0, 4}), 3); }, {"one_hot", "index 4"}},
      {"tensor values", [] { xg::tensor({1.0, 2.0, 3.0}, {2, 2}); }, {"tensor", "3 values", "[2, 2]"}},
      {"negative shape", [] { xg::zeros({2, -1}); }, {"negative", "[2, -1]"}},
      {"arange step", [] { xg::arange(0, 1, 0); }, {"arange"}},
      {"item of many", [] { z({3}).item<float>(); }, {"item", "[3]"}},
      {"data_ptr dtype", [] { z({3}).data_ptr<double>(); }, {"data_ptr", "float32", "float64"}},
      {"int requires grad", [] { xg::ones({3}, xg::kInt64).requires_grad_(); }, {"requires_grad_", "int64", "[3]"}},
      {"copy_ broadcast", [] { z({3}).copy_(z({4})); }, {"copy_", "[4]", "[3]"}},
      {"in-place on grad leaf", [] { xg::ones({2}, xg::kFloat32, true).mul_(2.0); }, {"mul_", "requires grad", "NoGradGuard"}},
      {"backward twice", [] {
         auto x = xg::ones({2}, xg::kFloat32, true);
         auto y = (x * x).sum();
         y.backward();
         y.backward();
       }, {"SumBackward", "second time", "retain_graph=true"}},
      {"backward non-scalar", [] { (xg::ones({3}, xg::kFloat32, true) * 2.0).backward(); }, {"backward", "[3]"}},
      {"backward wrong gradient shape", [] { (xg::ones({3}, xg::kFloat32, true) * 2.0).backward(xg::ones({4})); },
       {"backward", "[4]", "[3]"}},
      {"backward without grad", [] { xg::ones({1}).backward(); }, {"backward", "does not require grad"}},
      {"saved tensor changed in place", [] {
         auto x = xg::ones({2}, xg::kFloat32, true);
         auto w = xg::ones({2});
         auto y = (x * w).sum();
         w.add_(1.0);
         y.backward();
       }, {"MulBackward", "in-place", "version 0", "version 1"}},
      {"grad of unused input", [] {
         auto x = xg::ones({1}, xg::kFloat32, true), u = xg::ones({1}, xg::kFloat32, true);
         xg::autograd::grad({(x * 2.0).sum()}, {u});
       }, {"autograd::grad", "allow_unused"}},
      {"grad wrt non-grad input", [] { xg::autograd::grad({xg::ones({1}, xg::kFloat32, true).sum()}, {xg::ones({1})}); },
       {"autograd::grad", "does not require grad"}},
      {"hook on non-grad tensor", [] { xg::ones({1}).register_hook([](const xg::Tensor& g) { return g; }); }, {"register_hook"}},
      {"clamp bounds", [] { xg::clamp(z({2}), 1.0, 0.0); }, {"clamp", "1", "0"}},
      {"where condition dtype", [] { xg::where(z({2}), z({2}), z({2})); }, {"where", "bool", "float32"}},
      {"state_dict missing key", [] { xg::StateDict().at("fc1.weight"); }, {"fc1.weight"}},
      {"anomaly NaN", [] {
         xg::autograd::DetectAnomalyGuard anomaly;
         auto x = xg::zeros({1}, xg::kFloat32, true);
         (xg::log(x) * 0.0).sum().backward();
       }, {"LogBackward", "NaN"}},
  };
  CHECK(table.size() >= 55);
  for (const auto& misuse : table) expect_error(misuse);
}
