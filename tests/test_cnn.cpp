// Convolutions, pooling and normalization: torch 1.13's values and gradients (fixtures from
// scripts/make_cnn_fixtures.py), gradcheck and gradgradcheck sweeps in float64 over odd sizes and
// option combinations, the layers' parameters, buffers and names, and thread-count independence.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <set>

#include <xgrad/torch.hpp>
#include <xgrad/xgrad.hpp>

#include "torch_fixtures.hpp"
#include "trainer.hpp"

namespace {

using Inputs = std::vector<xg::Tensor>;
namespace F = xg::nn::functional;
using torch_fixtures::json;
using torch_fixtures::rel_error;

xg::Tensor rnd(xg::Shape shape) { return (xg::rand(shape, xg::kFloat64) * 2.0 - 1.0).requires_grad_(); }

void check_both_orders(const std::string& what, const xg::autograd::GradcheckFunction& fn, const Inputs& inputs,
                       bool second_order = true) {
  CAPTURE(what);
  const auto first = xg::autograd::gradcheck(fn, inputs);
  CHECK_MESSAGE(first.ok(), first.message());
  if (second_order) {
    const auto second = xg::autograd::gradgradcheck(fn, inputs);
    CHECK_MESSAGE(second.ok(), second.message());
  }
}

xg::IntPair pair(const json& j) {
  if (j.is_number()) return j.get<std::int64_t>();
  return {j[0].get<std::int64_t>(), j[1].get<std::int64_t>()};
}
xg::Padding2d padding(const json& j) {
  if (j.is_string()) return j.get<std::string>() == "same" ? xg::Padding2d(xg::kSame) : xg::Padding2d(xg::kValid);
  if (j.is_number()) return j.get<std::int64_t>();
  return {j[0].get<std::int64_t>(), j[1].get<std::int64_t>()};
}

// Runs one fixture case through xgrad: (output, extra results such as indices or running stats).
std::pair<xg::Tensor, std::vector<xg::Tensor>> run_case(const json& c, const Inputs& in) {
  const std::string op = c["op"];
  const json& o = c["options"];
  if (op == "conv2d")
    return {xg::conv2d(in[0], in[1], in[2], pair(o["stride"]), padding(o["padding"]), pair(o["dilation"]),
                       o["groups"].get<std::int64_t>()),
            {}};
  if (op == "conv_transpose2d")
    return {F::conv_transpose2d(in[0], in[1],
                                xg::nn::ConvTranspose2dFuncOptions()
                                    .bias(in[2])
                                    .stride(pair(o["stride"]))
                                    .padding(pair(o["padding"]))
                                    .output_padding(pair(o["output_padding"]))
                                    .groups(o["groups"].get<std::int64_t>())
                                    .dilation(pair(o["dilation"]))),
            {}};
  if (op == "conv1d")
    return {F::conv1d(in[0], in[1],
                      xg::nn::Conv1dFuncOptions().bias(in[2]).stride(o["stride"].get<std::int64_t>()).padding(
                          o["padding"].get<std::int64_t>())),
            {}};
  if (op == "max_pool2d") {
    auto [values, indices] = F::max_pool2d_with_indices(in[0], xg::nn::MaxPool2dFuncOptions(pair(o["kernel"]))
                                                                   .stride(pair(o["stride"]))
                                                                   .padding(pair(o["padding"]))
                                                                   .dilation(pair(o["dilation"]))
                                                                   .ceil_mode(o.value("ceil_mode", false)));
    return {values, {indices}};
  }
  if (op == "avg_pool2d") {
    auto options = xg::nn::AvgPool2dFuncOptions(pair(o["kernel"]))
                       .stride(pair(o["stride"]))
                       .padding(pair(o["padding"]))
                       .ceil_mode(o.value("ceil_mode", false))
                       .count_include_pad(o["count_include_pad"].get<bool>());
    if (o.contains("divisor_override") && !o["divisor_override"].is_null())
      options.divisor_override(o["divisor_override"].get<std::int64_t>());
    return {F::avg_pool2d(in[0], options), {}};
  }
  if (op == "pad") {
    const std::string mode = o["mode"];
    const xg::PadMode m = mode == "reflect"     ? xg::PadMode(xg::kReflect)
                          : mode == "replicate" ? xg::PadMode(xg::kReplicate)
                          : mode == "circular"  ? xg::PadMode(xg::kCircular)
                                                : xg::PadMode(xg::kConstant);
    return {F::pad(in[0], xg::nn::PadFuncOptions(o["pad"].get<std::vector<std::int64_t>>()).mode(m).value(o["value"].get<double>())),
            {}};
  }
  if (op == "conv2d_mode" || op == "conv1d_mode") {
    // The layer with the fixture's weight and bias in place of its own.
    const std::string mode = o["mode"];
    const xg::ConvPaddingMode m = mode == "reflect"     ? xg::ConvPaddingMode(xg::kReflect)
                                  : mode == "replicate" ? xg::ConvPaddingMode(xg::kReplicate)
                                                        : xg::ConvPaddingMode(xg::kCircular);
    const auto groups = o["groups"].get<std::int64_t>();
    if (op == "conv2d_mode") {
      xg::nn::Conv2d layer(xg::nn::Conv2dOptions(in[0].size(1), in[1].size(0), pair(o["kernel"]))
                               .stride(pair(o["stride"]))
                               .padding(padding(o["padding"]))
                               .dilation(pair(o["dilation"]))
                               .groups(groups)
                               .bias(in[2].defined())
                               .padding_mode(m));
      layer->weight = in[1];
      layer->bias = in[2];
      return {layer(in[0]), {}};
    }
    xg::nn::Conv1d layer(xg::nn::Conv1dOptions(in[0].size(1), in[1].size(0), o["kernel"][0].get<std::int64_t>())
                             .stride(o["stride"].get<std::int64_t>())
                             .padding(padding(o["padding"]))
                             .dilation(o["dilation"].get<std::int64_t>())
                             .groups(groups)
                             .bias(in[2].defined())
                             .padding_mode(m));
    layer->weight = in[1];
    layer->bias = in[2];
    return {layer(in[0]), {}};
  }
  if (op == "adaptive_avg_pool2d")
    return {F::adaptive_avg_pool2d(in[0], xg::nn::AdaptiveAvgPool2dFuncOptions(pair(o["output_size"]))), {}};
  if (op == "batch_norm") {
    xg::Tensor rm = torch_fixtures::tensor(o["running_mean"]), rv = torch_fixtures::tensor(o["running_var"]);
    auto options = xg::nn::BatchNormFuncOptions()
                       .training(o["training"].get<bool>())
                       .momentum(o["momentum"].get<double>())
                       .eps(o["eps"].get<double>());
    if (in.size() == 3) options.weight(in[1]).bias(in[2]);
    return {F::batch_norm(in[0], rm, rv, options), {rm, rv}};
  }
  if (op == "layer_norm")
    return {F::layer_norm(in[0], xg::nn::LayerNormFuncOptions(o["normalized_shape"].get<xg::Shape>())
                                     .weight(in[1])
                                     .bias(in[2])
                                     .eps(o["eps"].get<double>())),
            {}};
  if (op == "group_norm")
    return {F::group_norm(in[0], xg::nn::GroupNormFuncOptions(o["num_groups"].get<std::int64_t>())
                                     .weight(in[1])
                                     .bias(in[2])
                                     .eps(o["eps"].get<double>())),
            {}};
  if (op == "embedding") {
    std::vector<std::int64_t> index;
    for (const auto& row : o["index"])
      for (const auto& v : row) index.push_back(v.get<std::int64_t>());
    const auto rows = static_cast<std::int64_t>(o["index"].size());
    const auto input = xg::tensor(index, {rows, static_cast<std::int64_t>(index.size()) / rows}, xg::kInt64);
    return {F::embedding(input, in[0], xg::nn::EmbeddingFuncOptions().padding_idx(o["padding_idx"].get<std::int64_t>())),
            {}};
  }
  FAIL("unknown fixture op " << op);
  return {};
}

}  // namespace

