// Shared by the optim tests: torch fixtures (scripts/make_optim_fixtures.py), optimizers built from
// a fixture's options, and the two small problems the trajectories run on.
#pragma once
#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <xgrad/xgrad.hpp>

namespace optim_test {

using nlohmann::json;

inline json load_fixture(const std::string& name) {
  const std::string path = std::string(XGRAD_SOURCE_DIR) + "/tests/fixtures/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path + "; run scripts/make_optim_fixtures.py");
  return json::parse(in);
}

inline xg::Tensor f64(const std::vector<double>& values, const xg::Shape& shape, bool requires_grad = false) {
  return xg::tensor(values, shape, xg::kFloat64, requires_grad);
}

inline xg::Shape shape_of(const json& j) { return j.get<xg::Shape>(); }

// |a − b| / max(1, |b|): parameters and lrs are compared to torch's in this measure.
inline double mixed_error(double a, double b) { return std::abs(a - b) / std::max(1.0, std::abs(b)); }

inline double max_error(const std::vector<double>& got, const std::vector<double>& want) {
  if (got.size() != want.size()) return INFINITY;
  double worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double e = mixed_error(got[i], want[i]);
    if (!(e <= worst)) worst = e;  // NaN wins
  }
  return worst;
}

// ---- typed options from a fixture's option object (absent keys keep the given defaults) ----

inline std::pair<double, double> pair_or(const json& j, const char* key, std::pair<double, double> fallback) {
  if (!j.contains(key)) return fallback;
  return {j[key][0].get<double>(), j[key][1].get<double>()};
}

inline void fill(xg::optim::SGDOptions& o, const json& j) {
  o.lr = j.value("lr", o.lr);
  o.momentum = j.value("momentum", o.momentum);
  o.dampening = j.value("dampening", o.dampening);
  o.weight_decay = j.value("weight_decay", o.weight_decay);
  o.nesterov = j.value("nesterov", o.nesterov);
  o.maximize = j.value("maximize", o.maximize);
}
template <class O>  // Adam and AdamW
inline void fill_adam(O& o, const json& j) {
  o.lr = j.value("lr", o.lr);
  o.betas = pair_or(j, "betas", o.betas);
  o.eps = j.value("eps", o.eps);
  o.weight_decay = j.value("weight_decay", o.weight_decay);
  o.amsgrad = j.value("amsgrad", o.amsgrad);
  o.maximize = j.value("maximize", o.maximize);
}
inline void fill(xg::optim::AdamOptions& o, const json& j) { fill_adam(o, j); }
inline void fill(xg::optim::AdamWOptions& o, const json& j) { fill_adam(o, j); }
inline void fill(xg::optim::RMSpropOptions& o, const json& j) {
  o.lr = j.value("lr", o.lr);
  o.alpha = j.value("alpha", o.alpha);
  o.eps = j.value("eps", o.eps);
  o.weight_decay = j.value("weight_decay", o.weight_decay);
  o.momentum = j.value("momentum", o.momentum);
  o.centered = j.value("centered", o.centered);
  o.maximize = j.value("maximize", o.maximize);
}
inline void fill(xg::optim::AdagradOptions& o, const json& j) {
  o.lr = j.value("lr", o.lr);
  o.lr_decay = j.value("lr_decay", o.lr_decay);
  o.weight_decay = j.value("weight_decay", o.weight_decay);
  o.initial_accumulator_value = j.value("initial_accumulator_value", o.initial_accumulator_value);
  o.eps = j.value("eps", o.eps);
  o.maximize = j.value("maximize", o.maximize);
}
inline void fill(xg::optim::AdadeltaOptions& o, const json& j) {
  o.lr = j.value("lr", o.lr);
  o.rho = j.value("rho", o.rho);
  o.eps = j.value("eps", o.eps);
  o.weight_decay = j.value("weight_decay", o.weight_decay);
  o.maximize = j.value("maximize", o.maximize);
}

// Builds an optimizer of torch's class name over params; `groups` (if an array) lists parameter
// indices with per-group options over the defaults, as the fixture's torch run did.
template <class Opt>
std::unique_ptr<xg::optim::Optimizer> make_typed(const std::vector<xg::Tensor>& params, const json& options,
                                                 const json& groups) {
  typename Opt::Options defaults;
  fill(defaults, options);
  if (!groups.is_array()) return std::make_unique<Opt>(params, defaults);
  std::vector<xg::optim::ParamGroup<typename Opt::Options>> typed;
  for (const json& g : groups) {
    xg::optim::ParamGroup<typename Opt::Options> group;
    for (const json& i : g["params"]) group.params.push_back(params.at(i.get<std::size_t>()));
    if (g.contains("options")) {
      typename Opt::Options o = defaults;
      fill(o, g["options"]);
      group.options = o;
    }
    typed.push_back(std::move(group));
  }
  return std::make_unique<Opt>(std::move(typed), defaults);
}

inline std::unique_ptr<xg::optim::Optimizer> make_optimizer(const std::string& type,
                                                            const std::vector<xg::Tensor>& params,
                                                            const json& options, const json& groups = json()) {
  namespace o = xg::optim;
  if (type == "SGD") return make_typed<o::SGD>(params, options, groups);
  if (type == "Adam") return make_typed<o::Adam>(params, options, groups);
  if (type == "AdamW") return make_typed<o::AdamW>(params, options, groups);
  if (type == "RMSprop") return make_typed<o::RMSprop>(params, options, groups);
  if (type == "Adagrad") return make_typed<o::Adagrad>(params, options, groups);
  if (type == "Adadelta") return make_typed<o::Adadelta>(params, options, groups);
  throw std::runtime_error("unknown optimizer " + type);
}

// ---- the problems ----

// Σ 100·(x[i+1] − x[i]²)² + (1 − x[i])², as the fixture script writes it.
inline xg::Tensor rosenbrock(const xg::Tensor& x) {
  const std::int64_t n = x.size(0);
  const xg::Tensor a = x.narrow(0, 0, n - 1), b = x.narrow(0, 1, n - 1);
  return (100.0 * (b - a * a) * (b - a * a) + (1.0 - a) * (1.0 - a)).sum();
}

// linear → tanh → linear → relu → linear, mean squared error; params = w1, b1, w2, b2, w3, b3.
inline xg::Tensor mlp_loss(const std::vector<xg::Tensor>& p, const xg::Tensor& x, const xg::Tensor& y) {
  const xg::Tensor h1 = xg::tanh(xg::linear(x, p[0], p[1]));
  const xg::Tensor h2 = xg::relu(xg::linear(h1, p[2], p[3]));
  const xg::Tensor out = xg::linear(h2, p[4], p[5]);
  return ((out - y) * (out - y)).mean();
}

}  // namespace optim_test
