// Parity with PyTorch: every loss (each reduction and option) and Linear/activation stacks give
// torch's values and gradients to 1e-12 in float64. The reference numbers are in
// tests/fixtures/nn_parity.json, written by scripts/make_nn_fixtures.py with Debian's torch.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>
#include <xgrad/xgrad.hpp>

namespace F = xg::nn::functional;
using nlohmann::json;

namespace {

constexpr double kTolerance = 1e-12;

const json& fixture() {
  static const json data = [] {
    std::ifstream in(std::string(XGRAD_SOURCE_DIR) + "/tests/fixtures/nn_parity.json");
    REQUIRE_MESSAGE(in.good(), "tests/fixtures/nn_parity.json is missing: run scripts/make_nn_fixtures.py");
    return json::parse(in);
  }();
  return data;
}

xg::Tensor decode(const json& j) {
  const xg::Shape shape = j["shape"].get<xg::Shape>();
  if (j["dtype"] == "int64") return xg::tensor(j["data"].get<std::vector<std::int64_t>>(), shape, xg::kInt64);
  return xg::tensor(j["data"].get<std::vector<double>>(), shape, xg::kFloat64);
}

// The largest |a − b| / max(1, |b|) (relative for large values such as ±1000 logits); shapes must agree.
double max_error(const xg::Tensor& actual, const xg::Tensor& expected) {
  if (actual.shape() != expected.shape()) return INFINITY;
  const auto a = actual.to_vector(), b = expected.to_vector();
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]) / std::max(1.0, std::fabs(b[i])));
  return worst;
}

xg::Tensor run_loss(const std::string& fn, const std::map<std::string, xg::Tensor>& t, const json& o) {
  const auto get = [&](const char* k) { return t.count(k) ? t.at(k) : xg::Tensor(); };
  const std::string r = o.value("reduction", "mean");
  const xg::Tensor& x = t.at("input");
  const xg::Tensor& y = t.at("target");
  if (fn == "mse_loss") return F::mse_loss(x, y, {.reduction = r});
  if (fn == "l1_loss") return F::l1_loss(x, y, {.reduction = r});
  if (fn == "huber_loss") return F::huber_loss(x, y, {.reduction = r, .delta = o.value("delta", 1.0)});
  if (fn == "smooth_l1_loss") return F::smooth_l1_loss(x, y, {.reduction = r, .beta = o.value("beta", 1.0)});
  if (fn == "kl_div") return F::kl_div(x, y, {.reduction = r, .log_target = o.value("log_target", false)});
  if (fn == "binary_cross_entropy") return F::binary_cross_entropy(x, y, {.weight = get("weight"), .reduction = r});
  if (fn == "binary_cross_entropy_with_logits")
    return F::binary_cross_entropy_with_logits(
        x, y, {.weight = get("weight"), .reduction = r, .pos_weight = get("pos_weight")});
  if (fn == "cross_entropy")
    return F::cross_entropy(x, y,
                            {.weight = get("weight"),
                             .ignore_index = o.value("ignore_index", std::int64_t{-100}),
                             .label_smoothing = o.value("label_smoothing", 0.0),
                             .reduction = r});
  if (fn == "nll_loss")
    return F::nll_loss(
        x, y, {.weight = get("weight"), .ignore_index = o.value("ignore_index", std::int64_t{-100}), .reduction = r});
  FAIL("unknown loss in fixture: " << fn);
  return {};
}

xg::nn::Sequential make_stack(const std::string& activation, const std::string& final) {
  xg::nn::Sequential net;
  net->push_back(xg::nn::Linear(3, 5, true, xg::kFloat64));
  if (activation == "relu") net->push_back(xg::nn::ReLU());
  if (activation == "tanh") net->push_back(xg::nn::Tanh());
  if (activation == "sigmoid") net->push_back(xg::nn::Sigmoid());
  if (activation == "elu") net->push_back(xg::nn::ELU(0.7));
  if (activation == "leaky_relu") net->push_back(xg::nn::LeakyReLU(0.1));
  if (activation == "gelu") net->push_back(xg::nn::GELU());
  if (activation == "gelu_tanh") net->push_back(xg::nn::GELU("tanh"));
  REQUIRE_MESSAGE(net->size() == 2, "unknown activation " << activation);
  net->push_back(xg::nn::Linear(5, 2, true, xg::kFloat64));
  if (final == "softmax") net->push_back(xg::nn::Softmax(1));
  if (final == "log_softmax") net->push_back(xg::nn::LogSoftmax(1));
  return net;
}

}  // namespace