TEST_CASE("cnn ops: values, gradients, indices and running statistics equal torch's") {
  const json fixture = torch_fixtures::load("cnn.json");
  std::set<std::string> ops;
  for (const json& c : fixture["cases"]) {
    const std::string name = c["name"];
    CAPTURE(name);
    ops.insert(c["op"].get<std::string>());
    Inputs in, leaves;
    for (const json& t : c["inputs"]) {
      in.push_back(t.is_null() ? xg::Tensor() : torch_fixtures::tensor(t, true));
      if (in.back().defined()) leaves.push_back(in.back());
    }
    auto [out, extra] = run_case(c, in);
    CHECK(rel_error(out, c["output"]) < 1e-10);
    const auto grads = xg::autograd::grad({out}, leaves, {torch_fixtures::tensor(c["grad"])});
    REQUIRE(grads.size() == c["input_grads"].size());
    for (std::size_t i = 0; i < grads.size(); ++i) {
      CAPTURE(i);
      CHECK(rel_error(grads[i], c["input_grads"][i]) < 1e-10);
    }
    REQUIRE(extra.size() == c["extra"].size());
    for (std::size_t i = 0; i < extra.size(); ++i) {
      CAPTURE(i);
      CHECK(rel_error(extra[i].to(xg::kFloat64), c["extra"][i]) < 1e-10);
    }
  }
  CHECK(ops.size() == 13);  // every op the fixture script writes was read
}

