// Indexing as libtorch: t.index({...}) and index_put_ with TensorIndex, the masked and scatter
// families and take_along_dim, against torch 1.13's values and gradients
// (tests/fixtures/indexing.json, made by scripts/make_indexing_fixtures.py), and writes through
// indexed views into their base.
#include <doctest/doctest.h>

#include <functional>
#include <map>

#include <xgrad/torch.hpp>

#include "torch_fixtures.hpp"

namespace {

using namespace xg::indexing;
using Inputs = std::map<std::string, xg::Tensor>;
using torch_fixtures::json;

xg::Tensor decode(const json& j) {
  const auto values = j["values"].get<std::vector<double>>();
  const auto shape = j["shape"].get<xg::Shape>();
  const auto dtype = j["dtype"].get<std::string>();
  if (dtype == "int64") return xg::tensor(std::vector<std::int64_t>(values.begin(), values.end()), shape, xg::kInt64);
  if (dtype == "bool") return xg::tensor(values, shape, xg::kFloat64).to(xg::kBool);
  return xg::tensor(values, shape, xg::kFloat64);
}

// The same expressions as the fixture script's cases, spelled with xg::indexing.
const std::map<std::string, std::function<xg::Tensor(Inputs&)>>& expressions() {
  static const std::map<std::string, std::function<xg::Tensor(Inputs&)>> table = {
      {"slice none ellipsis step", [](Inputs& in) { return in["x"].index({Slice(1, 3), None, Ellipsis, Slice(None, None, 2)}); }},
      {"negative integer and slice", [](Inputs& in) { return in["x"].index({-1, Slice(), 2}); }},
      {"slice with negative bounds", [](Inputs& in) { return in["x"].index({Slice(-3, None), Slice(1, -1), Slice(None, 4, 3)}); }},
      {"index tensor with duplicates", [](Inputs& in) { return in["x"].index({in["i"]}); }},
      {"adjacent index tensors broadcast", [](Inputs& in) { return in["x"].index({Slice(), in["i"], in["j"]}); }},
      {"separated index tensors go first", [](Inputs& in) { return in["x"].index({in["i"], Slice(), in["j"]}); }},
      {"integer then slice then index tensor", [](Inputs& in) { return in["x"].index({1, Slice(), in["i"]}); }},
      {"0-d index tensor", [](Inputs& in) { return in["x"].index({Slice(), in["i"]}); }},
      {"full mask", [](Inputs& in) { return in["x"].index({in["m"]}); }},
      {"leading mask", [](Inputs& in) { return in["x"].index({in["m"]}); }},
      {"mask after a slice", [](Inputs& in) { return in["x"].index({Slice(), in["m"]}); }},
      {"ellipsis string then index tensor", [](Inputs& in) { return in["x"].index({"...", in["i"]}); }},
      {"True adds an axis", [](Inputs& in) { return in["x"].index({true}); }},
      {"False adds an empty axis", [](Inputs& in) { return in["x"].index({None, false}); }},
      {"mask and index tensor broadcast", [](Inputs& in) { return in["x"].index({in["m"], in["i"]}); }},
      {"index_put_ index tensor and slice",
       [](Inputs& in) {
         auto y = in["x"].clone();
         y.index_put_({xg::tensor(std::vector<std::int64_t>{0, 0, 2}, {3}, xg::kInt64), Slice(1, 4)}, in["v"]);
         return y;
       }},
      {"index_put_ accumulate duplicates",
       [](Inputs& in) {
         auto y = in["x"].clone();
         y.index_put_({in["i"], in["j"]}, in["v"], true);
         return y;
       }},
      {"index_put_ scalar under a mask",
       [](Inputs& in) {
         auto y = in["x"] * 1.0;
         y.index_put_({in["m"]}, 0.5);
         return y;
       }},
      {"index_put_ slices write through the view",
       [](Inputs& in) {
         auto y = in["x"].clone();
         y.index_put_({Slice(1, 3), Slice(), 0}, in["v"]);
         return y;
       }},
      {"index_put_ separated index tensors",
       [](Inputs& in) {
         auto y = in["x"].clone();
         y.index_put_({in["i"], Slice(), in["j"]}, in["v"]);
         return y;
       }},
      {"mul_ through an indexed view",
       [](Inputs& in) {
         auto y = in["x"].clone();
         y.index({Slice(), 0}).mul_(2);
         return y;
       }},
      {"masked_fill scalar", [](Inputs& in) { return in["x"].masked_fill(in["m"], 0.25); }},
      {"masked_fill tensor value", [](Inputs& in) { return in["x"].masked_fill(in["m"], in["v"]); }},
      {"masked_fill_",
       [](Inputs& in) {
         auto y = in["x"].clone();
         y.masked_fill_(in["m"], in["v"]);
         return y;
       }},
      {"masked_select broadcast", [](Inputs& in) { return in["x"].masked_select(in["m"]); }},
      {"index_add_ alpha duplicates",
       [](Inputs& in) {
         auto y = in["x"].clone();
         y.index_add_(1, in["i"], in["s"], 2.0);
         return y;
       }},
      {"scatter", [](Inputs& in) { return in["x"].scatter(2, in["i"], in["s"]); }},
      {"scatter value", [](Inputs& in) { return in["x"].scatter(2, in["i"], 1.5); }},
      {"scatter_",
       [](Inputs& in) {
         auto y = in["x"].clone();
         y.scatter_(2, in["i"], in["s"]);
         return y;
       }},
      {"scatter_add_ duplicates",
       [](Inputs& in) {
         auto y = in["x"].clone();
         y.scatter_add_(0, in["i"], in["s"]);
         return y;
       }},
      {"take_along_dim broadcast", [](Inputs& in) { return in["x"].take_along_dim(in["i"], 2); }},
      {"take_along_dim flattened", [](Inputs& in) { return xg::take_along_dim(in["x"], in["i"]); }},
  };
  return table;
}

}  // namespace