TEST_CASE("every loss matches torch's value and gradients to 1e-12 (float64)") {
  const json& cases = fixture()["losses"];
  REQUIRE(cases.size() >= 80);
  double worst = 0;
  std::string worst_case;
  for (const json& c : cases) {
    CAPTURE(c["name"].get<std::string>());
    std::map<std::string, xg::Tensor> tensors;
    for (const auto& [name, value] : c["tensors"].items()) tensors[name] = decode(value);
    std::vector<xg::Tensor> wrt;
    for (const auto& name : c["grad_wrt"]) wrt.push_back(tensors.at(name.get<std::string>()).requires_grad_());
    const xg::Tensor out = run_loss(c["fn"], tensors, c["options"]);
    const double value_error = max_error(out, decode(c["output"]));
    CHECK(value_error <= kTolerance);
    double case_worst = value_error;
    if (!wrt.empty()) {
      const auto grads = xg::autograd::grad({out}, wrt, {decode(c["grad_output"])});
      std::size_t i = 0;
      for (const auto& name : c["grad_wrt"]) {
        CAPTURE(name.get<std::string>());
        const double e = max_error(grads[i++], decode(c["grads"][name.get<std::string>()]));
        CHECK(e <= kTolerance);
        case_worst = std::max(case_worst, e);
      }
    }
    if (case_worst >= worst) worst = case_worst, worst_case = c["name"];
  }
  MESSAGE("losses: " << cases.size() << " cases, worst relative error " << worst << " (" << worst_case << ")");
}

TEST_CASE("Linear/activation stacks match torch: torch's state_dict loads by name, values and gradients to 1e-12") {
  const json& cases = fixture()["stacks"];
  REQUIRE(cases.size() == 21);
  double worst = 0;
  for (const json& c : cases) {
    CAPTURE(c["name"].get<std::string>());
    xg::nn::Sequential net = make_stack(c["activation"], c["final"]);
    xg::StateDict state;
    for (const auto& [name, value] : c["state_dict"].items()) state.insert(name, decode(value));
    const xg::nn::LoadResult loaded = net->load_state_dict(state);  // strict: torch's names must be ours
    CHECK(loaded.missing_keys.empty());
    CHECK(loaded.unexpected_keys.empty());

    auto x = decode(c["input"]).requires_grad_();
    const xg::Tensor out = net(x);
    const double value_error = max_error(out, decode(c["output"]));
    CHECK(value_error <= kTolerance);
    out.backward(decode(c["grad_output"]));
    double case_worst = std::max(value_error, max_error(x.grad(), decode(c["grads"]["input"])));
    CHECK(max_error(x.grad(), decode(c["grads"]["input"])) <= kTolerance);
    for (const auto& [name_entry, p] : net->named_parameters()) {
      const auto& name = name_entry;  // CAPTURE cannot take a structured binding in clang 14
      CAPTURE(name);
      REQUIRE(c["grads"].contains(name));
      const double e = max_error(p.grad(), decode(c["grads"][name]));
      CHECK(e <= kTolerance);
      case_worst = std::max(case_worst, e);
    }
    worst = std::max(worst, case_worst);
  }
  MESSAGE("stacks: " << cases.size() << " cases, worst relative error " << worst);
}

TEST_CASE("init's gains and fans are torch's") {
  const json& ref = fixture()["init"];
  for (const auto& [name_entry, gain] : ref["gains"].items()) {
    const auto& name = name_entry;  // CAPTURE cannot take a structured binding in clang 14
    CAPTURE(name);
    const double expected = gain.get<double>();
    const double actual = name == "leaky_relu(0.2)" ? xg::nn::init::calculate_gain("leaky_relu", 0.2)
                                                    : xg::nn::init::calculate_gain(name);
    CHECK(actual == doctest::Approx(expected).epsilon(1e-15));
  }
  for (const json& f : ref["fans"]) {
    const auto [fan_in, fan_out] = xg::nn::init::calculate_fan_in_and_fan_out(xg::empty(f["shape"].get<xg::Shape>()));
    CHECK(fan_in == f["fan_in"].get<double>());
    CHECK(fan_out == f["fan_out"].get<double>());
  }
}