TEST_CASE("conv2d: gradcheck and gradgradcheck over strides, paddings, dilations and groups") {
  xg::manual_seed(17);
  struct Combo {
    xg::Shape x, w;
    bool bias;
    xg::IntPair stride, dilation;
    xg::Padding2d pad;
    std::int64_t groups;
  };
  const std::vector<Combo> combos = {
      {{2, 3, 5, 4}, {2, 3, 3, 2}, true, 1, 1, 0, 1},
      {{1, 2, 7, 6}, {4, 1, 3, 3}, true, {2, 3}, 1, {1, 2}, 2},
      {{2, 4, 6, 5}, {2, 2, 2, 3}, false, 1, {2, 1}, xg::kSame, 2},
      {{1, 3, 5, 7}, {3, 1, 3, 3}, true, 2, 1, 1, 3},
      {{1, 2, 4, 4}, {3, 2, 4, 4}, true, 1, 1, xg::kValid, 1},  // kernel as large as the input
      {{2, 1, 6, 5}, {2, 1, 1, 1}, true, {1, 2}, 1, 0, 1},       // 1x1
  };
  for (std::size_t i = 0; i < combos.size(); ++i) {
    const Combo& c = combos[i];
    auto fn = [&c](const Inputs& in) {
      return xg::conv2d(in[0], in[1], c.bias ? in[2] : xg::Tensor(), c.stride, c.pad, c.dilation, c.groups);
    };
    Inputs inputs{rnd(c.x), rnd(c.w)};
    if (c.bias) inputs.push_back(rnd({c.w[0]}));
    check_both_orders("conv2d combo " + std::to_string(i), fn, inputs);
  }
}

TEST_CASE("conv_transpose2d and conv1d: gradcheck and gradgradcheck") {
  xg::manual_seed(18);
  check_both_orders("conv_transpose2d",
                    [](const Inputs& in) { return xg::conv_transpose2d(in[0], in[1], in[2], {2, 1}, {1, 0}, {1, 0}, 2, {1, 2}); },
                    {rnd({2, 4, 3, 3}), rnd({4, 1, 3, 2}), rnd({2})});
  check_both_orders("conv1d", [](const Inputs& in) { return xg::conv1d(in[0], in[1], in[2], 2, 1, 2); },
                    {rnd({2, 3, 9}), rnd({2, 3, 3}), rnd({2})});
}

TEST_CASE("pooling and batch_norm: gradcheck and gradgradcheck") {
  xg::manual_seed(19);
  check_both_orders("max_pool2d", [](const Inputs& in) { return xg::max_pool2d(in[0], {3, 2}, {2, 1}, {1, 1}, {1, 2}); },
                    {rnd({2, 2, 6, 7})});
  check_both_orders("avg_pool2d include pad",
                    [](const Inputs& in) { return xg::avg_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}, false, true); },
                    {rnd({1, 2, 5, 6})});
  check_both_orders("avg_pool2d exclude pad",
                    [](const Inputs& in) { return xg::avg_pool2d(in[0], {2, 3}, {1, 2}, {1, 1}, false, false); },
                    {rnd({1, 2, 5, 6})});
  check_both_orders("adaptive_avg_pool2d", [](const Inputs& in) { return xg::adaptive_avg_pool2d(in[0], {3, 2}); },
                    {rnd({2, 2, 7, 5})});
  check_both_orders("batch_norm train",
                    [](const Inputs& in) {
                      return F::batch_norm(in[0], xg::Tensor(), xg::Tensor(),
                                           xg::nn::BatchNormFuncOptions().weight(in[1]).bias(in[2]).training(true));
                    },
                    {rnd({3, 2, 3, 2}), rnd({2}), rnd({2})});
  const auto rm = xg::tensor({0.1, -0.2}, {2}, xg::kFloat64), rv = xg::tensor({0.7, 1.3}, {2}, xg::kFloat64);
  check_both_orders("batch_norm eval",
                    [&](const Inputs& in) {
                      return F::batch_norm(in[0], rm, rv, xg::nn::BatchNormFuncOptions().weight(in[1]).bias(in[2]));
                    },
                    {rnd({3, 2, 4}), rnd({2}), rnd({2})});
}

TEST_CASE("ceil_mode pooling and pad: gradcheck and gradgradcheck") {
  xg::manual_seed(23);
  check_both_orders("max_pool2d ceil, dilated",
                    [](const Inputs& in) { return xg::max_pool2d(in[0], {2, 3}, {2, 2}, {1, 0}, {2, 1}, true); },
                    {rnd({1, 2, 7, 6})});
  check_both_orders("avg_pool2d ceil include pad",
                    [](const Inputs& in) { return xg::avg_pool2d(in[0], 3, 2, 1, true, true); }, {rnd({1, 2, 6, 7})});
  check_both_orders("avg_pool2d ceil exclude pad",
                    [](const Inputs& in) { return xg::avg_pool2d(in[0], {2, 3}, {3, 2}, {0, 1}, true, false); },
                    {rnd({2, 1, 6, 7})});
  check_both_orders("avg_pool2d divisor_override",
                    [](const Inputs& in) { return xg::avg_pool2d(in[0], 2, 2, 1, true, true, 3); }, {rnd({1, 2, 5, 4})});
  const std::vector<std::pair<std::string, xg::PadMode>> modes = {
      {"constant", xg::kConstant}, {"reflect", xg::kReflect}, {"replicate", xg::kReplicate}, {"circular", xg::kCircular}};
  for (const auto& [name, mode] : modes) {
    // Squared, so the second derivative is not zero everywhere and gradgradcheck means something.
    check_both_orders("pad " + name, [mode = mode](const Inputs& in) {
      const auto y = xg::pad(in[0], {2, 1, -1, 3}, mode);
      return y * y;
    }, {rnd({1, 2, 5, 4})});
  }
  check_both_orders("Conv2d reflect: input and weight",
                    [](const Inputs& in) {
                      xg::nn::Conv2d layer(xg::nn::Conv2dOptions(2, 3, 3).padding({1, 2}).padding_mode(xg::kReflect));
                      layer->weight = in[1];
                      layer->bias = in[2];
                      return layer(in[0]);
                    },
                    {rnd({1, 2, 5, 6}), rnd({3, 2, 3, 3}), rnd({3})});
}

