// The edge table of issue 15 (item 4) against torch 1.13: for every op family, values, result dtypes,
// gradients and second-order gradients at ±0, ±inf, NaN, ties, empty and size-1 dims, huge values and
// every dtype pairing, from tests/fixtures/edges.json (scripts/make_edge_fixtures.py, which documents
// the case format). The fixture is data; this file has one table mapping op names onto xgrad's calls.
//
// Cases where xgrad answers differently from torch on purpose are listed in known_differences below,
// each with why xgrad keeps its answer. Every other case must agree, and every listed case must still
// differ, so a change that makes one agree (or disagree) is seen. XGRAD_EDGES_REPORT=1 prints every
// disagreement (listed or not).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

#include "torch_fixtures.hpp"

namespace {

namespace F = xg::nn::functional;
using torch_fixtures::json;
using xg::Tensor;

// id -> how xgrad differs from torch there (one line). A case leaves this list when its rule is fixed:
// the test fails while a listed case agrees with torch.
const std::map<std::string, std::string>& known_differences() {
  static const std::map<std::string, std::string> known = {
      {"unary/elu/edges/f32",
       "kept: at NaN torch float32 gives 1.5 but float64 NaN; xgrad gives NaN in both (NaN in, NaN out)"},
      {"unary/elu/alpha=0.5/edges/f32",
       "kept: at NaN torch float32 gives 1.5 but float64 NaN; xgrad gives NaN in both (NaN in, NaN out)"},
      {"binary/pow/edges/f64_f64",
       "kept: torch NaN is 0·inf from its masked log(0) branch; xgrad gives the limits 1 and 0"},
      {"binary/pow/scalar-base=0.0/float_f64", "kept: torch NaN is 0·inf from its masked log(0) branch; 0**x is constant 0 for x > 0, so 0"},
      {"binary/pow/edges/f32_f32",
       "kept: torch NaN is 0·inf from its masked log(0) branch; xgrad gives the limits 1 and 0"},
      {"binary/pow/scalar-base=0.0/float_f32", "kept: torch NaN is 0·inf from its masked log(0) branch; 0**x is constant 0 for x > 0, so 0"},
      {"reduce/amax/dim1/f64",
       "kept: torch divides by the count of elements equal to NaN (0/0); the NaN is the maximum, so it gets g"},
      {"reduce/amax/dim0-keep/f64",
       "kept: torch divides by the count of elements equal to NaN (0/0); the NaN is the maximum, so it gets g"},
      {"reduce/amax/dim1/f32",
       "kept: torch divides by the count of elements equal to NaN (0/0); the NaN is the maximum, so it gets g"},
      {"reduce/amax/dim0-keep/f32",
       "kept: torch divides by the count of elements equal to NaN (0/0); the NaN is the maximum, so it gets g"},
      {"loss/mse_loss/broadcast/f64_f64",
       "kept: elementwise losses require equal shapes (nn/README.md); a broadcast is nearly always a bug"},
      {"loss/l1_loss/broadcast/f64_f64",
       "kept: elementwise losses require equal shapes (nn/README.md); a broadcast is nearly always a bug"},
      {"loss/smooth_l1_loss/broadcast/f64_f64",
       "kept: elementwise losses require equal shapes (nn/README.md); a broadcast is nearly always a bug"},
      {"loss/huber_loss/broadcast/f64_f64",
       "kept: elementwise losses require equal shapes (nn/README.md); a broadcast is nearly always a bug"},
      {"loss/smooth_l1_loss/beta0/f64_f64", "kept: beta 0 is l1_loss, whose gradient at NaN is sign(NaN) = 0 in torch too; torch's smooth_l1 divides by beta"},
      {"loss/kl_div/mean/f64_f64",
       "kept: t·log t is taken as 0 at t = 0 and differentiated there (−input); torch NaN is xlogy(t, t)'s 0/0"},
      {"loss/kl_div/sum/f64_f64",
       "kept: t·log t is taken as 0 at t = 0 and differentiated there (−input); torch NaN is xlogy(t, t)'s 0/0"},
      {"loss/kl_div/none/f64_f64",
       "kept: t·log t is taken as 0 at t = 0 and differentiated there (−input); torch NaN is xlogy(t, t)'s 0/0"},
      {"loss/kl_div/batchmean/f64_f64",
       "kept: t·log t is taken as 0 at t = 0 and differentiated there (−input); torch NaN is xlogy(t, t)'s 0/0"},
      {"loss/mse_loss/broadcast/f32_f32",
       "kept: elementwise losses require equal shapes (nn/README.md); a broadcast is nearly always a bug"},
      {"loss/l1_loss/broadcast/f32_f32",
       "kept: elementwise losses require equal shapes (nn/README.md); a broadcast is nearly always a bug"},
      {"loss/smooth_l1_loss/broadcast/f32_f32",
       "kept: elementwise losses require equal shapes (nn/README.md); a broadcast is nearly always a bug"},
      {"loss/huber_loss/broadcast/f32_f32",
       "kept: elementwise losses require equal shapes (nn/README.md); a broadcast is nearly always a bug"},
      {"loss/smooth_l1_loss/beta0/f32_f32", "kept: beta 0 is l1_loss, whose gradient at NaN is sign(NaN) = 0 in torch too; torch's smooth_l1 divides by beta"},
      {"loss/kl_div/mean/f32_f32",
       "kept: t·log t is taken as 0 at t = 0 and differentiated there (−input); torch NaN is xlogy(t, t)'s 0/0"},
      {"loss/kl_div/sum/f32_f32",
       "kept: t·log t is taken as 0 at t = 0 and differentiated there (−input); torch NaN is xlogy(t, t)'s 0/0"},
      {"loss/kl_div/none/f32_f32",
       "kept: t·log t is taken as 0 at t = 0 and differentiated there (−input); torch NaN is xlogy(t, t)'s 0/0"},
      {"loss/kl_div/batchmean/f32_f32",
       "kept: t·log t is taken as 0 at t = 0 and differentiated there (−input); torch NaN is xlogy(t, t)'s 0/0"},
  };
  return known;
}

const json& fixture() {
  static const json all = torch_fixtures::load("edges.json");
  return all;
}

// null (an element where torch 1.13 is wrong, see TORCH_WRONG in the generator) reads as a signaling
// NaN (torch_fixtures::number), which compare() skips.
using torch_fixtures::dtype_of;
using torch_fixtures::number;

std::string short_name(xg::Dtype d) {
  if (d == xg::kFloat64) return "f64";
  if (d == xg::kFloat32) return "f32";
  if (d == xg::kInt64) return "i64";
  if (d == xg::kBool) return "bool";
  return xg::dtype_name(d);
}

struct Want {
  std::string dtype;
  xg::Shape shape;
  std::vector<double> values;
  std::vector<bool> unchecked;  // null in the fixture: torch's value is wrong there
};

Want want_of(const json& j) {
  Want w{j[0].get<std::string>(), j[1].get<xg::Shape>(), {}, {}};
  std::int64_t n = 1;
  for (auto s : w.shape) n *= s;
  if (j[2].is_array()) {
    for (const auto& v : j[2]) {
      w.values.push_back(number(v));
      w.unchecked.push_back(v.is_null());
    }
  } else {
    w.values.assign(static_cast<std::size_t>(n), number(j[2]));  // one value for every element
    w.unchecked.assign(static_cast<std::size_t>(n), false);
  }
  return w;
}

Tensor make_tensor(const json& j, bool requires_grad) {
  const Want w = want_of(j);
  const auto dtype = dtype_of(w.dtype);
  if (dtype == xg::kInt64) return xg::tensor(std::vector<std::int64_t>(w.values.begin(), w.values.end()), w.shape);
  if (dtype == xg::kBool) return xg::tensor(w.values, w.shape, xg::kFloat64).to(xg::kBool);
  return xg::tensor(w.values, w.shape, dtype, requires_grad);
}

// One operand: a tensor or a Python-style scalar (a C++ double or int64).
struct Arg {
  Tensor t;
  bool scalar = false;
  bool integer = false;
  double v = 0;
};

using Args = std::vector<Arg>;
using Op = std::function<std::vector<Tensor>(const Args&, const json&)>;

template <class T>
T opt(const json& a, const char* key, T fallback) {
  return a.contains(key) ? a[key].get<T>() : fallback;
}

// a + b for every mix of tensor, double and int64 operands, as C++ code writes them.
template <class Fn>
Tensor binary(const Args& x, Fn fn) {
  const Arg& a = x[0];
  const Arg& b = x[1];
  if (!a.scalar && !b.scalar) return fn(a.t, b.t);
  if (b.scalar) return b.integer ? fn(a.t, static_cast<std::int64_t>(b.v)) : fn(a.t, b.v);
  return a.integer ? fn(static_cast<std::int64_t>(a.v), b.t) : fn(a.v, b.t);
}

std::vector<Tensor> one(Tensor t) { return {std::move(t)}; }
template <class A, class B>
std::vector<Tensor> two(const std::tuple<A, B>& t) {
  return {std::get<0>(t), std::get<1>(t)};
}

#define UNARY(name)                                                         \
  {                                                                         \
#name, [](const Args& x, const json&) { return one(xg::name(x[0].t)); } \
  }

const std::map<std::string, Op>& ops() {
  static const std::map<std::string, Op> table = {
      // unary
      UNARY(exp), UNARY(log), UNARY(log1p), UNARY(sqrt), UNARY(rsqrt), UNARY(abs), UNARY(sin), UNARY(cos),
      UNARY(tanh), UNARY(sigmoid), UNARY(erf), UNARY(neg), UNARY(reciprocal), UNARY(relu), UNARY(gelu),
      UNARY(sign), UNARY(square),
      {"elu", [](const Args& x, const json& a) { return one(xg::elu(x[0].t, opt(a, "alpha", 1.0))); }},
      {"leaky_relu", [](const Args& x, const json& a) { return one(xg::leaky_relu(x[0].t, opt(a, "slope", 0.01))); }},
      {"softplus", [](const Args& x, const json& a) {
         return one(xg::softplus(x[0].t, opt(a, "beta", 1.0), opt(a, "threshold", 20.0)));
       }},
      {"clamp", [](const Args& x, const json& a) { return one(xg::clamp(x[0].t, a["min"], a["max"])); }},
      {"clamp_min", [](const Args& x, const json& a) { return one(xg::clamp_min(x[0].t, a["min"])); }},
      {"clamp_max", [](const Args& x, const json& a) { return one(xg::clamp_max(x[0].t, a["max"])); }},
      // binary
      {"add", [](const Args& x, const json&) { return one(binary(x, [](auto p, auto q) { return p + q; })); }},
      {"sub", [](const Args& x, const json&) { return one(binary(x, [](auto p, auto q) { return p - q; })); }},
      {"mul", [](const Args& x, const json&) { return one(binary(x, [](auto p, auto q) { return p * q; })); }},
      {"div", [](const Args& x, const json&) { return one(binary(x, [](auto p, auto q) { return p / q; })); }},
      {"pow", [](const Args& x, const json&) {
         if (x[0].scalar) return one(xg::pow(x[0].v, x[1].t));  // a float base: C++ has no int one
         if (x[1].scalar) {
           return one(x[1].integer ? xg::pow(x[0].t, static_cast<std::int64_t>(x[1].v)) : xg::pow(x[0].t, x[1].v));
         }
         return one(xg::pow(x[0].t, x[1].t));
       }},
      {"maximum", [](const Args& x, const json&) { return one(xg::maximum(x[0].t, x[1].t)); }},
      {"minimum", [](const Args& x, const json&) { return one(xg::minimum(x[0].t, x[1].t)); }},
      {"where", [](const Args& x, const json&) {
         if (x[1].scalar) return one(xg::where(x[0].t, x[1].v, x[2].t));
         if (x[2].scalar) return one(xg::where(x[0].t, x[1].t, x[2].v));
         return one(xg::where(x[0].t, x[1].t, x[2].t));
       }},
      // reduce
      {"sum", [](const Args& x, const json& a) {
         return one(a.contains("dims") ? xg::sum(x[0].t, a["dims"].get<xg::Dims>(), opt(a, "keepdim", false))
                                       : xg::sum(x[0].t));
       }},
      {"mean", [](const Args& x, const json& a) {
         return one(a.contains("dims") ? xg::mean(x[0].t, a["dims"].get<xg::Dims>(), opt(a, "keepdim", false))
                                       : xg::mean(x[0].t));
       }},
      {"var", [](const Args& x, const json& a) {
         return one(a.contains("dims") ? xg::var(x[0].t, a["dims"].get<xg::Dims>(), opt(a, "unbiased", true),
                                                 opt(a, "keepdim", false))
                                       : xg::var(x[0].t));
       }},
      {"std", [](const Args& x, const json& a) {
         return one(a.contains("dims") ? xg::std(x[0].t, a["dims"].get<xg::Dims>(), opt(a, "unbiased", true),
                                                 opt(a, "keepdim", false))
                                       : xg::std(x[0].t));
       }},
      {"max", [](const Args& x, const json&) { return one(xg::max(x[0].t)); }},
      {"min", [](const Args& x, const json&) { return one(xg::min(x[0].t)); }},
      {"max_dim", [](const Args& x, const json& a) { return two(xg::max(x[0].t, a["dim"], opt(a, "keepdim", false))); }},
      {"min_dim", [](const Args& x, const json& a) { return two(xg::min(x[0].t, a["dim"], opt(a, "keepdim", false))); }},
      {"amax", [](const Args& x, const json& a) { return one(xg::amax(x[0].t, a["dim"], opt(a, "keepdim", false))); }},
      {"logsumexp", [](const Args& x, const json& a) {
         return one(xg::logsumexp(x[0].t, a["dims"].get<xg::Dims>(), opt(a, "keepdim", false)));
       }},
      {"argmax", [](const Args& x, const json& a) {
         return one(a.contains("dim") ? xg::argmax(x[0].t, a["dim"], opt(a, "keepdim", false)) : xg::argmax(x[0].t));
       }},
      {"argmin", [](const Args& x, const json& a) { return one(xg::argmin(x[0].t, a["dim"], opt(a, "keepdim", false))); }},
      // shape
      {"reshape", [](const Args& x, const json& a) { return one(xg::reshape(x[0].t, a["shape"].get<xg::Shape>())); }},
      {"view", [](const Args& x, const json& a) { return one(xg::view(x[0].t, a["shape"].get<xg::Shape>())); }},
      {"permute", [](const Args& x, const json& a) {
         return one(xg::permute(x[0].t, a["dims"].get<std::vector<std::int64_t>>()));
       }},
      {"transpose", [](const Args& x, const json& a) { return one(xg::transpose(x[0].t, a["d0"], a["d1"])); }},
      {"cat", [](const Args& x, const json& a) {
         std::vector<Tensor> parts;
         for (const auto& p : x) parts.push_back(p.t);
         return one(xg::cat(parts, a["dim"]));
       }},
      {"narrow", [](const Args& x, const json& a) { return one(xg::narrow(x[0].t, a["dim"], a["start"], a["length"])); }},
      {"expand", [](const Args& x, const json& a) { return one(xg::expand(x[0].t, a["shape"].get<xg::Shape>())); }},
      {"squeeze", [](const Args& x, const json& a) {
         return one(a.contains("dim") ? xg::squeeze(x[0].t, a["dim"].get<std::int64_t>()) : xg::squeeze(x[0].t));
       }},
      {"unsqueeze", [](const Args& x, const json& a) { return one(xg::unsqueeze(x[0].t, a["dim"])); }},
      // index
      {"index_select", [](const Args& x, const json& a) { return one(xg::index_select(x[0].t, a["dim"], x[1].t)); }},
      {"gather", [](const Args& x, const json& a) { return one(xg::gather(x[0].t, a["dim"], x[1].t)); }},
      {"scatter_add", [](const Args& x, const json& a) { return one(xg::scatter_add(x[0].t, a["dim"], x[1].t, x[2].t)); }},
      {"index_add", [](const Args& x, const json& a) { return one(xg::index_add(x[0].t, a["dim"], x[1].t, x[2].t)); }},
      // linalg
      {"mm", [](const Args& x, const json&) { return one(xg::mm(x[0].t, x[1].t)); }},
      {"bmm", [](const Args& x, const json&) { return one(xg::bmm(x[0].t, x[1].t)); }},
      {"matmul", [](const Args& x, const json&) { return one(xg::matmul(x[0].t, x[1].t)); }},
      // softmax
      {"softmax", [](const Args& x, const json& a) { return one(xg::softmax(x[0].t, a["dim"])); }},
      {"log_softmax", [](const Args& x, const json& a) { return one(xg::log_softmax(x[0].t, a["dim"])); }},
      // fused losses
      {"cross_entropy", [](const Args& x, const json& a) {
         return one(F::cross_entropy(x[0].t, x[1].t,
                                     {.weight = x.size() > 2 ? x[2].t : Tensor{},
                                      .ignore_index = opt<std::int64_t>(a, "ignore_index", -100),
                                      .label_smoothing = opt(a, "label_smoothing", 0.0),
                                      .reduction = opt<std::string>(a, "reduction", "mean")}));
       }},
      {"nll_loss", [](const Args& x, const json& a) {
         return one(F::nll_loss(x[0].t, x[1].t,
                                {.weight = x.size() > 2 ? x[2].t : Tensor{},
                                 .ignore_index = opt<std::int64_t>(a, "ignore_index", -100),
                                 .reduction = opt<std::string>(a, "reduction", "mean")}));
       }},
      {"binary_cross_entropy", [](const Args& x, const json& a) {
         return one(F::binary_cross_entropy(x[0].t, x[1].t, {.reduction = opt<std::string>(a, "reduction", "mean")}));
       }},
      {"binary_cross_entropy_with_logits", [](const Args& x, const json& a) {
         return one(F::binary_cross_entropy_with_logits(
             x[0].t, x[1].t,
             {.reduction = opt<std::string>(a, "reduction", "mean"), .pos_weight = x.size() > 2 ? x[2].t : Tensor{}}));
       }},
      {"mse_loss", [](const Args& x, const json& a) {
         return one(F::mse_loss(x[0].t, x[1].t, {.reduction = opt<std::string>(a, "reduction", "mean")}));
       }},
      {"l1_loss", [](const Args& x, const json& a) {
         return one(F::l1_loss(x[0].t, x[1].t, {.reduction = opt<std::string>(a, "reduction", "mean")}));
       }},
      {"smooth_l1_loss", [](const Args& x, const json& a) {
         return one(F::smooth_l1_loss(x[0].t, x[1].t,
                                      {.reduction = opt<std::string>(a, "reduction", "mean"), .beta = opt(a, "beta", 1.0)}));
       }},
      {"huber_loss", [](const Args& x, const json& a) {
         return one(F::huber_loss(x[0].t, x[1].t,
                                  {.reduction = opt<std::string>(a, "reduction", "mean"), .delta = opt(a, "delta", 1.0)}));
       }},
      {"kl_div", [](const Args& x, const json& a) {
         return one(F::kl_div(x[0].t, x[1].t,
                              {.reduction = opt<std::string>(a, "reduction", "mean"),
                               .log_target = opt(a, "log_target", false)}));
       }},
  };
  return table;
}

#undef UNARY

// The fixed weights of the fixture: w1[i] = 1 + 0.5 (i mod 3), w2[i] = 0.5 + 0.25 (i mod 5).
Tensor weights(const Tensor& like, bool second) {
  std::vector<double> w(static_cast<std::size_t>(like.numel()));
  for (std::size_t i = 0; i < w.size(); ++i)
    w[i] = second ? 0.5 + 0.25 * static_cast<double>(i % 5) : 1.0 + 0.5 * static_cast<double>(i % 3);
  return xg::tensor(w, like.shape(), like.dtype());
}

std::string fmt_value(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

bool report_mode() { return std::getenv("XGRAD_EDGES_REPORT") != nullptr; }

// Disagreements between an xgrad result and torch's, described for a person ("" when they agree).
// NaN matches NaN, infinities match in sign, finite values within rtol (1e-12 float64, 1e-5 float32)
// relative to the larger of |torch's value| and 0.1 (the floor keeps results that are zero up to the
// rounding of O(1) intermediates from reading as large relative errors); integers and bools exactly.
std::string compare(const std::string& what, const Tensor& got, const json& j) {
  const Want want = want_of(j);
  if (!got.defined()) return what + ": xgrad gives no tensor, torch " + want.dtype + "\n";
  std::string out;
  if (short_name(got.dtype()) != want.dtype)
    out += what + " dtype: xgrad " + short_name(got.dtype()) + ", torch " + want.dtype + "\n";
  if (got.shape() != want.shape) {
    std::ostringstream s;
    s << what << " shape: xgrad " << xg::shape_str(got.shape()) << ", torch " << xg::shape_str(want.shape) << "\n";
    return out + s.str();
  }
  const double rtol = want.dtype == "f64" ? 1e-12 : want.dtype == "f32" ? 1e-5 : 0.0;
  const std::vector<double> a = got.to_vector();
  const int limit = report_mode() ? 1000 : 4;
  int shown = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (want.unchecked[i]) continue;
    const double x = a[i], y = want.values[i];
    bool ok;
    if (std::isnan(y))
      ok = std::isnan(x);
    else if (std::isinf(y))
      ok = x == y;
    else
      ok = std::isfinite(x) && std::abs(x - y) <= rtol * std::max(std::abs(y), 0.1);
    if (!ok && shown++ < limit)
      out += what + "[" + std::to_string(i) + "]: xgrad " + fmt_value(x) + ", torch " + fmt_value(y) + "\n";
  }
  if (shown > limit) out += what + ": " + std::to_string(shown - limit) + " more elements differ\n";
  return out;
}

// Runs one case on xgrad; returns its disagreements with torch ("" when it agrees).
std::string run_case(const json& c) {
  const std::string id = c["id"];
  const std::string op = id.substr(id.find('/') + 1, id.find('/', id.find('/') + 1) - id.find('/') - 1);
  const auto it = ops().find(op);
  if (it == ops().end()) return "no xgrad call for op " + op + " in the table\n";
  const json args = c.contains("args") ? c["args"] : json::object();
  std::set<std::size_t> diff;
  if (c.contains("diff")) diff = c["diff"].get<std::set<std::size_t>>();
  Args in;
  std::vector<Tensor> leaves;
  for (std::size_t i = 0; i < c["inputs"].size(); ++i) {
    const json& j = c["inputs"][i];
    Arg a;
    if (j.is_object()) {
      a.scalar = true;
      a.integer = j["kind"] == "int";
      a.v = number(j["scalar"]);
    } else {
      a.t = make_tensor(j, diff.count(i) > 0);
      if (diff.count(i)) leaves.push_back(a.t);
    }
    in.push_back(a);
  }
  std::vector<Tensor> outs;
  try {
    outs = it->second(in, args);
  } catch (const std::exception& e) {
    if (c.contains("error")) return "";
    return std::string("xgrad throws \"") + e.what() + "\"; torch gives a result\n";
  }
  if (c.contains("error")) {
    return "torch raises \"" + c["error"].get<std::string>() + "\"; xgrad returns " + short_name(outs[0].dtype()) +
           " " + xg::shape_str(outs[0].shape()) + "\n";
  }
  std::string out;
  for (std::size_t k = 0; k < outs.size() && k < c["out"].size(); ++k)
    out += compare("out[" + std::to_string(k) + "]", outs[k], c["out"][k]);
  if (!c.contains("grad")) return out;
  const bool second = c.contains("grad2");
  std::vector<Tensor> g;
  try {
    const Tensor& y = outs[0];
    if (!y.requires_grad()) return out + "out[0] does not require grad in xgrad\n";
    g = xg::autograd::grad({xg::sum(y * weights(y, false))}, leaves, {}, true, second, true);
  } catch (const std::exception& e) {
    return out + "grad: xgrad throws \"" + e.what() + "\"\n";
  }
  for (std::size_t k = 0; k < g.size(); ++k) {
    if (!g[k].defined()) g[k] = xg::zeros_like(leaves[k]);
    out += compare("grad[" + std::to_string(k) + "]", g[k], c["grad"][k]);
  }
  if (!second) return out;
  try {
    Tensor total;
    for (const auto& gk : g) {
      if (!gk.requires_grad()) continue;
      const auto term = xg::sum(gk * weights(gk, true));
      total = total.defined() ? total + term : term;
    }
    std::vector<Tensor> gg(leaves.size());
    if (total.defined()) gg = xg::autograd::grad({total}, leaves, {}, false, false, true);
    for (std::size_t k = 0; k < gg.size(); ++k) {
      if (!gg[k].defined()) gg[k] = xg::zeros_like(leaves[k]);
      out += compare("grad2[" + std::to_string(k) + "]", gg[k], c["grad2"][k]);
    }
  } catch (const std::exception& e) {
    return out + "grad2: xgrad throws \"" + e.what() + "\"\n";
  }
  return out;
}

void run_family(const std::string& family) {
  const bool report = report_mode();
  int count = 0;
  for (const json& c : fixture()["cases"]) {
    const std::string id = c["id"];
    if (id.rfind(family + "/", 0) != 0) continue;
    ++count;
    const std::string diffs = run_case(c);
    const bool known = known_differences().count(id) > 0;
    if (report && !diffs.empty()) std::cout << (known ? "[known] " : "[NEW]   ") << id << "\n" << diffs;
    CAPTURE(id);
    if (known) {
      INFO("this case now agrees with torch: remove it from known_differences");
      CHECK(!diffs.empty());
    } else {
      INFO(diffs);
      CHECK(diffs.empty());
    }
  }
  CHECK(count > 0);
}

}  // namespace

TEST_CASE("edges: every known difference names a case of the fixture") {
  std::set<std::string> ids;
  for (const json& c : fixture()["cases"]) ids.insert(c["id"].get<std::string>());
  CHECK(ids.size() == fixture()["cases"].size());
  for (const auto& entry : known_differences()) {  // no structured binding: CAPTURE is a lambda
    const std::string& id = entry.first;
    CAPTURE(id);
    CHECK(ids.count(id) == 1);
    CHECK(!entry.second.empty());
  }
}

TEST_CASE("edges: unary ops against torch") { run_family("unary"); }
TEST_CASE("edges: binary ops, scalars and dtype promotion against torch") { run_family("binary"); }
TEST_CASE("edges: reductions against torch") { run_family("reduce"); }
TEST_CASE("edges: shape ops against torch") { run_family("shape"); }
TEST_CASE("edges: index ops against torch") { run_family("index"); }
TEST_CASE("edges: matrix products against torch") { run_family("linalg"); }
TEST_CASE("edges: softmax and log_softmax against torch") { run_family("softmax"); }
TEST_CASE("edges: fused losses against torch") { run_family("loss"); }
