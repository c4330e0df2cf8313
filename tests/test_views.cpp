// Strided views and in-place ops under autograd: writes through every view reach the base, base and
// views share one version counter, and in-place ops record what torch records (values and gradients
// against torch 1.13 in tests/fixtures/views.json, made by scripts/make_view_fixtures.py).
#include <doctest/doctest.h>

#include <functional>
#include <map>

#include "torch_fixtures.hpp"

namespace {

namespace tf = torch_fixtures;

// grid(3, 4) is torch's arange(12).reshape(3, 4) / 4 - 1, as the fixture script builds its inputs.
xg::Tensor grid(xg::Shape shape, double start = 0.0) {
  const std::int64_t n = xg::shape_numel(shape);
  return xg::arange(start, start + static_cast<double>(n), 1.0, xg::kFloat64).reshape(shape) / 4.0 - 1.0;
}

const tf::json& cases() {
  static const tf::json all = tf::load("views.json")["cases"];
  return all;
}

void check_close(const xg::Tensor& got, const tf::json& want, const std::string& what) {
  CAPTURE(what);
  CHECK(tf::rel_error(got, want) <= 1e-12);
}

}  // namespace

TEST_CASE("views share storage and version counter with their base") {
  const auto x = grid({3, 4});
  const auto t = x.t();
  CHECK(t.is_alias_of(x));
  CHECK(t.is_view());
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.strides() == xg::SizeList{1, 4});
  CHECK(x.narrow(1, 1, 2).storage_offset() == 1);
  CHECK(x[2].storage_offset() == 8);
  CHECK(x.expand({2, 3, 4}).strides() == xg::SizeList{0, 4, 1});
  CHECK(x.slice(1, 1, std::nullopt, 2).strides() == xg::SizeList{4, 2});
  const auto before = x.version();
  t.narrow(0, 0, 1).fill_(7.0);
  CHECK(x.version() == before + 1);
  CHECK(t.version() == x.version());
  CHECK(x.select(1, 0).to_vector() == std::vector<double>{7.0, 7.0, 7.0});
  // contiguous() copies only a strided tensor; reshape is a view when the strides allow it.
  CHECK(x.contiguous().is_same(x));
  CHECK_FALSE(t.contiguous().is_alias_of(x));
  CHECK(x.reshape({12}).is_alias_of(x));
  CHECK_FALSE(t.reshape({12}).is_alias_of(x));
  CHECK(t.reshape({12}).to_vector() == t.contiguous().view({12}).to_vector());
  CHECK_THROWS_WITH_AS(t.view({12}), doctest::Contains("view: shape [12] is not compatible"), xg::Error);
  // A dense gradient is stored even when the incoming one is an expanded view.
  const auto leaf = grid({3}).requires_grad_();
  leaf.expand({4, 3}).sum().backward();
  CHECK(leaf.grad().is_contiguous());
  CHECK(leaf.grad().to_vector() == std::vector<double>{4.0, 4.0, 4.0});
}

TEST_CASE("writes through views reach the base as in torch") {
  const std::map<std::string, std::function<xg::Tensor()>> writes = {
      {"narrow_fill", [] { auto w = grid({3, 4}); w.narrow(0, 0, 2).fill_(0.0); return w; }},
      {"t_mul", [] { auto x = grid({3, 4}); x.t().mul_(2.0); return x; }},
      {"select_copy", [] { auto x = grid({3, 4}); x.select(1, 0).copy_(grid({3}, 20)); return x; }},
      {"slice_step_add", [] { auto x = grid({3, 5}); x.slice(1, std::nullopt, std::nullopt, 2).add_(1.0); return x; }},
      {"permute_select_sub", [] { auto x = grid({2, 3, 4}); x.permute({2, 0, 1})[1].sub_(grid({2, 3}, 7)); return x; }},
      {"view_chain_div", [] { auto x = grid({4, 3}); x.slice(0, 1, 3).unsqueeze(0).squeeze(0).view({6}).div_(2.0); return x; }},
  };
  for (const auto& [name, run] : writes) check_close(run(), cases()[name]["base"], name);
  check_close(grid({7}).unfold(0, 3, 2), cases()["unfold_values"]["view"], "unfold");
  check_close(grid({6, 4}).as_strided({3, 2}, {5, 2}, 1), cases()["as_strided_values"]["view"], "as_strided");
}