TEST_CASE("padding modes: known values, the layer equals pad then a valid convolution, printing") {
  const auto x = xg::arange(0, 5, 1, xg::kFloat64).reshape({1, 1, 5});
  CHECK(xg::pad(x, {2, 2}, xg::kReflect).to_vector() == std::vector<double>{2, 1, 0, 1, 2, 3, 4, 3, 2});
  CHECK(xg::pad(x, {2, 2}, xg::kReplicate).to_vector() == std::vector<double>{0, 0, 0, 1, 2, 3, 4, 4, 4});
  CHECK(xg::pad(x, {2, 2}, xg::kCircular).to_vector() == std::vector<double>{3, 4, 0, 1, 2, 3, 4, 0, 1});
  CHECK(xg::pad(x, {1, -2}, xg::kConstant, 9).to_vector() == std::vector<double>{9, 0, 1, 2});
  CHECK(F::pad(x, xg::nn::PadFuncOptions({0, 1}).value(-1)).to_vector() == std::vector<double>{0, 1, 2, 3, 4, -1});
  CHECK(xg::pad(xg::zeros({2, 3}), {}).shape() == xg::Shape{2, 3});  // nothing to pad

  xg::manual_seed(24);
  xg::nn::Conv2d conv(torch::nn::Conv2dOptions(2, 4, 3).padding(1).padding_mode(torch::kCircular));
  const auto img = xg::randn({2, 2, 6, 5});
  const auto expected = xg::conv2d(xg::pad(img, {1, 1, 1, 1}, xg::kCircular), conv->weight, conv->bias);
  CHECK(xg::equal(conv(img), expected));
  CHECK(conv->extra_repr() ==
        "2, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), dilation=(1, 1), groups=1, bias=True, "
        "padding_mode=circular");
  xg::nn::Conv1d same(xg::nn::Conv1dOptions(1, 1, 4).padding(xg::kSame).padding_mode(xg::kReplicate));
  CHECK(same(xg::randn({3, 1, 7})).shape() == xg::Shape{3, 1, 7});
  CHECK(xg::nn::MaxPool2d(xg::nn::MaxPool2dOptions(2).ceil_mode(true))->extra_repr() ==
        "kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=True");
  CHECK(xg::nn::AvgPool2d(xg::nn::AvgPool2dOptions(2).ceil_mode(true))(xg::ones({1, 5, 5})).shape() ==
        xg::Shape{1, 3, 3});
}

TEST_CASE("layer_norm, group_norm and embedding: gradcheck and gradgradcheck") {
  xg::manual_seed(22);
  check_both_orders("layer_norm",
                    [](const Inputs& in) {
                      return F::layer_norm(in[0], xg::nn::LayerNormFuncOptions({3}).weight(in[1]).bias(in[2]));
                    },
                    {rnd({2, 2, 3}), rnd({3}), rnd({3})});
  check_both_orders("group_norm",
                    [](const Inputs& in) {
                      return F::group_norm(in[0], xg::nn::GroupNormFuncOptions(2).weight(in[1]).bias(in[2]));
                    },
                    {rnd({2, 4, 3}), rnd({4}), rnd({4})});
  const auto index = xg::tensor(std::vector<std::int64_t>{2, 0, 2, 3}, {2, 2}, xg::kInt64);
  // Without padding_idx: with it the padding row's entries deliberately get no gradient although the
  // output depends on them (torch's meaning), which a numerical derivative would not agree with.
  check_both_orders("embedding",
                    [&](const Inputs& in) { return F::embedding(index, in[0]) * in[0].sum(); },
                    {rnd({4, 3})});
}