TEST_CASE("indexing: values and gradients match torch 1.13") {
  const json fixture = torch_fixtures::load("indexing.json");
  CHECK(fixture["cases"].size() == expressions().size());
  for (const auto& item : fixture["cases"].items()) {
    const std::string name = item.key();  // not a structured binding: clang 14 cannot capture those
    const json& c = item.value();
    CAPTURE(name);
    const auto found = expressions().find(name);
    REQUIRE_MESSAGE(found != expressions().end(), "no C++ expression for fixture case " << name);
    Inputs in;
    std::vector<std::string> wrt;
    for (const auto& [k, v] : c["inputs"].items()) {
      in[k] = decode(v);
      if (in[k].is_floating_point()) {
        in[k].requires_grad_();
        wrt.push_back(k);
      }
    }
    const xg::Tensor out = found->second(in);
    CHECK(torch_fixtures::rel_error(out, c["out"]) < 1e-12);
    {  // the same values from the raw paths, where nothing records
      xg::NoGradGuard no_grad;
      Inputs plain;
      for (const auto& [k, v] : c["inputs"].items()) plain[k] = decode(v);
      CHECK(torch_fixtures::rel_error(found->second(plain), c["out"]) < 1e-12);
    }
    std::vector<xg::Tensor> leaves;
    for (const auto& k : wrt) leaves.push_back(in[k]);
    const auto grads = xg::autograd::grad({(out * decode(c["weight"])).sum()}, leaves, {}, false, false, true);
    for (std::size_t n = 0; n < wrt.size(); ++n) {
      CAPTURE(wrt[n]);
      const xg::Tensor g = grads[n].defined() ? grads[n] : xg::zeros_like(leaves[n]);
      CHECK(torch_fixtures::rel_error(g, c["grads"][wrt[n]]) < 1e-12);
    }
  }
}

TEST_CASE("indexing: basic indices make views; writes through them reach the base") {
  auto t = xg::arange(0, 12, 1, xg::kFloat64).reshape({3, 4});
  const auto version = t.version();
  t.index({Slice(), 0}).mul_(2);
  CHECK(t.version() > version);
  CHECK(t.to_vector() == std::vector<double>{0, 1, 2, 3, 8, 5, 6, 7, 16, 9, 10, 11});
  CHECK(t.index({1, Slice(1, None, 2)}).is_alias_of(t));
  CHECK_FALSE(t.index({xg::tensor(std::vector<std::int64_t>{0}, {1}, xg::kInt64)}).is_alias_of(t));

  t.index_put_({Slice(None, 2), -1}, xg::tensor({-1.0, -2.0}, {2}, xg::kFloat64));  // slices only: through the view
  CHECK(t.index({Slice(), 3}).to_vector() == std::vector<double>{-1, -2, 11});
  t.index_put_({t > 9.5}, 100.0);
  CHECK(t.index({2}).to_vector() == std::vector<double>{100, 9, 100, 100});

  // A view of a view: the write reaches the root, the version counter is shared.
  auto row = t[0];
  row.index_put_({Slice(1, 3)}, 7.0);
  CHECK(t.index({0}).to_vector() == std::vector<double>{0, 7, 7, -1});
  CHECK(row.version() == t.version());
}

TEST_CASE("indexing: in-place forms under grad mode are recorded, and torch's names work") {
  auto x = torch::randn({3, 4}, torch::kFloat64).requires_grad_();
  auto y = x * 1.0;
  y.index({torch::indexing::Slice(), 1}).mul_(3.0);  // CopySlices rebases y's history
  y.index_put_({torch::indexing::Slice(torch::indexing::None, 2), torch::indexing::Ellipsis}, 0.0);
  y.sum().backward();
  CHECK(x.grad().to_vector() == std::vector<double>{0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 1, 1});

  // A leaf that requires grad refuses, as torch.
  CHECK_THROWS_AS(x.index_put_({0}, 1.0), xg::Error);
  CHECK_THROWS_AS(x.masked_fill_(x > 0, 1.0), xg::Error);
  {
    xg::NoGradGuard no_grad;  // without grad mode, the raw path writes
    auto z = x.detach().clone();
    z.index_put_({z > 0}, 0.0);
    CHECK((z <= 0).all().item<bool>());
  }
  torch::Tensor a = torch::zeros({2, 3});
  torch::indexing::TensorIndex i = 1;
  a.index_put_({i, "..."}, 5.0);
  CHECK(a.sum().item<double>() == 15.0);
}