TEST_CASE("in-place ops under autograd give torch's values and gradients") {
  const auto W = grid({3, 4}, 5) * 0.3;
  using Fn = std::function<xg::Tensor(std::vector<xg::Tensor>&)>;
  const std::map<std::string, std::pair<Fn, std::vector<xg::Tensor>>> runs = {
      {"relu_", {[&](auto& in) { auto a = in[0] * 2.0; return (a.relu_() * W).sum(); }, {grid({3, 4})}}},
      {"sigmoid_", {[&](auto& in) { auto a = in[0] * 1.0; return (a.sigmoid_() * W).sum(); }, {grid({3, 4})}}},
      {"tanh_", {[&](auto& in) { auto a = in[0] + 0.5; return (a.tanh_() * W).sum(); }, {grid({3, 4})}}},
      {"clamp_", {[&](auto& in) { auto a = in[0] * 1.0; return (a.clamp_(-0.6, 0.4) * W).sum(); }, {grid({3, 4})}}},
      {"mul_ other requires grad",
       {[&](auto& in) { auto a = in[0] * 1.0; return (a.mul_(in[1]) * W).sum(); }, {grid({3, 4}), grid({4}, 2)}}},
      {"div_ other requires grad",
       {[&](auto& in) { auto a = in[0] * 1.0; return (a.div_(in[1] + 3.0) * W).sum(); }, {grid({3, 4}), grid({3, 1}, 2)}}},
      {"add_ sub_ alpha",
       {[&](auto& in) { auto a = in[0] * 1.0; return (a.add_(in[1], 2.0).sub_(in[1] * in[1], 0.5) * W).sum(); },
        {grid({3, 4}), grid({4})}}},
      {"fill_ non-leaf",
       {[&](auto& in) { auto a = in[0] * 1.0; return (a.fill_(2.0) * W).sum() + (in[0] * in[0]).sum(); }, {grid({3, 4})}}},
      {"copy_ from a leaf",
       {[&](auto& in) { auto a = in[0] * 3.0; return (a.copy_(in[1]) * W).sum(); }, {grid({3, 4}), grid({4}, 1)}}},
      {"row view mul_", {[&](auto& in) { auto a = in[0].clone(); a[1].mul_(3.0); return (a * W).sum(); }, {grid({3, 4})}}},
      {"narrow view copy_",
       {[&](auto& in) { auto a = in[0].clone(); a.narrow(1, 1, 2).copy_(in[1] * 2.0); return (a * W).sum(); },
        {grid({3, 4}), grid({3, 2}, 3)}}},
      {"transposed view add_",
       {[&](auto& in) { auto a = in[0] * 1.0; a.t().add_(in[1]); return (a * W).sum(); }, {grid({3, 4}), grid({4, 3}, 2)}}},
      {"strided view relu_",
       {[&](auto& in) { auto a = in[0] - 0.5; a.slice(1, 1, std::nullopt, 2).relu_(); return (a * a * W).sum(); },
        {grid({3, 4})}}},
      {"no-grad base written by a view",
       {[&](auto& in) {
          auto buf = xg::zeros({3, 4}, xg::kFloat64);
          buf.select(1, 0).copy_(in[0]);
          buf.select(0, 2).mul_(in[0][1]);
          return (buf * W).sum();
        },
        {grid({3}, 1)}}},
  };
  for (const auto& entry : runs) {
    const std::string& name = entry.first;  // not a structured binding: clang 14 cannot capture those
    const auto& run = entry.second;
    CAPTURE(name);
    const tf::json& want = cases()[name];
    std::vector<xg::Tensor> leaves;
    for (const auto& t : run.second) leaves.push_back(t.clone().requires_grad_());
    const xg::Tensor out = run.first(leaves);
    out.backward();
    check_close(out, want["out"], name + " value");
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      if (want["grads"][i].is_null()) {
        CHECK_FALSE(leaves[i].grad().defined());
        continue;
      }
      check_close(leaves[i].grad(), want["grads"][i], name + " grad " + std::to_string(i));
    }
  }
}

TEST_CASE("in-place ops: gradcheck and gradgradcheck through the recorded paths") {
  using Inputs = std::vector<xg::Tensor>;
  auto check = [](const char* what, const xg::autograd::GradcheckFunction& fn, const Inputs& inputs) {
    CAPTURE(what);
    const auto first = xg::autograd::gradcheck(fn, inputs);
    CHECK_MESSAGE(first.ok(), first.message());
    const auto second = xg::autograd::gradgradcheck(fn, inputs);
    CHECK_MESSAGE(second.ok(), second.message());
  };
  xg::manual_seed(3);
  auto rnd = [](xg::Shape s) { return (xg::rand(s, xg::kFloat64) * 2.0 - 1.0).requires_grad_(); };
  check("mul_ through a column view", [](const Inputs& x) {
    auto a = x[0] * 1.0;
    a.select(1, 1).mul_(x[1]);
    return a * a;
  }, {rnd({3, 3}), rnd({3})});
  check("copy_ into a strided slice of a constant", [](const Inputs& x) {
    auto buf = xg::zeros({2, 6}, xg::kFloat64);
    buf.slice(1, 0, std::nullopt, 2).copy_(x[0].exp());
    return buf.sum({0}) * buf.sum({1}, true);
  }, {rnd({2, 3})});
  check("chained in-place ops", [](const Inputs& x) {
    auto a = x[0] + 0.0;
    a.mul_(x[1]).add_(x[1], 0.5).tanh_();
    return a;
  }, {rnd({4}), rnd({4})});
}