TEST_CASE("LayerNorm, GroupNorm and Embedding layers: parameters, names and padding row") {
  xg::nn::LayerNorm ln(xg::Shape{4, 3});
  CHECK(ln->weight.shape() == xg::Shape{4, 3});
  CHECK(ln->named_parameters()[1].first == "bias");
  const auto y = ln(xg::randn({2, 4, 3}));
  CHECK(std::abs(xg::mean(y).item<float>()) < 1e-5);
  xg::nn::GroupNorm gn(2, 6);
  CHECK(gn->weight.shape() == xg::Shape{6});
  CHECK(gn(xg::randn({2, 6, 5})).shape() == xg::Shape{2, 6, 5});
  xg::manual_seed(9);
  xg::nn::Embedding emb(xg::nn::EmbeddingOptions(5, 3).padding_idx(-1));
  CHECK(*emb->options.padding_idx() == 4);
  CHECK(xg::equal(xg::narrow(emb->weight, 0, 4, 1), xg::zeros({1, 3})));
  CHECK_FALSE(xg::equal(xg::narrow(emb->weight, 0, 0, 1), xg::zeros({1, 3})));
  const auto out = emb(xg::tensor(std::vector<std::int64_t>{4, 1, 4}, {3}, xg::kInt64));
  CHECK(out.shape() == xg::Shape{3, 3});
  out.sum().backward();
  CHECK(emb->weight.grad().to_vector() == std::vector<double>{0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("conv2d double backward: the gradient of a gradient equals the analytic one") {
  // f(x) = sum(conv(x, w)²)/2: df/dx = convᵀ(conv(x, w)); d/dw of sum(df/dx · v) checked against
  // a numerical derivative through gradgradcheck above; here: the second derivative in x is
  // the operator convᵀ∘conv, so H·x = grad and the Hessian-vector product is linear.
  xg::manual_seed(20);
  const auto x = rnd({1, 2, 5, 5}), w = rnd({3, 2, 3, 3});
  const auto y = xg::conv2d(x, w, xg::Tensor(), 1, 1);
  const auto loss = (y * y).sum() * 0.5;
  const auto gx = xg::autograd::grad({loss}, {x}, {}, true, true)[0];
  // f is quadratic in x: <gx, x> = 2·loss.
  CHECK(std::abs((gx * x).sum().item<double>() - 2 * loss.item<double>()) < 1e-12);
  const auto hx = xg::autograd::grad({(gx * x.detach()).sum()}, {x})[0];  // H·x
  CHECK(rel_error(hx, json{{"shape", gx.shape()}, {"values", gx.to_vector()}}) < 1e-12);
  CHECK(gx.grad_fn_name() == "ConvolutionInputGradBackward0");
}

TEST_CASE("conv2d results do not depend on the thread count") {
  // Grouped, strided, depthwise and plain geometries, and a batch cut into chunks: oneDNN's
  // primitives and the fixed chunks must give the same bits on 1, 2 and 3 threads.
  struct Case {
    const char* name;
    xg::Shape x, w;
    std::int64_t stride, groups;
  };
  const std::vector<Case> cases = {
      {"groups 2", {8, 6, 13, 11}, {8, 3, 3, 3}, 1, 2},
      {"one channel, stride 2", {9, 1, 17, 15}, {5, 1, 3, 3}, 2, 1},
      {"depthwise", {3, 4, 9, 21}, {4, 1, 3, 3}, 1, 4},
      {"plain 3x3", {5, 4, 9, 8}, {6, 4, 3, 3}, 1, 1},
      // 11 images: above the size at which the batch is cut into chunks, with a shorter last chunk
      {"batch in chunks", {11, 16, 20, 20}, {32, 16, 3, 3}, 1, 1},
  };
  xg::manual_seed(21);
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto x = xg::randn(c.x).requires_grad_(), w = xg::randn(c.w).requires_grad_();
    const auto b = xg::randn({c.w[0]}).requires_grad_();
    auto run = [&](int threads) {
      xg::set_num_threads(threads);
      const auto y = xg::conv2d(x, w, b, c.stride, 1, 1, c.groups);
      const auto g = xg::autograd::grad({(y * y).sum()}, {x, w, b});
      return std::vector<xg::Tensor>{y, g[0], g[1], g[2]};
    };
    const int threads = xg::get_num_threads();
    const auto one = run(1), two = run(2), three = run(3);
    xg::set_num_threads(threads);
    for (std::size_t i = 0; i < one.size(); ++i) {
      CHECK(xg::equal(one[i], two[i]));
      CHECK(xg::equal(one[i], three[i]));
    }
    // A plain backward takes the bias gradient from the weight gradient's primitive: it must be
    // Σ 2y over (n, y, x), as a separate sum gives it.
    const auto want = xg::sum(one[0] * 2.0, {0, 2, 3});
    CHECK(xg::max(xg::abs(one[3] - want)).item<double>() <= 1e-5 * xg::max(xg::abs(want)).item<double>());
  }
}

// float32 convolutions run on oneDNN's primitives (im2col + gemm is float64's path): the same
// values in both dtypes agree to float32 rounding, over the options oneDNN must map (groups,
// dilation, strides that leave input rows unused, "same" padding with more on one side) and
// conv_transpose2d, whose forward is the input gradient.
double max_rel_diff(const xg::Tensor& got, const xg::Tensor& want) {
  const auto g = got.to_vector(), w = want.to_vector();
  REQUIRE(g.size() == w.size());
  double diff = 0, scale = 1e-30;
  for (std::size_t i = 0; i < g.size(); ++i) {
    diff = std::max(diff, std::abs(g[i] - w[i]));
    scale = std::max(scale, std::abs(w[i]));
  }
  return diff / scale;
}

TEST_CASE("float32 conv2d and conv_transpose2d agree with float64 over strides, dilation, groups and padding") {
  struct Case {
    const char* name;
    xg::Shape x, w;
    xg::IntPair stride;
    xg::Padding2d padding;
    xg::IntPair dilation;
    std::int64_t groups;
    bool transpose;
  };
  const std::vector<Case> cases = {
      {"plain 3x3", {4, 3, 9, 8}, {5, 3, 3, 3}, 1, 1, 1, 1, false},
      {"first layer, one channel, batch in chunks", {101, 1, 28, 28}, {32, 1, 3, 3}, 1, 1, 1, 1, false},
      {"stride 2 leaving a row unused", {3, 4, 10, 9}, {6, 4, 3, 3}, 2, 0, 1, 1, false},
      {"stride (3, 2), padding (2, 1)", {2, 4, 11, 10}, {4, 4, 3, 2}, {3, 2}, {2, 1}, 1, 1, false},
      {"dilation 2", {2, 6, 12, 11}, {8, 6, 3, 3}, 1, 2, 2, 1, false},
      {"groups 3, dilation (1, 2)", {3, 6, 10, 10}, {9, 2, 3, 3}, 1, 1, {1, 2}, 3, false},
      {"depthwise", {2, 8, 9, 9}, {8, 1, 3, 3}, 1, 1, 1, 8, false},
      {"same padding, even kernel", {2, 3, 8, 7}, {4, 3, 4, 2}, 1, xg::kSame, 1, 1, false},
      {"1x1", {5, 16, 6, 6}, {24, 16, 1, 1}, 1, 0, 1, 1, false},
      // oneDNN's Winograd primitives (forward and input gradient; 64 x 64 also the weight gradient)
      {"3x3, 32 -> 64 channels", {3, 32, 10, 9}, {64, 32, 3, 3}, 1, 1, 1, 1, false},
      {"3x3, 64 -> 64 channels, odd size", {2, 64, 13, 11}, {64, 64, 3, 3}, 1, 1, 1, 1, false},
      {"transpose, stride 2", {2, 4, 6, 5}, {4, 3, 3, 3}, 2, 1, 1, 1, true},
      {"transpose, groups 2, dilation 2", {2, 4, 5, 5}, {4, 2, 3, 3}, 1, 0, 2, 2, true},
  };
  xg::manual_seed(22);
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto x64 = rnd(c.x), w64 = rnd(c.w);
    const std::int64_t out_channels = c.transpose ? c.w[1] * c.groups : c.w[0];
    const auto b64 = rnd({out_channels});
    auto run = [&](xg::Dtype dtype) {
      const auto x = x64.detach().to(dtype).requires_grad_(), w = w64.detach().to(dtype).requires_grad_(),
                 b = b64.detach().to(dtype).requires_grad_();
      const auto y = c.transpose ? xg::conv_transpose2d(x, w, b, c.stride, c.padding.pair(), {0, 0}, c.groups, c.dilation)
                                 : xg::conv2d(x, w, b, c.stride, c.padding, c.dilation, c.groups);
      xg::manual_seed(23);
      const auto r = xg::randn(y.shape(), dtype);
      // create_graph: the gradients' own backward (the other two primitives) runs in float32 too.
      const auto g = xg::autograd::grad({(y * r).sum()}, {x, w, b}, {}, true, true);
      const auto gg = xg::autograd::grad({(g[0] * g[0]).sum() + (g[1] * g[1]).sum()}, {x, w});
      return std::vector<xg::Tensor>{y, g[0], g[1], g[2], gg[0], gg[1]};
    };
    const auto single = run(xg::kFloat32), twice = run(xg::kFloat64);
    for (std::size_t i = 0; i < single.size(); ++i) {
      CAPTURE(i);
      CHECK(single[i].dtype() == xg::kFloat32);
      CHECK(max_rel_diff(single[i], twice[i]) < 2e-5);
    }
  }
}

TEST_CASE("max_pool2d: NaN wins its windows and receives the gradient; indices as torch") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto x = xg::tensor({1, 5, 2, nan, 0, 3, 7, 4, 6}, {1, 1, 3, 3}, xg::kFloat64, true);
  auto pool = xg::nn::MaxPool2d(xg::nn::MaxPool2dOptions(2).stride(1));
  auto [values, indices] = pool->forward_with_indices(x);
  CHECK(indices.to_vector() == std::vector<double>{3, 1, 3, 8});
  const auto v = values.to_vector();
  CHECK(std::isnan(v[0]));
  CHECK(v[1] == 5.0);
  CHECK(std::isnan(v[2]));
  CHECK(v[3] == 6.0);
  values.backward(xg::ones_like(values));
  CHECK(x.grad().to_vector() == std::vector<double>{0, 1, 0, 2, 0, 0, 0, 0, 1});
  CHECK(pool(x).shape() == xg::Shape{1, 1, 2, 2});
  CHECK(xg::max_pool2d(xg::zeros({3, 8, 8}), 2).shape() == xg::Shape{3, 4, 4});  // unbatched
}

// float32 2x2 / stride-2 windows run their own kernel (ops/src/max_pool_2x2.cpp); float64 the
// general search. On values with many ties and NaNs, at odd sizes (an unused last row and column) and
// rows of more than 16 windows, both pick the same windows and route the gradient the same way.
TEST_CASE("max_pool2d 2x2 kernel: the same windows, values and gradients as the general search") {
  xg::manual_seed(31);
  // (one window per row, a row of 35, several threads' blocks of planes: the kernel's whole-vector
  // loads and stores reach past a row, never past its buffer or block)
  for (const xg::Shape& shape : {xg::Shape{2, 3, 28, 28}, xg::Shape{1, 2, 9, 71}, xg::Shape{3, 1, 2, 2},
                                 xg::Shape{40, 10, 5, 3}, xg::Shape{8, 64, 14, 14}}) {
    const std::string shape_name = xg::shape_str(shape);
    CAPTURE(shape_name);
    // integers in [-2, 2] (ties in most windows), and NaN where the draw is 2
    const double nan = std::numeric_limits<double>::quiet_NaN();
    auto x64 = xg::randint(-2, 3, shape).to(xg::kFloat64);
    x64 = xg::where(xg::eq(x64, 2.0), nan, x64);
    const auto x32 = x64.to(xg::kFloat32).requires_grad_();
    x64.requires_grad_();
    auto [v64, i64] = xg::max_pool2d_with_indices(x64, 2);
    auto [v32, i32] = xg::max_pool2d_with_indices(x32, 2);
    CHECK(xg::equal(i32, i64));
    const auto v32d = v32.detach().to(xg::kFloat64), v64d = v64.detach();
    CHECK(xg::equal(xg::ne(v32d, v32d), xg::ne(v64d, v64d)));  // NaN in the same windows
    CHECK(xg::equal(xg::where(xg::ne(v32d, v32d), 0.0, v32d), xg::where(xg::ne(v64d, v64d), 0.0, v64d)));
    CHECK(v32.grad_fn_name() == "MaxPool2DWithIndicesBackward0");
    const auto g = xg::randint(1, 9, v64.shape()).to(xg::kFloat64);  // exact in float32
    v64.backward(g);
    v32.backward(g.to(xg::kFloat32));
    CHECK(xg::equal(x32.grad().to(xg::kFloat64), x64.grad()));
  }
}