TEST_CASE("in-place misuse is refused as torch refuses it") {
  auto leaf = grid({3}).requires_grad_();
  CHECK_THROWS_WITH_AS(leaf.mul_(2.0), doctest::Contains("mul_: a leaf Variable that requires grad"), xg::Error);
  CHECK_THROWS_WITH_AS(leaf[0].fill_(1.0), doctest::Contains("fill_: a view of a leaf Variable that requires grad"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(grid({1, 3}).expand({2, 3}).add_(1.0),
                       doctest::Contains("more than one element of the written-to tensor"), xg::Error);
  {
    xg::NoGradGuard no_grad;
    leaf.mul_(2.0);  // allowed: an optimizer's update
  }
  // A tensor saved for backward and then changed in place: backward names the op and both versions.
  auto y = (leaf * 1.0).sigmoid();
  y.mul_(2.0);
  CHECK_THROWS_WITH_AS(y.sum().backward(), doctest::Contains("SigmoidBackward"), xg::Error);
  auto z = (leaf * 1.0).exp();
  auto v = z.t();  // a view shares the version counter, so writing it invalidates z too
  v.add_(1.0);
  try {
    z.sum().backward();
    FAIL("no error for a saved tensor modified through a view");
  } catch (const xg::Error& e) {
    const std::string m = e.what();
    CHECK(m.find("ExpBackward") != std::string::npos);
    CHECK(m.find("version 0") != std::string::npos);
    CHECK(m.find("version 1") != std::string::npos);
  }
  CHECK_THROWS_WITH_AS(grid({3}).as_strided({3}, {1}, 2), doctest::Contains("reach past the storage"), xg::Error);
  CHECK_THROWS_WITH_AS(grid({3}).slice(0, 0, 3, 0), doctest::Contains("slice: step must be positive"), xg::Error);
  CHECK_THROWS_WITH_AS(grid({3})[3], doctest::Contains("select: index 3 is out of bounds"), xg::Error);
  CHECK_THROWS_WITH_AS(grid({3, 2}).t().bytes(), doctest::Contains("bytes: a strided view"), xg::Error);
}

TEST_CASE("nn::ReLU with inplace(true) overwrites its input and gives the out-of-place gradient") {
  auto x = grid({3, 4}).requires_grad_();
  const auto W = grid({3, 4}, 5) * 0.3;
  xg::nn::ReLU plain, in_place(xg::nn::ReLUOptions().inplace(true));
  CHECK(in_place->extra_repr() == "inplace=true");
  const auto h = x * 2.0;
  const auto y = in_place(h);
  CHECK(y.is_same(h));  // the input itself, overwritten
  CHECK(y.grad_fn()->name() == "ReluBackward0");
  (y * W).sum().backward();
  const auto in_place_grad = x.grad().clone();
  x.mutable_grad().zero_();
  (plain(x * 2.0) * W).sum().backward();
  CHECK(xg::equal(in_place_grad, x.grad()));
  CHECK_THROWS_WITH_AS(in_place(x), doctest::Contains("relu_: a leaf Variable that requires grad"), xg::Error);
}

TEST_CASE("matmul reads transposed views through its transpose flags, with the copy's results") {
  for (const auto dtype : {xg::kFloat32, xg::kFloat64}) {
    const auto a = grid({5, 3}).to(dtype), b = grid({4, 5}, 2).to(dtype);
    CHECK(xg::equal(xg::matmul(a.t(), b.t()), xg::matmul(a.t().contiguous(), b.t().contiguous())));
    const auto batch_a = grid({2, 5, 3}).to(dtype), batch_b = grid({2, 5, 4}, 1).to(dtype);
    CHECK(xg::equal(xg::matmul(batch_a.transpose(1, 2), batch_b),
                    xg::matmul(batch_a.transpose(1, 2).contiguous(), batch_b)));
    const auto narrowed = grid({5, 6}).to(dtype).narrow(1, 1, 3);  // strided, not a transpose: copied
    CHECK(xg::equal(xg::matmul(narrowed.t(), a), xg::matmul(narrowed.t().contiguous(), a)));
  }
}

TEST_CASE("binary ops read transposed, expanded and narrowed operands in place, with the dense results") {
  const auto a = grid({4, 6}), b = grid({6, 4}, 3);
  const std::vector<std::pair<xg::Tensor, xg::Tensor>> pairs = {
      {a, b.t()},                                    // transposed
      {a.narrow(1, 1, 3), b.t().slice(1, 0, 6, 2)},  // narrowed and strided slices
      {a, grid({6}).expand({4, 6})},                 // expanded (stride 0)
      {a.t(), grid({4}, 2)},                         // transposed against a broadcast row
  };
  for (const auto& [x, y] : pairs) {
    const auto xd = x.contiguous(), yd = y.contiguous();
    CHECK(xg::equal(x + y, xd + yd));
    CHECK(xg::equal(x * y, xd * yd));
    CHECK(xg::equal(xg::maximum(x, y), xg::maximum(xd, yd)));
    CHECK(xg::equal(xg::gt(x, y), xg::gt(xd, yd)));
    CHECK(xg::equal((x + y).to(xg::kFloat32), (xd.to(xg::kFloat32) + yd.to(xg::kFloat32))));
  }
}