TEST_CASE("Conv2d: weight and bias with torch's shapes, names and initialization; options builder") {
  xg::manual_seed(3);
  xg::nn::Conv2d plain(3, 4, 3);
  CHECK(plain->weight.shape() == xg::Shape{4, 3, 3, 3});
  CHECK(plain->bias.shape() == xg::Shape{4});
  const double bound = 1.0 / std::sqrt(27.0);  // U(±1/√fan_in) for both
  CHECK(xg::max(xg::abs(plain->weight)).item<float>() <= bound);
  CHECK(xg::max(xg::abs(plain->bias)).item<float>() <= bound);
  CHECK(xg::max(xg::abs(plain->weight)).item<float>() > 0.5 * bound);
  const auto names = plain->named_parameters();
  REQUIRE(names.size() == 2);
  CHECK(names[0].first == "weight");
  CHECK(names[1].first == "bias");

  xg::nn::Conv2d strided(xg::nn::Conv2dOptions(4, 6, {3, 2}).stride(2).padding(1).groups(2).bias(false));
  CHECK(strided->weight.shape() == xg::Shape{6, 2, 3, 2});
  CHECK_FALSE(strided->bias.defined());
  CHECK(strided(xg::randn({2, 4, 9, 8})).shape() == xg::Shape{2, 6, 5, 5});
  xg::nn::Conv2d same(xg::nn::Conv2dOptions(1, 2, 4).padding(xg::kSame).dilation(2));
  CHECK(same(xg::randn({1, 1, 7, 6})).shape() == xg::Shape{1, 2, 7, 6});
  CHECK(same->extra_repr() == "1, 2, kernel_size=(4, 4), stride=(1, 1), padding=same, dilation=(2, 2), groups=1, bias=True");

  xg::nn::Conv1d c1(3, 5, 4);
  CHECK(c1->weight.shape() == xg::Shape{5, 3, 4});
  CHECK(c1(xg::randn({2, 3, 10})).shape() == xg::Shape{2, 5, 7});
  xg::nn::ConvTranspose2d ct(xg::nn::ConvTranspose2dOptions(4, 6, 3).stride(2).padding(1).output_padding(1).groups(2));
  CHECK(ct->weight.shape() == xg::Shape{4, 3, 3, 3});
  CHECK(ct(xg::randn({1, 4, 5, 5})).shape() == xg::Shape{1, 6, 10, 10});
  // The functional form with libtorch's builder.
  const auto y = F::conv2d(xg::ones({1, 1, 3, 3}), xg::ones({1, 1, 2, 2}),
                           xg::nn::Conv2dFuncOptions().bias(xg::full({1}, 0.5)).padding(1).stride(2));
  CHECK(y.to_vector() == std::vector<double>{1.5, 2.5, 2.5, 4.5});
}

TEST_CASE("BatchNorm2d: buffers with torch's names, running statistics, train and eval") {
  xg::nn::BatchNorm2d bn(xg::nn::BatchNorm2dOptions(2).momentum(0.5));
  const auto state = bn->state_dict();
  std::set<std::string> keys;
  for (const auto& [name, t] : state) keys.insert(name);
  CHECK(keys == std::set<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
  CHECK(bn->num_batches_tracked.dtype() == xg::kInt64);
  // Channel 0 holds 0, 2 (mean 1, unbiased var 2); channel 1 holds 1, 1 (mean 1, var 0).
  const auto x = xg::tensor({0, 1, 2, 1}, {2, 2, 1, 1});
  const auto y = bn(x);
  CHECK(bn->running_mean.to_vector() == std::vector<double>{0.5, 0.5});
  CHECK(bn->running_var.to_vector() == std::vector<double>{1.5, 0.5});
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 1);
  CHECK(std::abs(y.to_vector()[0] + 1.0) < 1e-4);  // (0 − 1)/√(1 + eps)
  bn->eval();
  const auto z = bn(x);
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 1);
  CHECK(std::abs(z.to_vector()[0] - (0 - 0.5) / std::sqrt(1.5 + 1e-5)) < 1e-6);

  xg::nn::BatchNorm1d plain(xg::nn::BatchNorm1dOptions(3).affine(false).track_running_stats(false));
  CHECK(plain->parameters().empty());
  CHECK(plain->buffers().empty());
  plain->eval();  // no running statistics: batch statistics, as torch
  CHECK(std::abs(xg::mean(plain(xg::randn({5, 3}))).item<float>()) < 1e-5);
}

TEST_CASE("Dropout2d zeroes whole channels and scales the rest; identity in eval") {
  xg::manual_seed(5);
  xg::nn::Dropout2d drop(0.5);
  const auto y = drop(xg::ones({4, 8, 3, 3}));
  int dropped = 0;
  for (std::int64_t n = 0; n < 4; ++n)
    for (std::int64_t c = 0; c < 8; ++c) {
      const auto plane = xg::reshape(xg::narrow(xg::narrow(y, 0, n, 1), 1, c, 1), {3, 3});
      const double first = plane.to_vector()[0];
      CHECK((first == 0.0 || first == 2.0));
      CHECK(xg::equal(plane, xg::full({3, 3}, first)));
      dropped += first == 0.0;
    }
  CHECK(dropped > 4);
  CHECK(dropped < 28);
  drop->eval();
  CHECK(xg::equal(drop(xg::ones({1, 2, 2, 2})), xg::ones({1, 2, 2, 2})));
}

TEST_CASE("the trainer's --model cnn has the state_dict names and shapes of its PyTorch twin") {
  const json fixture = torch_fixtures::load("cnn.json");
  fashion::TrainConfig config;
  config.model = "cnn";
  const auto net = fashion::build_model(config);
  std::vector<std::pair<std::string, xg::Shape>> ours, theirs;
  for (const auto& [name, t] : net->state_dict()) ours.emplace_back(name, t.shape());
  for (const auto& entry : fixture["fashion_cnn_state_dict"])
    theirs.emplace_back(entry[0].get<std::string>(), entry[1].get<xg::Shape>());
  CHECK(ours == theirs);
  // The logits of a batch of flat 784-pixel rows, in eval and train.
  CHECK(net->forward(xg::randn({3, 784})).shape() == xg::Shape{3, 10});
  net->eval();
  CHECK(net->forward(xg::randn({2, 784})).shape() == xg::Shape{2, 10});
}

// pytorch/examples' cpp/mnist network, written as there with libtorch's names (<xgrad/torch.hpp>).
struct MnistNet : torch::nn::Module {
  MnistNet() : conv1(torch::nn::Conv2dOptions(1, 10, /*kernel_size=*/5)), conv2(torch::nn::Conv2dOptions(10, 20, 5)), fc1(320, 50), fc2(50, 10) {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("conv2_drop", conv2_drop);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(torch::max_pool2d(conv1->forward(x), 2));
    x = torch::relu(torch::max_pool2d(conv2_drop->forward(conv2->forward(x)), 2));
    x = x.view({-1, 320});
    x = torch::relu(fc1->forward(x));
    x = torch::dropout(x, /*p=*/0.5, /*training=*/is_training());
    x = fc2->forward(x);
    return torch::log_softmax(x, /*dim=*/1);
  }
  torch::nn::Conv2d conv1;
  torch::nn::Conv2d conv2;
  torch::nn::Dropout2d conv2_drop;
  torch::nn::Linear fc1;
  torch::nn::Linear fc2;
};

TEST_CASE("pytorch/examples' cpp/mnist network compiles and trains with libtorch's names") {
  torch::manual_seed(1);
  MnistNet net;
  const auto names = net.named_parameters();
  CHECK(names.size() == 8);
  CHECK(names[0].first == "conv1.weight");
  torch::optim::Adam opt(net.parameters(), torch::optim::AdamOptions(3e-3));
  const auto x = torch::randn({16, 1, 28, 28});
  const auto y = torch::tensor(std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5}, {16}, torch::kInt64);
  net.eval();  // no dropout: the loss must fall on a fixed batch
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    opt.zero_grad();
    auto loss = torch::nll_loss(net.forward(x), y);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  CHECK(last < 0.5 * first);
}
